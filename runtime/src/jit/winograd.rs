//! Stride-1 3×3 convs by Winograd's minimal filtering F(2×2, 3×3): each
//! 2×2 block of outputs (a tile) comes from a 4×4 window of the input
//! with 16 multiplies per input channel instead of 36. Three kernels:
//! - the input transform: every tile's 4×4 window (from a zero-padded copy
//!   of the input) becomes 16 values Bᵀ·d·B, one per position ξ;
//! - 16 matrix products, one per ξ, output channels × input channels ×
//!   tiles: the 1×1 conv kernel with 16 groups, over weights transformed
//!   (G·g·Gᵀ) and packed once;
//! - the output transform: each tile's 16 products become its 2×2 outputs
//!   Aᵀ·m·A; then the bias and the fused stages, as in the conv epilogue.
//!
//! Both transforms run on vectors of `lanes` tiles along a row of tiles.
//! The products work on the transformed data in memory (`16·C·tiles`
//! floats in, `16·K·tiles` out). Over few tiles (7×7 of them) they read
//! it pixel-major, each tile's values side by side, as the input transform
//! then writes it.

use super::{
    aligned::Floats,
    buffers::BufferPool,
    conv::{stack, when, ConvSig},
    decode::{check_f32, conv_sig_for},
    host::Host,
    ir::{Elem, Ir, Lanes, Res},
    kernel::{Buf, BufMut, Kernel},
    stages::{self, Place, Stage},
    staging::Staging,
    workers::Workers,
};
use crate::{Tensor, TensorSpec};
use inkwell::values::{FunctionValue, IntValue, PointerValue, VectorValue};
use quant_dialect::{tensor::ElemType, views::Conv2dAttrs};
use std::borrow::Cow;

/// Positions of a transformed tile (4×4).
const POSITIONS: usize = 16;

/// Whether a conv of `x` by `w` runs as Winograd F(2×2, 3×3): 3×3
/// windows, stride and dilation 1, one group, and enough work (about one
/// multiply-add per input pixel, channel and output channel) that the
/// products outweigh three kernel calls and the transforms. Alone, one
/// thread: 16→16 at 56×56 (7.2 M multiply-adds) 0.14 against 0.18 ms
/// direct, 32→32 at 28×28 0.13 against 0.16; at 1.8 M (16→16 at 28×28,
/// 32→32 at 14×14, 64→64 at 7×7) 0.04–0.05 against 0.04 ms.
pub(super) fn applies(a: &Conv2dAttrs, x: &TensorSpec, w: &TensorSpec) -> bool {
    const MIN_MULTIPLY_ADDS: usize = 4 << 20;
    let (&[n, c, h, wd], &[o, _, kh, kw]) = (x.shape.as_slice(), w.shape.as_slice()) else { return false };
    [kh, kw] == [3, 3]
        && a.strides == [1, 1]
        && a.dilations == [1, 1]
        && a.groups == 1
        && n * c * o * h * wd * 9 >= MIN_MULTIPLY_ADDS
}

/// A conv lowered to the three Winograd kernels.
pub(super) struct Winograd {
    /// The input with its padding, grown to whole tiles (`2·tiles + 2`).
    staging: Staging,
    input: InputSig,
    products: ConvSig,
    /// The products' own copy of the transformed input, as a 1×1 conv of
    /// that shape would stage it: pixel-major over few tiles, when the
    /// input transform cannot write that layout itself.
    products_staging: Option<Staging>,
    output: OutputSig,
}

impl Winograd {
    /// The kernels of a conv of `x` by `w` (see [`applies`]) and the shape
    /// it computes.
    pub fn new(
        a: &Conv2dAttrs,
        x: &TensorSpec,
        w: &TensorSpec,
        bias: bool,
        stages: Vec<Stage>,
    ) -> Result<(Self, Vec<usize>), String> {
        check_f32(x, "input")?;
        check_f32(w, "weight")?;
        let (&[n, c, h, wd], &[k, cw, ..]) = (x.shape.as_slice(), w.shape.as_slice()) else {
            return Err(format!("input and weight must have rank 4, got {x} and {w}"));
        };
        if cw != c {
            return Err(format!("weight tensor<{w}> does not fit {c} input channels"));
        }
        let [ho, wo] = a.output_hw(h, wd, 3, 3).ok_or("the kernel does not fit the padded input")?;
        let tiles = [ho.div_ceil(2), wo.div_ceil(2)];
        let padded = tiles.map(|t| 2 * t + 2);
        let lanes = Host::detect().lanes as usize;
        let count = n * tiles[0] * tiles[1];
        let products_attrs = Conv2dAttrs { strides: [1, 1], padding: [0; 4], dilations: [1, 1], groups: POSITIONS };
        let f32_spec = |shape: Vec<usize>| TensorSpec { elem: ElemType::F32, shape };
        let (products, products_staging, _) = conv_sig_for(
            &products_attrs,
            &f32_spec(vec![1, POSITIONS * c, 1, count]),
            &f32_spec(vec![POSITIONS * k, c, 1, 1]),
            false,
            Vec::new(),
        )?;
        // Where the products would read a pixel-major copy, the input
        // transform writes that layout itself when it can (whole vectors of
        // channels).
        let pixel_major = products_staging.as_ref().is_some_and(Staging::is_pixel_major) && c.is_multiple_of(lanes);
        let products_staging = products_staging.filter(|_| !pixel_major);
        let winograd = Winograd {
            staging: Staging::padding([h, wd], a.padding[0], a.padding[1], padded),
            input: InputSig { batch: n, channels: c, tiles, pixel_major, lanes },
            products,
            products_staging,
            output: OutputSig { batch: n, channels: k, tiles, out_hw: [ho, wo], bias, stages, lanes },
        };
        Ok((winograd, vec![n, k, ho, wo]))
    }

    pub fn input_sig(&self) -> &InputSig {
        &self.input
    }

    pub fn products_sig(&self) -> &ConvSig {
        &self.products
    }

    pub fn output_sig(&self) -> &OutputSig {
        &self.output
    }

    /// What runs, for step descriptions.
    pub fn describe(&self) -> String {
        let [ho, wo] = self.output.out_hw;
        let (c, k) = (self.input.channels, self.output.channels);
        format!("F(2x2,3x3) {c}->{k} at {ho}x{wo}, fused {:?}", self.output.stages)
    }

    /// Floating-point operations of the direct conv it stands for (2 per
    /// multiply-add), so that GFLOP/s compare with direct convs.
    pub fn flops(&self) -> f64 {
        let [ho, wo] = self.output.out_hw;
        2.0 * (self.output.batch * self.output.channels * ho * wo * self.input.channels * 9) as f64
    }

    /// OIHW 3×3 weights as the products' packed weights: for output
    /// channel `k` and input channel `c`, the 4×4 matrix G·g·Gᵀ, its
    /// position ξ making the row `ξ·K + k` of a 16-group 1×1 conv.
    pub fn transform_weights(&self, weights: &[f32]) -> Floats {
        const G: [[f64; 3]; 4] = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]];
        let (k_count, c_count) = (self.output.channels, self.input.channels);
        let mut u = vec![0.0f32; POSITIONS * k_count * c_count];
        for (kc, g) in weights.chunks_exact(9).enumerate() {
            // G·g (4×3), then (G·g)·Gᵀ (4×4).
            let gg: [[f64; 3]; 4] =
                G.map(|row| std::array::from_fn(|b| (0..3).map(|a| row[a] * g[3 * a + b] as f64).sum()));
            for (i, left) in gg.iter().enumerate() {
                for (j, right) in G.iter().enumerate() {
                    let value: f64 = (0..3).map(|b| left[b] * right[b]).sum();
                    u[((4 * i + j) * k_count) * c_count + kc] = value as f32;
                }
            }
        }
        self.products.pack_weights(&u)
    }

    /// Runs the three kernels (`kernels`, in the order of the signatures)
    /// on input `x` with transformed `weights`; `params` are the output
    /// kernel's bias and stage buffers.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        x: &[f32],
        weights: &[f32],
        params: &[Cow<[f32]>],
        kernels: &[Kernel],
        out: BufMut,
        workers: &Workers,
        pool: &BufferPool,
    ) -> Result<(), String> {
        let [input_kernel, products_kernel, output_kernel] = kernels else {
            return Err(format!("expected 3 kernels, got {}", kernels.len()));
        };
        let count = self.output.count();
        let scratch = |channels: usize| {
            pool.tensor(&TensorSpec { elem: ElemType::F32, shape: vec![POSITIONS * channels * count] })
        };
        let (mut v, mut m) = (scratch(self.input.channels), scratch(self.output.channels));
        let result = (|| {
            let (v, m) = (f32_slice(&mut v)?, f32_slice(&mut m)?);
            self.staging
                .with_staged(x, workers, |padded| input_kernel.run(BufMut::F32(v), &[Buf::F32(padded)], workers))?;
            let mut products =
                |v: &[f32]| products_kernel.run(BufMut::F32(m), &[Buf::F32(v), Buf::F32(weights)], workers);
            match &self.products_staging {
                Some(staging) => staging.with_staged(v, workers, products)?,
                None => products(v)?,
            }
            let mut buffers = vec![Buf::F32(m)];
            buffers.extend(params.iter().map(|p| Buf::F32(p)));
            output_kernel.run(out, &buffers, workers)
        })();
        pool.recycle(v);
        pool.recycle(m);
        result
    }
}

fn f32_slice(tensor: &mut Tensor) -> Result<&mut [f32], String> {
    match tensor {
        Tensor::F32(a) => a.as_slice_mut().ok_or_else(|| "scratch is not contiguous".to_string()),
        Tensor::Int { .. } => Err("scratch must be f32".into()),
    }
}

/// Lanes `indices` of the concatenation of `a` and `b`.
fn shuffle<'ctx>(
    ir: &Ir<'ctx>,
    a: VectorValue<'ctx>,
    b: VectorValue<'ctx>,
    indices: impl Iterator<Item = usize>,
) -> Res<VectorValue<'ctx>> {
    let mask: Vec<_> = indices.map(|i| ir.i32.const_int(i as u64, false)).collect();
    ir.b.build_shuffle_vector(a, b, inkwell::types::VectorType::const_vector(&mask), "")
}

fn add<'ctx>(ir: &Ir<'ctx>, a: VectorValue<'ctx>, b: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    ir.b.build_float_add(a, b, "")
}

fn sub<'ctx>(ir: &Ir<'ctx>, a: VectorValue<'ctx>, b: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    ir.b.build_float_sub(a, b, "")
}

/// Bᵀ·d·B along one dimension: the 4 values of a window's row (or column)
/// to their 4 transformed ones.
fn input_1d<'ctx>(ir: &Ir<'ctx>, d: [VectorValue<'ctx>; 4]) -> Res<[VectorValue<'ctx>; 4]> {
    Ok([sub(ir, d[0], d[2])?, add(ir, d[1], d[2])?, sub(ir, d[2], d[1])?, sub(ir, d[1], d[3])?])
}

/// Aᵀ·m·A along one dimension: 4 products to 2 outputs.
fn output_1d<'ctx>(ir: &Ir<'ctx>, m: [VectorValue<'ctx>; 4]) -> Res<[VectorValue<'ctx>; 2]> {
    Ok([add(ir, add(ir, m[0], m[1])?, m[2])?, sub(ir, sub(ir, m[1], m[2])?, m[3])?])
}

/// The input transform's kernel. The padded input has `2·tiles + 2` rows
/// and columns. Channel-major, a work item is one row of tiles of one
/// input plane, and value ξ of tile t of channel c goes to `(ξ·C + c)·T +
/// t`; pixel-major (`lanes` dividing C), a work item is one row of tiles
/// of `lanes` channels, whose values are transposed on the stack so that
/// each tile's run of channels leaves as one vector, to `t·16·C + ξ·C +
/// c`. Tiles are numbered image by image, row by row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct InputSig {
    batch: usize,
    channels: usize,
    tiles: [usize; 2],
    pixel_major: bool,
    lanes: usize,
}

impl InputSig {
    fn padded(&self) -> [usize; 2] {
        self.tiles.map(|t| 2 * t + 2)
    }

    fn count(&self) -> usize {
        self.batch * self.tiles[0] * self.tiles[1]
    }

    /// Channels per work item.
    fn channel_block(&self) -> usize {
        if self.pixel_major {
            self.lanes
        } else {
            1
        }
    }

    pub fn items(&self) -> usize {
        self.batch * self.channels / self.channel_block() * self.tiles[0]
    }

    pub fn buffers(&self) -> Vec<(Elem, usize)> {
        let [hp, wp] = self.padded();
        let planes = self.batch * self.channels;
        vec![(Elem::F32, POSITIONS * self.channels * self.count()), (Elem::F32, planes * hp * wp)]
    }

    /// The 16 transformed values of the tiles `x0 / 2 ..` (`tiles` of them)
    /// of the window rows from element `rows` of the padded input, one
    /// vector of tiles per position ξ.
    fn transform<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        input: PointerValue<'ctx>,
        rows: IntValue<'ctx>,
        x0: IntValue<'ctx>,
        tiles: usize,
    ) -> Res<[VectorValue<'ctx>; POSITIONS]> {
        let (lanes, wp) = (self.lanes, self.padded()[1] as u64);
        // Columns 0..2·tiles + 2 of the window rows: even and odd columns
        // from x0 and from x0 + 2.
        let columns = 2 * tiles + 2;
        let mut d = Vec::with_capacity(4);
        for r in 0..4u64 {
            let row = ir.add(ir.add_mul(rows, ir.int(r), wp)?, x0)?;
            let load = |offset: usize| {
                let valid = columns.saturating_sub(offset).min(lanes) as u32;
                let base = ir.add(row, ir.int(offset as u64))?;
                ir.load_lanes(Elem::F32, input, &Lanes { base, stride: 1, valid }, lanes as u32)
            };
            let (a, b, shifted_a, shifted_b) = (load(0)?, load(lanes)?, load(2)?, load(2 + lanes)?);
            let even = |x, y| shuffle(ir, x, y, (0..lanes).map(|l| 2 * l));
            let odd = |x, y| shuffle(ir, x, y, (0..lanes).map(|l| 2 * l + 1));
            let shifted = [even(shifted_a, shifted_b)?, odd(shifted_a, shifted_b)?];
            d.push(input_1d(ir, [even(a, b)?, odd(a, b)?, shifted[0], shifted[1]])?);
        }
        let columns: [[VectorValue; 4]; 4] = std::array::from_fn(|j| std::array::from_fn(|i| d[i][j]));
        let mut values = [d[0][0]; POSITIONS];
        for (j, column) in columns.into_iter().enumerate() {
            for (i, value) in input_1d(ir, column)?.into_iter().enumerate() {
                values[4 * i + j] = value;
            }
        }
        Ok(values)
    }

    pub fn generate<'ctx>(&self, ir: &Ir<'ctx>, function: FunctionValue<'ctx>) -> Res<()> {
        let (table, _, _) = Ir::kernel_params(function);
        let (out, input) = (ir.buffer(table, 0)?, ir.buffer(table, 1)?);
        let [hp, wp] = self.padded().map(|d| d as u64);
        let [th, tw] = self.tiles;
        let (lanes, count) = (self.lanes, self.count() as u64);
        let block = self.channel_block();
        // Pixel-major: per position, `lanes` channels × `lanes` tiles.
        let staged = self.pixel_major.then(|| stack(ir, POSITIONS * lanes * lanes, "staged")).transpose()?;
        ir.for_each_item(function, |item| {
            let (row_of_tiles, cb) = ir.div_rem(item, (self.channels / block) as u64)?;
            let (image, ty) = ir.div_rem(row_of_tiles, th as u64)?;
            let c0 = ir.mul(cb, block as u64)?;
            let first_tile = ir.add_mul(ir.mul(image, (th * tw) as u64)?, ty, tw as u64)?;
            let rows_of = |c: IntValue<'ctx>| {
                let plane = ir.add_mul(c, image, self.channels as u64)?;
                ir.add_mul(ir.mul(plane, hp * wp)?, ty, 2 * wp)
            };
            ir.pieces(function, tw, lanes, |piece, tiles| {
                let x0 = ir.mul(piece, 2 * lanes as u64)?;
                let first = ir.add(first_tile, ir.mul(piece, lanes as u64)?)?;
                let Some(staged) = staged else {
                    let values = self.transform(ir, input, rows_of(c0)?, x0, tiles)?;
                    for (position, value) in values.into_iter().enumerate() {
                        let at = ir.add_mul(first, ir.add(ir.int((position * self.channels) as u64), c0)?, count)?;
                        ir.store_lanes(Elem::F32, out, &Lanes { base: at, stride: 1, valid: tiles as u32 }, value)?;
                    }
                    return Ok(());
                };
                ir.counted_loop(function, ir.int(0), ir.int(lanes as u64), 1, Vec::new(), |ch, _| {
                    let values = self.transform(ir, input, rows_of(ir.add(c0, ch)?)?, x0, tiles)?;
                    for (position, value) in values.into_iter().enumerate() {
                        let at = ir.add_mul(ir.int((position * lanes * lanes) as u64), ch, lanes as u64)?;
                        ir.store(Elem::F32, staged, at, value)?;
                    }
                    Ok(Vec::new())
                })?;
                ir.counted_loop(function, ir.int(0), ir.int(POSITIONS as u64), 1, Vec::new(), |position, _| {
                    let by_channel = (0..lanes)
                        .map(|ch| {
                            let at = ir.add_mul(ir.int((ch * lanes) as u64), position, (lanes * lanes) as u64)?;
                            Ok(ir
                                .load(ir.vec_type(Elem::F32, lanes as u32).into(), Elem::F32, staged, at)?
                                .into_vector_value())
                        })
                        .collect::<Res<Vec<_>>>()?;
                    let by_tile = transpose(ir, by_channel)?;
                    let channel = ir.add_mul(c0, position, self.channels as u64)?;
                    for (t, value) in by_tile.into_iter().take(tiles).enumerate() {
                        let tile = ir.add(first, ir.int(t as u64))?;
                        let at = ir.add_mul(channel, tile, (POSITIONS * self.channels) as u64)?;
                        ir.store(Elem::F32, out, at, value)?;
                    }
                    Ok(Vec::new())
                })?;
                Ok(())
            })
        })
    }
}

/// Transposes a square of vectors (as many as their lanes, a power of
/// two): log2(lanes) rounds, each interleaving the first half of the rows
/// with the second.
fn transpose<'ctx>(ir: &Ir<'ctx>, mut rows: Vec<VectorValue<'ctx>>) -> Res<Vec<VectorValue<'ctx>>> {
    let n = rows.len();
    for _ in 0..n.trailing_zeros() {
        let mut next = Vec::with_capacity(n);
        for i in 0..n / 2 {
            let (a, b) = (rows[i], rows[i + n / 2]);
            next.push(shuffle(ir, a, b, (0..n / 2).flat_map(|l| [l, n + l]))?);
            next.push(shuffle(ir, a, b, (n / 2..n).flat_map(|l| [l, n + l]))?);
        }
        rows = next;
    }
    Ok(rows)
}

/// The output transform's kernel. Work item: one row of tiles of one
/// output plane (image, channel), reading product ξ of tile t of channel k
/// at `(ξ·K + k)·T + t`; after the transform it adds the bias, applies the
/// stages and stores NCHW.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct OutputSig {
    batch: usize,
    channels: usize,
    tiles: [usize; 2],
    out_hw: [usize; 2],
    bias: bool,
    pub stages: Vec<Stage>,
    lanes: usize,
}

impl OutputSig {
    fn count(&self) -> usize {
        self.batch * self.tiles[0] * self.tiles[1]
    }

    fn output_len(&self) -> usize {
        self.batch * self.channels * self.out_hw[0] * self.out_hw[1]
    }

    pub fn items(&self) -> usize {
        self.batch * self.channels * self.tiles[0]
    }

    pub fn buffers(&self) -> Vec<(Elem, usize)> {
        let out_elem = stages::output_elem(&self.stages, Elem::F32);
        let mut buffers = vec![(out_elem, self.output_len()), (Elem::F32, POSITIONS * self.channels * self.count())];
        if self.bias {
            buffers.push((Elem::F32, self.channels));
        }
        buffers.extend(stages::buffers(&self.stages, self.output_len(), self.channels));
        buffers
    }

    pub fn generate<'ctx>(&self, ir: &Ir<'ctx>, function: FunctionValue<'ctx>) -> Res<()> {
        let (table, _, _) = Ir::kernel_params(function);
        let buffers = (0..self.buffers().len() as u64).map(|i| ir.buffer(table, i)).collect::<Res<Vec<_>>>()?;
        let [th, tw] = self.tiles;
        let [ho, wo] = self.out_hw;
        let (lanes, count) = (self.lanes, self.count() as u64);
        let width = lanes as u32;
        ir.for_each_item(function, |item| {
            let (rest, ty) = ir.div_rem(item, th as u64)?;
            let (image, k) = ir.div_rem(rest, self.channels as u64)?;
            let first_tile = ir.add_mul(ir.mul(image, (th * tw) as u64)?, ty, tw as u64)?;
            let plane = ir.mul(ir.add_mul(k, image, self.channels as u64)?, (ho * wo) as u64)?;
            let top_row = ir.add_mul(plane, ty, 2 * wo as u64)?;
            let bias = if self.bias {
                Some(ir.load_lanes(Elem::F32, buffers[2], &Lanes { base: k, stride: 0, valid: width }, width)?)
            } else {
                None
            };
            // A piece is 2·lanes output pixels (lanes tiles) of a row;
            // the last one, the rest of the row.
            ir.pieces(function, wo, 2 * lanes, |piece, pixels| {
                let tiles = pixels.div_ceil(2);
                let first = ir.add(first_tile, ir.mul(piece, lanes as u64)?)?;
                let m: Vec<VectorValue> = (0..POSITIONS)
                    .map(|position| {
                        let at = ir.add_mul(first, ir.int(count), (position * self.channels) as u64)?;
                        let at = ir.add_mul(at, k, count)?;
                        ir.load_lanes(Elem::F32, buffers[1], &Lanes { base: at, stride: 1, valid: tiles as u32 }, width)
                    })
                    .collect::<Res<_>>()?;
                let columns: Vec<[VectorValue; 2]> =
                    (0..4).map(|j| output_1d(ir, [m[j], m[4 + j], m[8 + j], m[12 + j]])).collect::<Res<_>>()?;
                let x0 = ir.mul(piece, 2 * lanes as u64)?;
                let rows: [[VectorValue; 4]; 2] = std::array::from_fn(|dy| std::array::from_fn(|j| columns[j][dy]));
                for (dy, values) in rows.into_iter().enumerate() {
                    let mut y = output_1d(ir, values)?;
                    if let Some(bias) = bias {
                        y = [add(ir, y[0], bias)?, add(ir, y[1], bias)?];
                    }
                    let row = ir.add(ir.add(top_row, ir.int((dy * wo) as u64))?, x0)?;
                    let store = || self.store_row(ir, &buffers, k, row, y, pixels);
                    if dy == 1 && ho % 2 == 1 {
                        // The last row of tiles has no second row.
                        let exists =
                            ir.b.build_int_compare(inkwell::IntPredicate::ULT, ty, ir.int(th as u64 - 1), "")?;
                        when(ir, function, exists, store)?;
                    } else {
                        store()?;
                    }
                }
                Ok(())
            })
        })
    }

    /// Interleaves a row's even (`y[0]`) and odd (`y[1]`) outputs into
    /// `pixels` consecutive ones from element `row`, applies the stages and
    /// stores them.
    fn store_row<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        buffers: &[PointerValue<'ctx>],
        k: IntValue<'ctx>,
        row: IntValue<'ctx>,
        y: [VectorValue<'ctx>; 2],
        pixels: usize,
    ) -> Res<()> {
        let lanes = self.lanes;
        let out_elem = stages::output_elem(&self.stages, Elem::F32);
        let first_stage_buffer = 2 + self.bias as usize;
        let channels = Lanes { base: k, stride: 0, valid: lanes as u32 };
        for half in 0..2 {
            let valid = pixels.saturating_sub(half * lanes).min(lanes);
            if valid == 0 {
                continue;
            }
            let start = half * lanes / 2;
            let v = shuffle(ir, y[0], y[1], (0..lanes).map(|l| start + l / 2 + (l % 2) * lanes))?;
            let elements = Lanes { base: ir.add(row, ir.int((half * lanes) as u64))?, stride: 1, valid: valid as u32 };
            let place = Place { channels: &channels, elements: &elements };
            let v = stages::emit(ir, &self.stages, &buffers[first_stage_buffer..], &place, v)?;
            ir.store_lanes(out_elem, buffers[0], &elements, v)?;
        }
        Ok(())
    }
}
