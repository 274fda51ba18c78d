//! Static shape arithmetic of the imported ops: conv/pool windows (explicit
//! pads or auto_pad), reshape targets, axes.

use super::attrs;
use crate::proto::NodeProto;

/// A 2-D window: kernel, strides, pads (top, left, bottom, right), dilations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub pads: [usize; 4],
    pub dilations: [usize; 2],
}

fn positive(name: &str, v: &[i64]) -> Result<Vec<usize>, String> {
    v.iter()
        .map(|&x| usize::try_from(x).ok().filter(|&x| x > 0).ok_or(format!("{name} must be positive, got {v:?}")))
        .collect()
}

/// Reads a window from a Conv/MaxPool/AveragePool node. `spatial` is the
/// input's spatial size (1 or 2 dims: 1-D windows are lifted to 2-D with a
/// trailing dim of 1); `kernel` overrides `kernel_shape` (Conv's weight).
pub fn window(node: &NodeProto, spatial: &[usize], kernel: Option<&[usize]>) -> Result<Window, String> {
    let n = spatial.len();
    let per_dim = |name: &str, len: usize, default: i64| -> Result<Vec<i64>, String> {
        match attrs::ints(node, name) {
            None => Ok(vec![default; len]),
            Some(v) if v.len() == len => Ok(v),
            Some(v) => Err(format!("'{name}' must have {len} values for {n}-D input, got {v:?}")),
        }
    };
    let kernel = match kernel {
        Some(k) => k.to_vec(),
        None => positive("kernel_shape", &attrs::ints(node, "kernel_shape").ok_or("requires 'kernel_shape'")?)?,
    };
    if kernel.len() != n {
        return Err(format!("kernel has {} dims, the input {n} spatial dims", kernel.len()));
    }
    let strides = positive("strides", &per_dim("strides", n, 1)?)?;
    let dilations = positive("dilations", &per_dim("dilations", n, 1)?)?;
    let explicit = per_dim("pads", 2 * n, 0)?;
    let mut pads: Vec<usize> = explicit
        .iter()
        .map(|&p| usize::try_from(p).map_err(|_| format!("pads must be non-negative, got {explicit:?}")))
        .collect::<Result<_, _>>()?;
    match attrs::string(node, "auto_pad", "NOTSET").as_str() {
        "NOTSET" => {}
        "VALID" => pads.iter_mut().for_each(|p| *p = 0),
        mode @ ("SAME_UPPER" | "SAME_LOWER") => {
            for d in 0..n {
                let out = spatial[d].div_ceil(strides[d]);
                let span = (kernel[d] - 1) * dilations[d] + 1;
                let total = ((out - 1) * strides[d] + span).saturating_sub(spatial[d]);
                let small = total / 2;
                let (begin, end) = if mode == "SAME_UPPER" { (small, total - small) } else { (total - small, small) };
                pads[d] = begin;
                pads[n + d] = end;
            }
        }
        other => return Err(format!("unknown auto_pad '{other}'")),
    }
    Ok(if n == 1 {
        Window {
            kernel: [kernel[0], 1],
            strides: [strides[0], 1],
            pads: [pads[0], 0, pads[1], 0],
            dilations: [dilations[0], 1],
        }
    } else {
        Window {
            kernel: [kernel[0], kernel[1]],
            strides: [strides[0], strides[1]],
            pads: [pads[0], pads[1], pads[2], pads[3]],
            dilations: [dilations[0], dilations[1]],
        }
    })
}

/// Normalizes `axis` for `rank` (`-rank..rank`); `inclusive` also allows `rank`.
pub fn axis(axis: i64, rank: usize, inclusive: bool) -> Result<usize, String> {
    let r = rank as i64;
    let hi = if inclusive { r + 1 } else { r };
    if !(-r..hi).contains(&axis) {
        return Err(format!("axis {axis} is out of range for rank {rank}"));
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// The target shape of ONNX Reshape: `0` copies the input dim (unless
/// `allowzero`), one `-1` takes what is left.
pub fn reshape_target(input: &[usize], spec: &[i64], allowzero: bool) -> Result<Vec<usize>, String> {
    let total: usize = input.iter().product();
    let mut out = Vec::with_capacity(spec.len());
    let mut infer = None;
    for (i, &d) in spec.iter().enumerate() {
        out.push(match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                1
            }
            0 if !allowzero => *input.get(i).ok_or(format!("shape {spec:?} copies dim {i}, beyond the input rank"))?,
            d if d >= 0 => d as usize,
            _ => return Err(format!("invalid shape {spec:?}")),
        });
    }
    let known: usize = out.iter().product();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!("cannot reshape {input:?} to {spec:?}"));
        }
        out[i] = total / known;
    }
    if out.iter().product::<usize>() != total {
        return Err(format!("cannot reshape {input:?} ({total} elements) to {spec:?}"));
    }
    Ok(out)
}

/// The shape after ONNX Squeeze (`axes` None: every dim of size 1).
pub fn squeeze(input: &[usize], axes: Option<&[i64]>) -> Result<Vec<usize>, String> {
    let drop: Vec<usize> = match axes {
        None => (0..input.len()).filter(|&d| input[d] == 1).collect(),
        Some(a) => a.iter().map(|&x| axis(x, input.len(), false)).collect::<Result<_, _>>()?,
    };
    if let Some(&d) = drop.iter().find(|&&d| input[d] != 1) {
        return Err(format!("cannot squeeze dim {d} of size {}", input[d]));
    }
    Ok((0..input.len()).filter(|d| !drop.contains(d)).map(|d| input[d]).collect())
}

/// The shape after ONNX Unsqueeze.
pub fn unsqueeze(input: &[usize], axes: &[i64]) -> Result<Vec<usize>, String> {
    let rank = input.len() + axes.len();
    let mut ones: Vec<usize> = axes.iter().map(|&a| axis(a, rank, false)).collect::<Result<_, _>>()?;
    ones.sort_unstable();
    ones.dedup();
    if ones.len() != axes.len() {
        return Err(format!("repeated axes {axes:?}"));
    }
    let mut rest = input.iter();
    Ok((0..rank).map(|d| if ones.contains(&d) { 1 } else { *rest.next().unwrap_or(&1) }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_rules() {
        assert_eq!(reshape_target(&[2, 3, 4], &[0, -1], false).unwrap(), vec![2, 12]);
        assert!(reshape_target(&[2, 3], &[4, -1], false).is_err());
    }

    #[test]
    fn squeeze_unsqueeze() {
        assert_eq!(squeeze(&[1, 3, 1], None).unwrap(), vec![3]);
        assert_eq!(unsqueeze(&[3, 4], &[0, -1]).unwrap(), vec![1, 3, 4, 1]);
    }
}
