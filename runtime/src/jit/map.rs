//! Element-wise kernels: a chain of stages over a tensor viewed as
//! `rows × inner` elements, where row `r` belongs to channel `r % channels`
//! (for per-channel parameters). Rows are the work items; each row is
//! processed in full vectors, then a scalar tail.

use super::{
    ir::{Elem, Ir, Lanes, Res},
    stages::{self, Place, Stage},
};
use inkwell::values::FunctionValue;

/// Everything an element-wise kernel is specialized to (its cache key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct MapSig {
    pub rows: usize,
    pub channels: usize,
    pub inner: usize,
    pub input: Elem,
    pub stages: Vec<Stage>,
    pub lanes: usize,
}

impl MapSig {
    /// The `rows × inner` view of a tensor of `shape` whose per-channel
    /// stages index `axis` (or none). Without an axis, rows are the longest
    /// trailing runs of at least 1024 elements, so that threads get work.
    pub fn layout(shape: &[usize], axis: Option<usize>) -> (usize, usize, usize) {
        let total: usize = shape.iter().product();
        if let Some(axis) = axis {
            let inner: usize = shape[axis + 1..].iter().product();
            return (total / inner.max(1), shape[axis], inner);
        }
        let mut inner = 1;
        for &d in shape.iter().rev() {
            if inner >= 1024 {
                break;
            }
            inner *= d;
        }
        (total / inner.max(1), 1, inner)
    }

    pub fn len(&self) -> usize {
        self.rows * self.inner
    }

    pub fn buffers(&self) -> Vec<(Elem, usize)> {
        let mut buffers = vec![(stages::output_elem(&self.stages, self.input), self.len()), (self.input, self.len())];
        buffers.extend(stages::buffers(&self.stages, self.len(), self.channels));
        buffers
    }

    pub fn generate<'ctx>(&self, ir: &Ir<'ctx>, function: FunctionValue<'ctx>) -> Res<()> {
        let (table, _, _) = Ir::kernel_params(function);
        let count = self.buffers().len() as u64;
        let buffers = (0..count).map(|i| ir.buffer(table, i)).collect::<Res<Vec<_>>>()?;
        let out_elem = stages::output_elem(&self.stages, self.input);
        let lanes = self.lanes as u64;
        let full = self.inner as u64 / lanes * lanes;
        ir.for_each_item(function, |r| {
            let (_, channel) = ir.div_rem(r, self.channels as u64)?;
            let row = ir.mul(r, self.inner as u64)?;
            let channels = Lanes { base: channel, stride: 0, valid: 1 };
            let chunk = |start, width: u64| -> Res<()> {
                let elements = Lanes { base: ir.add(row, start)?, stride: 1, valid: width as u32 };
                let x = ir.load_lanes(self.input, buffers[1], &elements, width as u32)?;
                let place = Place { channels: &channels, elements: &elements };
                let y = stages::emit(ir, &self.stages, &buffers[2..], &place, x)?;
                ir.store_lanes(out_elem, buffers[0], &elements, y)
            };
            ir.counted_loop(function, ir.int(0), ir.int(full), lanes, Vec::new(), |j, _| {
                chunk(j, lanes).map(|()| Vec::new())
            })?;
            ir.counted_loop(function, ir.int(full), ir.int(self.inner as u64), 1, Vec::new(), |j, _| {
                chunk(j, 1).map(|()| Vec::new())
            })?;
            Ok(())
        })
    }
}
