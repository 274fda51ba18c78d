//! Sliding windows over a padded axis, shared by convolution and pooling.

/// The input index that tap `tap` of output position `out` reads, or `None`
/// when it falls in the padding: `out·stride + tap·dilation − pad_lo`.
pub(super) fn source(
    out: usize,
    tap: usize,
    stride: usize,
    dilation: usize,
    pad_lo: usize,
    size: usize,
) -> Option<usize> {
    (out * stride + tap * dilation).checked_sub(pad_lo).filter(|&i| i < size)
}
