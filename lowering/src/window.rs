//! Fitting a sliding window to TOSA's rule: for convolutions and pools,
//! `size + pad_before + pad_after - kernel` must be a multiple of the stride.
//! PyTorch's floor (and ceil_mode) arithmetic allows a remainder, so the
//! after-padding is grown (ceil_mode's partial last window) or the unused
//! trailing rows are sliced off the input.

/// How one spatial dimension is presented to TOSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fit {
    /// The input rows TOSA sees (the first `keep` of them).
    pub keep: usize,
    pub pad_after: usize,
}

/// `span` is the dilated kernel extent, `out` the expected output size.
/// `None` when the windows would start past the front padding.
pub fn fit(size: usize, pad_before: usize, span: usize, stride: usize, out: usize) -> Option<Fit> {
    let used = (out.checked_sub(1)?).checked_mul(stride)?.checked_add(span)?;
    match used.checked_sub(size + pad_before) {
        Some(pad_after) => Some(Fit { keep: size, pad_after }),
        None => Some(Fit { keep: used.checked_sub(pad_before).filter(|&k| k > 0)?, pad_after: 0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_windows_keep_the_input() {
        // 8 rows, pad 1+1, 3x3 kernel, stride 1 → 8 outputs.
        assert_eq!(fit(8, 1, 3, 1, 8), Some(Fit { keep: 8, pad_after: 1 }));
    }

    #[test]
    fn floor_remainder_is_sliced_off() {
        // 7 rows, kernel 2, stride 2 → 3 outputs use rows 0..6.
        assert_eq!(fit(7, 0, 2, 2, 3), Some(Fit { keep: 6, pad_after: 0 }));
        // With padding 1 on both sides, 3x3 stride 2 on 8 rows → 4 outputs; the last row pads.
        assert_eq!(fit(8, 1, 3, 2, 4), Some(Fit { keep: 8, pad_after: 0 }));
    }

    #[test]
    fn ceil_mode_grows_the_after_padding() {
        // 7 rows, kernel 2, stride 2, ceil → 4 outputs, the last over one pad row.
        assert_eq!(fit(7, 0, 2, 2, 4), Some(Fit { keep: 7, pad_after: 1 }));
    }
}
