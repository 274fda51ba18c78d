//! Data movement, for any element type: `quant.reshape`, `quant.transpose`
//! and `quant.concat`.

use crate::Tensor;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use quant_dialect::views::normalize_axis;

/// Applies the same array function to f32 and integer tensors.
trait Movement {
    fn apply<T: Clone>(&self, a: &ArrayD<T>) -> Result<ArrayD<T>, String>;
}

fn apply(x: &Tensor, movement: &impl Movement) -> Result<Tensor, String> {
    Ok(match x {
        Tensor::F32(a) => Tensor::F32(movement.apply(a)?),
        Tensor::Int { elem, data } => Tensor::Int { elem: *elem, data: movement.apply(data)? },
    })
}

struct Reshape<'s>(&'s [usize]);

impl Movement for Reshape<'_> {
    /// Row-major reshape.
    fn apply<T: Clone>(&self, a: &ArrayD<T>) -> Result<ArrayD<T>, String> {
        ArrayD::from_shape_vec(IxDyn(self.0), a.iter().cloned().collect())
            .map_err(|_| format!("cannot reshape {:?} to {:?}: element counts differ", a.shape(), self.0))
    }
}

struct Transpose(Vec<usize>);

impl Movement for Transpose {
    fn apply<T: Clone>(&self, a: &ArrayD<T>) -> Result<ArrayD<T>, String> {
        Ok(a.view().permuted_axes(IxDyn(&self.0)).as_standard_layout().into_owned())
    }
}

pub(super) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor, String> {
    apply(x, &Reshape(shape))
}

/// Output axis i is input axis perm[i].
pub(super) fn transpose(x: &Tensor, perm: &[i64]) -> Result<Tensor, String> {
    let rank = x.shape().len();
    let mut seen = vec![false; rank];
    let is_permutation = perm.len() == rank
        && perm.iter().all(|&p| {
            usize::try_from(p).ok().filter(|&p| p < rank).is_some_and(|p| !std::mem::replace(&mut seen[p], true))
        });
    if !is_permutation {
        return Err(format!("perm {perm:?} is not a permutation of the {rank} axes"));
    }
    apply(x, &Transpose(perm.iter().map(|&p| p as usize).collect()))
}

fn join<T: Clone>(arrays: Vec<&ArrayD<T>>, axis: usize) -> Result<ArrayD<T>, String> {
    let views: Vec<ArrayViewD<T>> = arrays.iter().map(|a| a.view()).collect();
    ndarray::concatenate(Axis(axis), &views).map_err(|_| {
        let shapes: Vec<&[usize]> = arrays.iter().map(|a| a.shape()).collect();
        format!("shapes {shapes:?} differ outside axis {axis}")
    })
}

pub(super) fn concat(inputs: &[&Tensor], axis: i64) -> Result<Tensor, String> {
    let first = inputs.first().ok_or("requires at least one operand")?;
    let rank = first.shape().len();
    let axis = normalize_axis(axis, rank).ok_or_else(|| format!("axis {axis} is out of range for rank {rank}"))?;
    if let Some(other) = inputs.iter().find(|t| t.elem() != first.elem()) {
        return Err(format!("element types differ: {} and {}", first.elem().name(), other.elem().name()));
    }
    if rank == 0 || inputs.iter().any(|t| t.shape().len() != rank) {
        return Err("operands must have the same non-zero rank".into());
    }
    Ok(match first {
        Tensor::F32(_) => Tensor::F32(join(inputs.iter().filter_map(|t| t.as_f32()).collect(), axis)?),
        Tensor::Int { elem, .. } => {
            Tensor::Int { elem: *elem, data: join(inputs.iter().filter_map(|t| t.as_int()).collect(), axis)? }
        }
    })
}
