//! max_pool2d as a kernel over NCHW planes. A work item is one output row
//! of one plane: the maxima down the window's input rows go into a row on
//! the stack whose padding columns hold −∞, then each kernel column is one
//! (strided) vector read of that row per output vector, with no bounds test
//! on any lane. Maxima propagate NaN, as PyTorch's do.

use super::ir::{Elem, Ir, Lanes, Res};
use inkwell::{
    types::VectorType,
    values::{FunctionValue, IntValue, PointerValue, VectorValue},
    IntPredicate,
};

/// Everything a max pooling kernel is specialized to (its cache key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct MaxPoolSig {
    /// Batch × channels.
    pub planes: usize,
    pub in_hw: [usize; 2],
    pub out_hw: [usize; 2],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Padding rows above and columns left of the input (those below and
    /// right follow from the output size).
    pub top_left: [usize; 2],
    pub lanes: usize,
}

impl MaxPoolSig {
    pub fn items(&self) -> usize {
        self.planes * self.out_hw[0]
    }

    pub fn buffers(&self) -> Vec<(Elem, usize)> {
        let [h, w] = self.in_hw;
        let [ho, wo] = self.out_hw;
        vec![(Elem::F32, self.planes * ho * wo), (Elem::F32, self.planes * h * w)]
    }

    /// Output vectors per row, the last one possibly partial.
    fn vectors(&self) -> usize {
        self.out_hw[1].div_ceil(self.lanes)
    }

    /// Length of the row on the stack: the left padding, the input row, and
    /// −∞ up to the last element a whole output vector's taps read.
    fn row_len(&self) -> usize {
        let [sw, kw, left] = [self.stride[1], self.kernel[1], self.top_left[1]];
        (left + self.in_hw[1]).max(self.vectors() * self.lanes * sw + kw)
    }

    pub fn generate<'ctx>(&self, ir: &Ir<'ctx>, function: FunctionValue<'ctx>) -> Res<()> {
        let (table, _, _) = Ir::kernel_params(function);
        let (out, input) = (ir.buffer(table, 0)?, ir.buffer(table, 1)?);
        let row = ir.b.build_array_alloca(ir.f32, ir.int(self.row_len() as u64), "row")?;
        let (left, w) = (self.top_left[1], self.in_hw[1]);
        // The padding columns: written once per call, never overwritten.
        let minus_inf = ir.f32.const_float(f64::NEG_INFINITY);
        for range in [(0, left), (left + w, self.row_len())] {
            ir.counted_loop(function, ir.int(range.0 as u64), ir.int(range.1 as u64), 1, Vec::new(), |i, _| {
                ir.store(Elem::F32, row, i, minus_inf).map(|()| Vec::new())
            })?;
        }
        let [h, w_in] = self.in_hw.map(|d| d as u64);
        let [ho, wo] = self.out_hw.map(|d| d as u64);
        ir.for_each_item(function, |item| {
            let (plane, oy) = ir.div_rem(item, ho)?;
            let (first, end) = self.window_rows(ir, oy)?;
            self.reduce_rows(ir, function, input, ir.mul(plane, h * w_in)?, first, end, row)?;
            let output = ir.add_mul(ir.mul(plane, ho * wo)?, oy, wo)?;
            self.reduce_columns(ir, function, row, out, output)
        })
    }

    /// The window's input rows `[first, end)` for output row `oy`, clamped
    /// to the input.
    fn window_rows<'ctx>(&self, ir: &Ir<'ctx>, oy: IntValue<'ctx>) -> Res<(IntValue<'ctx>, IntValue<'ctx>)> {
        let clamp = |value: IntValue<'ctx>, bound: u64, predicate| -> Res<IntValue<'ctx>> {
            let out = ir.b.build_int_compare(predicate, value, ir.int(bound), "")?;
            Ok(ir.b.build_select(out, ir.int(bound), value, "")?.into_int_value())
        };
        let top = self.top_left[0] as u64;
        // first = max(oy·sh − top, 0) and end = min(oy·sh + kh − top, h), kept unsigned.
        let start = ir.mul(oy, self.stride[0] as u64)?;
        let first = clamp(start, top, IntPredicate::ULT)?;
        let first = ir.b.build_int_sub(first, ir.int(top), "")?;
        let end = ir.add(start, ir.int(self.kernel[0] as u64))?;
        let end = clamp(end, top, IntPredicate::ULT)?;
        let end = clamp(ir.b.build_int_sub(end, ir.int(top), "")?, self.in_hw[0] as u64, IntPredicate::UGT)?;
        Ok((first, end))
    }

    /// Writes the maxima of input rows `[first, end)` of the plane at
    /// `plane` into the row on the stack, after its left padding.
    #[allow(clippy::too_many_arguments)]
    fn reduce_rows<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        input: PointerValue<'ctx>,
        plane: IntValue<'ctx>,
        first: IntValue<'ctx>,
        end: IntValue<'ctx>,
        row: PointerValue<'ctx>,
    ) -> Res<()> {
        let (lanes, w) = (self.lanes, self.in_hw[1]);
        let start = ir.splat_f32(f64::NEG_INFINITY, lanes as u32)?;
        ir.pieces(function, w, lanes, |j, valid| {
            let x = ir.mul(j, lanes as u64)?;
            let maxima = ir.counted_loop(function, first, end, 1, vec![start.into()], |y, carried| {
                let at = ir.add(ir.add_mul(plane, y, w as u64)?, x)?;
                let v =
                    ir.load_lanes(Elem::F32, input, &Lanes { base: at, stride: 1, valid: valid as u32 }, lanes as u32)?;
                Ok(vec![maximum(ir, carried[0].into_vector_value(), v)?.into()])
            })?;
            let at = Lanes { base: ir.add(x, ir.int(self.top_left[1] as u64))?, stride: 1, valid: valid as u32 };
            ir.store_lanes(Elem::F32, row, &at, maxima[0].into_vector_value())
        })
    }

    /// Writes output row `output` from the row on the stack: per output
    /// vector, the maximum over kernel columns of every stride-th element.
    fn reduce_columns<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        row: PointerValue<'ctx>,
        out: PointerValue<'ctx>,
        output: IntValue<'ctx>,
    ) -> Res<()> {
        let (lanes, sw, wo) = (self.lanes, self.stride[1], self.out_hw[1]);
        ir.pieces(function, wo, lanes, |j, valid| {
            let first = ir.mul(j, (lanes * sw) as u64)?;
            let mut maxima = ir.splat_f32(f64::NEG_INFINITY, lanes as u32)?;
            for kx in 0..self.kernel[1] {
                let v = strided_load(ir, row, ir.add(first, ir.int(kx as u64))?, lanes, sw)?;
                maxima = maximum(ir, maxima, v)?;
            }
            let at = Lanes { base: ir.add_mul(output, j, lanes as u64)?, stride: 1, valid: valid as u32 };
            ir.store_lanes(Elem::F32, out, &at, maxima)
        })
    }
}

/// `lanes` elements of `row` from `first`, `stride` apart: one wide load,
/// then a shuffle picking every stride-th element.
fn strided_load<'ctx>(
    ir: &Ir<'ctx>,
    row: PointerValue<'ctx>,
    first: IntValue<'ctx>,
    lanes: usize,
    stride: usize,
) -> Res<VectorValue<'ctx>> {
    let wide = ir.load(ir.vec_type(Elem::F32, (lanes * stride) as u32).into(), Elem::F32, row, first)?;
    let wide = wide.into_vector_value();
    if stride == 1 {
        return Ok(wide);
    }
    let picks: Vec<_> = (0..lanes).map(|l| ir.i32.const_int((l * stride) as u64, false)).collect();
    let mask = VectorType::const_vector(&picks);
    ir.b.build_shuffle_vector(wide, wide.get_type().get_poison(), mask, "")
}

/// Lane-wise maximum, NaN when either lane is NaN.
fn maximum<'ctx>(ir: &Ir<'ctx>, a: VectorValue<'ctx>, b: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    Ok(ir.intrinsic("llvm.maximum", a.get_type().into(), &[a.into(), b.into()])?.into_vector_value())
}
