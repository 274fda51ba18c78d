//! conv2d and linear as one register-blocked micro-kernel. A tile of
//! output channels × output pixels of one row stays in registers while
//! `llvm.fma` accumulates over input channels and kernel taps, with weights
//! from a layout packed once at load time. Two tile shapes:
//! - channel vectors × pixels: weights loaded as vectors, each input value
//!   broadcast; works for any pixel stride (linear: batch rows as pixels).
//! - pixel vectors × channels: inputs loaded as vectors along a contiguous
//!   NCHW row, each weight broadcast; results leave as whole vector stores
//!   instead of one store per lane, which pays when the reduction is short
//!   (1×1 convs). A 1×1 conv runs over its whole plane as one row, each
//!   tile's input copied into a contiguous panel first. Over a small plane
//!   (7×7), where pixel vectors would leave lanes idle, it reads a
//!   pixel-major copy with channel-vector tiles instead, in K chunks.
//!
//! The epilogue adds the bias, applies the fused stages and stores.

use super::{
    aligned::Floats,
    host::Host,
    ir::{Elem, Ir, Lanes, Res},
    stages::{self, Place, Stage},
};
use inkwell::{
    builder::BuilderError,
    types::BasicTypeEnum,
    values::{BasicValueEnum, FunctionValue, IntValue, PointerValue, VectorValue},
    IntPredicate,
};

/// Everything a conv kernel is specialized to (its cache key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ConvSig {
    pub batch: usize,
    pub groups: usize,
    /// Input and output channels per group.
    pub cg: usize,
    pub og: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub out_hw: [usize; 2],
    /// Element strides of the input (padding already applied) and of the
    /// output: batch, channel, row, column.
    pub input_strides: [usize; 4],
    /// 1×1 convs over one flat row: each work item first copies its tile's
    /// pixels of every input channel into a panel on the stack, then runs a
    /// group of channel blocks from there (see [`ConvSig::generate_packed`]).
    pub pack_input: bool,
    /// A plane of short rows (7×7) runs as one work item per channel block,
    /// its pixels cut into tiles across row ends (see
    /// [`ConvSig::generate_plane`]).
    pub whole_plane: bool,
    pub output_strides: [usize; 4],
    pub bias: bool,
    pub stages: Vec<Stage>,
    /// Register blocking: f32 lanes, tile shape, and its channel (`mr`) and
    /// pixel (`nr`) counts: vectors or single values as the shape says.
    pub lanes: usize,
    pub tile: Tile,
    pub mr: usize,
    pub nr: usize,
}

/// The shape of a register tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Tile {
    /// `mr` vectors of channels × `nr` pixels.
    ChannelVectors,
    /// `mr` channels × `nr` vectors of consecutive pixels.
    PixelVectors,
}

/// Picks the register tile for `og` output channels per group and `rows`
/// rows of `wo` pixels (`contiguous`: stride 1 along rows of unit pixel
/// stride).
/// Accumulators fill the registers left after the loaded operands, a
/// broadcast and one spare (without it LLVM spills broadcasts across the
/// unrolled taps: 3.4 vs 2.8 ms for a 3×3 64→64 conv on AVX2).
pub(super) fn blocking(host: &Host, og: usize, [rows, wo]: [usize; 2], taps: usize, contiguous: bool) -> Blocking {
    let (lanes, registers) = (host.lanes as usize, host.registers as usize);
    let blocking = |tile, mr, nr, whole_plane| Blocking { lanes, tile, mr, nr, whole_plane };
    if contiguous && taps == 1 {
        let nr = wo.div_ceil(lanes).clamp(1, 2);
        let mr = ((registers - nr - 2) / nr).clamp(1, og);
        return blocking(Tile::PixelVectors, mr, nr, false);
    }
    let mr = og.div_ceil(lanes).clamp(1, 2);
    let nr = ((registers - mr - 3) / mr).clamp(1, wo.max(1));
    if !wo.is_multiple_of(nr) && wo <= registers - 4 {
        // Short rows the tile does not divide (7 pixels: 5 + 2): over
        // several rows, tiles run across row ends; a single row runs as one
        // tile of one channel vector, since a 2-pixel tile waits on FMA
        // latency (3×3 512→512 at 7×7: 3.2 instead of 3.6 ms).
        // (With one channel vector, tiles of up to 12 pixels wait on their
        // broadcasts instead: 3.4 against 3.1 ms for rows of 7.)
        // A plane is one work item per channel block: small ones only.
        if rows > 1 && mr > 1 && rows * wo <= 16 * nr {
            return blocking(Tile::ChannelVectors, mr, nr, true);
        }
        return blocking(Tile::ChannelVectors, 1, wo, false);
    }
    blocking(Tile::ChannelVectors, mr, nr, false)
}

/// The register blocking of a conv kernel: see [`ConvSig`]'s fields.
pub(super) struct Blocking {
    pub lanes: usize,
    pub tile: Tile,
    pub mr: usize,
    pub nr: usize,
    pub whole_plane: bool,
}

impl ConvSig {
    /// Output channels per weight block (one tile's channels).
    pub fn block(&self) -> usize {
        match self.tile {
            Tile::ChannelVectors => self.mr * self.lanes,
            Tile::PixelVectors => self.mr,
        }
    }

    /// Output pixels per full tile.
    pub fn tile_pixels(&self) -> usize {
        match self.tile {
            Tile::ChannelVectors => self.nr,
            Tile::PixelVectors => self.nr * self.lanes,
        }
    }

    /// Floating-point operations of one call: 2 per multiply-add.
    pub fn flops(&self) -> f64 {
        let outputs = self.batch * self.groups * self.og * self.out_hw[0] * self.out_hw[1];
        2.0 * outputs as f64 * (self.cg * self.taps()) as f64
    }

    /// Accumulator floats of one tile.
    fn tile_floats(&self) -> usize {
        self.mr * self.nr * self.lanes
    }

    pub fn blocks(&self) -> usize {
        self.og.div_ceil(self.block())
    }

    /// Output channels per group, padded to whole blocks.
    pub fn padded_og(&self) -> usize {
        self.blocks() * self.block()
    }

    /// Work items: per image and group, (output row, row chunk) × channel
    /// block. Consecutive items (one thread's share) share what their order
    /// keeps innermost: see [`ConvSig::blocks_inner`]. With a packed input:
    /// group of channel blocks × tile; over a whole plane: channel block.
    pub fn items(&self) -> usize {
        let per_image = if self.pack_input {
            self.block_groups().1 * self.out_hw[1].div_ceil(self.tile_pixels())
        } else if self.whole_plane {
            self.blocks()
        } else {
            self.out_hw[0] * self.chunks() * self.blocks()
        };
        self.batch * self.groups * per_image
    }

    /// With a packed input: channel blocks per work item and groups of them.
    /// A group's weights for one K chunk stay within about 256 KiB (L2), so
    /// consecutive items, one tile each, find them there; and a plane of few
    /// tiles still makes enough items to share out evenly (7×7: 4 tiles).
    fn block_groups(&self) -> (usize, usize) {
        const L2_WEIGHT_FLOATS: usize = 64 * 1024;
        const MIN_ITEMS: usize = 32;
        let blocks = self.blocks();
        let fitting = (L2_WEIGHT_FLOATS / (self.block() * self.k_chunks().0)).clamp(1, blocks);
        let tiles = self.out_hw[1].div_ceil(self.tile_pixels());
        let groups = blocks.div_ceil(fitting).max(MIN_ITEMS.div_ceil(tiles)).min(blocks);
        (blocks.div_ceil(groups), groups)
    }

    /// Whether a 1×1 conv's tile panel (every input channel's pixels of one
    /// tile) fits in a stack frame of at most 256 KiB.
    pub fn panel_fits(cg: usize, tile_pixels: usize) -> bool {
        cg * tile_pixels <= 64 * 1024
    }

    /// Whether channel blocks vary fastest across work items (consecutive
    /// items reuse one input chunk, all weights are read once per chunk) or
    /// row chunks do (each block's weights are reused, the input is read
    /// once per block): whichever reads fewer floats again, where an input
    /// that stays in L2 costs nothing to read again.
    fn blocks_inner(&self) -> bool {
        const L2_RESIDENT_FLOATS: usize = 64 * 1024;
        let weights = self.og * self.cg * self.taps();
        let [ho, wo] = self.out_hw;
        let input = self.cg * ho * self.stride[0] * wo * self.stride[1];
        input > L2_RESIDENT_FLOATS && weights * ho * self.chunks() <= input * self.blocks()
    }

    /// Output pixels per row chunk. As few chunks as keep each one's input
    /// (all input channels, kernel rows) within about 128 KiB, at least one
    /// tile wide; then evened out, in whole vectors where the last chunk
    /// stays nearly full: a ragged last chunk leaves one thread with less
    /// work (784 pixels as 256+256+256+16 ran 1.5× faster on 2 threads
    /// instead of 2×).
    fn chunk_pixels(&self) -> usize {
        const INPUT_FLOATS: usize = 32 * 1024;
        let wo = self.out_hw[1];
        let per_pixel = self.k_chunks().0 * self.kernel[0] * self.stride[1];
        let step = self.tile_pixels();
        let widest = ((INPUT_FLOATS / per_pixel / step).max(1) * step).min(wo);
        let chunks = wo.div_ceil(widest);
        let even = wo.div_ceil(chunks);
        let whole_vectors = even.next_multiple_of(self.lanes);
        let last = wo.saturating_sub((chunks - 1) * whole_vectors);
        if last + self.lanes >= whole_vectors {
            whole_vectors
        } else {
            even
        }
    }

    fn chunks(&self) -> usize {
        self.out_hw[1].div_ceil(self.chunk_pixels())
    }

    fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// One past the largest input index the kernel reads.
    pub fn input_len(&self) -> usize {
        let [sb, sc, sr, sp] = self.input_strides;
        let last_row = (self.out_hw[0] - 1) * self.stride[0] + (self.kernel[0] - 1) * self.dilation[0];
        let last_col = (self.out_hw[1] - 1) * self.stride[1] + (self.kernel[1] - 1) * self.dilation[1];
        (self.batch - 1) * sb + (self.groups * self.cg - 1) * sc + last_row * sr + last_col * sp + 1
    }

    /// One past the largest output index the kernel writes.
    pub fn output_len(&self) -> usize {
        let [sb, sc, sr, sp] = self.output_strides;
        (self.batch - 1) * sb
            + (self.groups * self.og - 1) * sc
            + (self.out_hw[0] - 1) * sr
            + (self.out_hw[1] - 1) * sp
            + 1
    }

    /// Element type and minimum length of each buffer, in kernel order.
    pub fn buffers(&self) -> Vec<(Elem, usize)> {
        let out_elem = stages::output_elem(&self.stages, Elem::F32);
        let channels = self.groups * self.padded_og();
        let mut buffers = vec![
            (out_elem, self.output_len()),
            (Elem::F32, self.input_len()),
            (Elem::F32, self.groups * self.blocks() * self.cg * self.taps() * self.block()),
        ];
        if self.bias {
            buffers.push((Elem::F32, channels));
        }
        buffers.extend(stages::buffers(&self.stages, self.output_len(), channels));
        buffers
    }

    /// Packs OIHW weights (`o` = groups·og rows of cg·kh·kw) into the
    /// kernel's layout: per group and block of output channels, per input
    /// channel and tap, one run of `block` channels (zero past og).
    pub fn pack_weights(&self, weights: &[f32]) -> Floats {
        let (block, taps) = (self.block(), self.taps());
        let mut packed = Floats::zeroed(self.groups * self.blocks() * self.cg * taps * block);
        for g in 0..self.groups {
            for j in 0..self.og {
                let (ob, lane) = (j / block, j % block);
                let row = &weights[(g * self.og + j) * self.cg * taps..][..self.cg * taps];
                let tile = (g * self.blocks() + ob) * self.cg * taps;
                for (k, &w) in row.iter().enumerate() {
                    packed[(tile + k) * block + lane] = w;
                }
            }
        }
        packed
    }

    /// Spreads per-output-channel values (`groups·og` of them) over the
    /// padded channel layout of bias and epilogue parameters.
    pub fn pad_channels(&self, values: &[f32]) -> Vec<f32> {
        let padded = self.padded_og();
        let mut out = vec![0.0; self.groups * padded];
        for (g, chunk) in values.chunks(self.og).enumerate().take(self.groups) {
            out[g * padded..][..chunk.len()].copy_from_slice(chunk);
        }
        out
    }

    /// Generates the kernel: one work item is one row chunk of one
    /// channel block, or with a packed input one tile of a group of blocks,
    /// or over a whole plane one channel block.
    pub fn generate<'ctx>(&self, ir: &Ir<'ctx>, function: FunctionValue<'ctx>) -> Res<()> {
        let (table, _, _) = Ir::kernel_params(function);
        let count = self.buffers().len() as u64;
        let buffers = (0..count).map(|i| ir.buffer(table, i)).collect::<Res<Vec<_>>>()?;
        if self.pack_input {
            return self.generate_packed(ir, function, &buffers);
        }
        if self.whole_plane {
            return self.generate_plane(ir, function, &buffers);
        }
        let (wo, chunk, chunks, blocks) = (self.out_hw[1], self.chunk_pixels(), self.chunks(), self.blocks());
        // Accumulators between K chunks: one tile's worth per tile of a row chunk.
        let sums = (self.k_chunks().1 > 1)
            .then(|| stack(ir, chunk.div_ceil(self.tile_pixels()) * self.tile_floats(), "sums"))
            .transpose()?;
        ir.for_each_item(function, |item| {
            let ho = self.out_hw[0] as u64;
            let (rest, ob, oy, k) = if self.blocks_inner() {
                let (rest, ob) = ir.div_rem(item, blocks as u64)?;
                let (rest, k) = ir.div_rem(rest, chunks as u64)?;
                let (rest, oy) = ir.div_rem(rest, ho)?;
                (rest, ob, oy, k)
            } else {
                let (rest, k) = ir.div_rem(item, chunks as u64)?;
                let (rest, oy) = ir.div_rem(rest, ho)?;
                let (rest, ob) = ir.div_rem(rest, blocks as u64)?;
                (rest, ob, oy, k)
            };
            let (n, g) = ir.div_rem(rest, self.groups as u64)?;
            let [isb, isc, isr, _] = self.input_strides.map(|s| s as u64);
            let input = ir.add_mul(ir.mul(n, isb)?, g, self.cg as u64 * isc)?;
            let input = ir.add_mul(input, oy, self.stride[0] as u64 * isr)?;
            let row = self.block_row(ir, &buffers, n, g, ob, oy)?;
            let first = ir.mul(k, chunk as u64)?;
            // The last channel block stores only its real channels, the
            // last chunk covers only the rest of the row: each gets its own
            // code, so that every loop keeps constant bounds.
            let pixel_tail = wo - (chunks - 1) * chunk;
            let last_chunk = (pixel_tail != chunk).then_some((k, chunks));
            self.specialize_block(ir, function, ob, |valid| {
                specialize(ir, function, last_chunk, |partial_chunk| {
                    let pixels = if partial_chunk { pixel_tail } else { chunk };
                    self.row(ir, function, &row, input, sums, first, pixels, valid)
                })
            })
        })
    }

    /// The kernel of a 1×1 conv over a packed input. A tile's input is one
    /// pixel vector per channel from planes often a multiple of 4 KiB apart,
    /// which share a few L1 sets and evict each other; so each work item
    /// copies them into a contiguous panel on the stack, one K chunk at a
    /// time, and all channel blocks of its group read that. (A whole packed
    /// copy staged in memory beforehand costs a write and a second read of
    /// the input: 0.6 ms for 256 channels of 56×56, half the conv's time.)
    fn generate_packed<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        buffers: &[PointerValue<'ctx>],
    ) -> Res<()> {
        let (w, pixels) = (self.tile_pixels(), self.out_hw[1]);
        let tiles = pixels.div_ceil(w);
        let (per_group, groups) = self.block_groups();
        let (chunk, chunks) = self.k_chunks();
        let panel = stack(ir, chunk * w, "panel")?;
        // Accumulators between K chunks: one tile's worth per block of the group.
        let tile_floats = self.tile_floats();
        let sums = (chunks > 1).then(|| stack(ir, per_group * tile_floats, "sums")).transpose()?;
        let source = Source {
            buffer: panel,
            base: ir.int(0),
            channels: chunk,
            channel: w as u64,
            pixels: Pixels::Step(1),
            whole_vectors: true,
        };
        ir.for_each_item(function, |item| {
            let (rest, t) = ir.div_rem(item, tiles as u64)?;
            let (rest, bg) = ir.div_rem(rest, groups as u64)?;
            let (n, g) = ir.div_rem(rest, self.groups as u64)?;
            let [isb, isc, _, _] = self.input_strides.map(|s| s as u64);
            let ox = ir.mul(t, w as u64)?;
            let input = ir.add(ir.add_mul(ir.mul(n, isb)?, g, self.cg as u64 * isc)?, ox)?;
            let tail = pixels - (tiles - 1) * w;
            specialize(ir, function, (tail != w).then_some((t, tiles)), |partial| {
                let pixels = if partial { tail } else { w };
                let first = ir.mul(bg, per_group as u64)?;
                let end = ir.add(first, ir.int(per_group as u64))?;
                let past = ir.b.build_int_compare(IntPredicate::UGT, end, ir.int(self.blocks() as u64), "")?;
                let end = ir.b.build_select(past, ir.int(self.blocks() as u64), end, "")?.into_int_value();
                ir.counted_loop(function, ir.int(0), ir.int(chunks as u64), 1, Vec::new(), |k, _| {
                    self.pack_panel(
                        ir,
                        function,
                        buffers[1],
                        ir.add_mul(input, k, chunk as u64 * isc)?,
                        panel,
                        pixels,
                    )?;
                    let chunk_sums = sums.map(|buffer| Sums::of_chunk(ir, buffer, k, chunks)).transpose()?;
                    ir.counted_loop(function, first, end, 1, Vec::new(), |ob, _| {
                        let mut row = self.block_row(ir, buffers, n, g, ob, ir.int(0))?;
                        row.weights = ir.add_mul(row.weights, k, (chunk * self.block()) as u64)?;
                        let sums = chunk_sums
                            .map(|sums| {
                                let at = ir.mul(ir.b.build_int_sub(ob, first, "")?, tile_floats as u64)?;
                                Ok::<_, BuilderError>(Sums { at, ..sums })
                            })
                            .transpose()?;
                        self.specialize_block(ir, function, ob, |valid| {
                            self.tile(ir, function, &row, &source, sums.as_ref(), ox, pixels, valid)
                        })?;
                        Ok(Vec::new())
                    })?;
                    Ok(Vec::new())
                })?;
                Ok(())
            })
        })
    }

    /// The kernel of a conv over a plane of short rows. Rows of 7 pixels
    /// cut into full tiles of 5 leave a 2-pixel tile that waits on the FMA
    /// latency, and a row as one tile of one channel vector waits on its
    /// loads (a broadcast per FMA); the plane's 49 pixels run as 9 tiles of
    /// 5 across row ends and one of 4 instead (3×3 512→512 at 7×7: 2.75
    /// instead of 3.02 ms).
    fn generate_plane<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        buffers: &[PointerValue<'ctx>],
    ) -> Res<()> {
        let [ho, wo] = self.out_hw;
        let [isb, isc, isr, isp] = self.input_strides.map(|s| s as u64);
        let [_, _, osr, osp] = self.output_strides.map(|s| s as u64);
        ir.for_each_item(function, |item| {
            let (rest, ob) = ir.div_rem(item, self.blocks() as u64)?;
            let (n, g) = ir.div_rem(rest, self.groups as u64)?;
            let input = ir.add_mul(ir.mul(n, isb)?, g, self.cg as u64 * isc)?;
            let row = self.block_row(ir, buffers, n, g, ob, ir.int(0))?;
            // Tile `t` of `count` pixels: each pixel's offsets worked out
            // once per tile, outside the reduction.
            let tile = |t: IntValue<'ctx>, count: usize, valid: usize| {
                let first = ir.mul(t, self.nr as u64)?;
                let offsets = (0..count)
                    .map(|p| {
                        let (y, x) = ir.div_rem(ir.add(first, ir.int(p as u64))?, wo as u64)?;
                        let at = ir.add_mul(ir.mul(y, self.stride[0] as u64 * isr)?, x, self.stride[1] as u64 * isp)?;
                        Ok((at, ir.add_mul(ir.mul(y, osr)?, x, osp)?))
                    })
                    .collect::<Res<Vec<_>>>()?;
                let source = Source {
                    buffer: buffers[1],
                    base: input,
                    channels: self.cg,
                    channel: isc,
                    pixels: Pixels::At(offsets),
                    whole_vectors: false,
                };
                self.tile(ir, function, &row, &source, None, ir.int(0), count, valid)
            };
            self.specialize_block(ir, function, ob, |valid| {
                ir.pieces(function, ho * wo, self.nr, |t, count| tile(t, count, valid))
            })
        })
    }

    /// Input channels per K chunk of a packed input and their count: the
    /// panel of one chunk stays within 16 KiB (half of L1), so that every
    /// channel block of the group reads it from there. Chunks divide the
    /// channels evenly (constant loop bounds); without a divisor of at
    /// least a quarter of that size the channels stay one chunk.
    ///
    /// A 1×1 conv over a pixel-major input (each pixel's channels
    /// contiguous; so is a linear's, its batch rows the pixels) chunks its
    /// reduction too when an item has more than one tile: each chunk's
    /// block weights (16 KiB) then stay in L1 while every tile of the item
    /// runs over them, instead of all of them streaming from L2 per tile.
    fn k_chunks(&self) -> (usize, usize) {
        let most = if self.pack_input {
            4 * 1024 / self.tile_pixels()
        } else if self.input_strides[1] == 1 && self.taps() == 1 && self.out_hw[1] > self.tile_pixels() {
            CHUNK_WEIGHT_FLOATS / self.block()
        } else {
            self.cg
        }
        .max(1);
        if self.cg <= most {
            return (self.cg, 1);
        }
        match (most / 4..=most).rev().find(|d| self.cg.is_multiple_of(*d)) {
            Some(chunk) => (chunk, self.cg / chunk),
            None => (self.cg, 1),
        }
    }

    /// Copies `pixels` pixels from `input` of one K chunk's input channels
    /// into `panel`: per channel one tile's run of vectors, zero past `pixels`.
    fn pack_panel<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        input_buf: PointerValue<'ctx>,
        input: IntValue<'ctx>,
        panel: PointerValue<'ctx>,
        pixels: usize,
    ) -> Res<()> {
        let (lanes, w) = (self.lanes, self.tile_pixels());
        let isc = self.input_strides[1] as u64;
        let channels = self.k_chunks().0;
        ir.counted_loop(function, ir.int(0), ir.int(channels as u64), 1, Vec::new(), |c, _| {
            let from = ir.add_mul(input, c, isc)?;
            let to = ir.mul(c, w as u64)?;
            for p in 0..self.nr {
                let valid = pixels.saturating_sub(p * lanes).min(lanes) as u32;
                let at = Lanes { base: ir.add(from, ir.int((p * lanes) as u64))?, stride: 1, valid };
                let v = if valid == 0 {
                    ir.vec_type(Elem::F32, lanes as u32).const_zero()
                } else {
                    ir.load_lanes(Elem::F32, input_buf, &at, lanes as u32)?
                };
                ir.store(Elem::F32, panel, ir.add(to, ir.int((p * lanes) as u64))?, v)?;
            }
            Ok(Vec::new())
        })?;
        Ok(())
    }

    /// The weights, parameters and output offsets of channel block `ob` of
    /// group `g` of image `n`, at output row `oy`.
    fn block_row<'b, 'ctx>(
        &self,
        ir: &Ir<'ctx>,
        buffers: &'b [PointerValue<'ctx>],
        n: IntValue<'ctx>,
        g: IntValue<'ctx>,
        ob: IntValue<'ctx>,
        oy: IntValue<'ctx>,
    ) -> Res<Row<'b, 'ctx>> {
        let [osb, osc, osr, _] = self.output_strides.map(|s| s as u64);
        let blocks = self.blocks() as u64;
        let weights = ir.mul(ir.add_mul(ob, g, blocks)?, (self.cg * self.taps() * self.block()) as u64)?;
        let first_channel = ir.mul(ob, self.block() as u64)?;
        let params = ir.add_mul(first_channel, g, self.padded_og() as u64)?;
        let channel = ir.add_mul(first_channel, g, self.og as u64)?;
        let output = ir.add_mul(ir.add_mul(ir.mul(n, osb)?, oy, osr)?, channel, osc)?;
        Ok(Row { buffers, weights, params, output, first_channel })
    }

    /// Emits `body(valid channels)` for block `ob`: the last block, when
    /// the channels do not fill it, gets its own code. Pixel-vector tiles
    /// instead test at each store whether the channel exists (a channel
    /// per accumulator row): a second copy of the tile doubled the code of
    /// most 1×1 kernels.
    fn specialize_block<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        ob: IntValue<'ctx>,
        mut body: impl FnMut(usize) -> Res<()>,
    ) -> Res<()> {
        let channel_tail = self.og % self.block();
        if self.tile == Tile::PixelVectors {
            return body(self.block());
        }
        let last_block = (channel_tail != 0).then_some((ob, self.blocks()));
        specialize(ir, function, last_block, |partial| body(if partial { channel_tail } else { self.block() }))
    }

    /// The tiles of `pixels` output pixels of a row from column `first`,
    /// reading the input row from element `input`; `valid` channels of the
    /// block are real. With `sums` (room for every tile's accumulators),
    /// the reduction runs in K chunks, each over all the tiles.
    #[allow(clippy::too_many_arguments)]
    fn row<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        row: &Row<'_, 'ctx>,
        input: IntValue<'ctx>,
        sums: Option<PointerValue<'ctx>>,
        first: IntValue<'ctx>,
        pixels: usize,
        valid: usize,
    ) -> Res<()> {
        let step = self.tile_pixels();
        let [_, isc, _, isp] = self.input_strides.map(|s| s as u64);
        let pixel = self.stride[1] as u64 * isp;
        let (chunk, chunks) = self.k_chunks();
        // K chunk `k` of every tile, carried over in `chunk_sums` (with sums).
        let chunk_of_tiles = |k: IntValue<'ctx>, chunk_sums: Option<Sums<'ctx>>| {
            let weights = ir.add_mul(row.weights, k, (chunk * self.taps() * self.block()) as u64)?;
            let row = Row { weights, ..*row };
            let input = ir.add_mul(input, k, chunk as u64 * isc)?;
            ir.pieces(function, pixels, step, |t, count| {
                let ox = ir.add_mul(first, t, step as u64)?;
                let source = Source {
                    buffer: row.buffers[1],
                    base: ir.add_mul(input, ox, pixel)?,
                    channels: chunk,
                    channel: isc,
                    pixels: Pixels::Step(pixel),
                    whole_vectors: false,
                };
                let sums = chunk_sums
                    .map(|sums| Ok::<_, BuilderError>(Sums { at: ir.mul(t, self.tile_floats() as u64)?, ..sums }))
                    .transpose()?;
                self.tile(ir, function, &row, &source, sums.as_ref(), ox, count, valid)
            })
        };
        let Some(buffer) = sums else { return chunk_of_tiles(ir.int(0), None) };
        ir.counted_loop(function, ir.int(0), ir.int(chunks as u64), 1, Vec::new(), |k, _| {
            chunk_of_tiles(k, Some(Sums::of_chunk(ir, buffer, k, chunks)?))?;
            Ok(Vec::new())
        })?;
        Ok(())
    }

    /// One register tile of `pixels` output pixels from column `ox`, its
    /// input read from `source`; with `sums`, one K chunk of the reduction.
    #[allow(clippy::too_many_arguments)]
    fn tile<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        row: &Row<'_, 'ctx>,
        source: &Source<'ctx>,
        sums: Option<&Sums<'ctx>>,
        ox: IntValue<'ctx>,
        pixels: usize,
        valid: usize,
    ) -> Res<()> {
        let lanes = self.lanes as u32;
        let vec_ty = ir.vec_type(Elem::F32, lanes);
        let [_, _, isr, isp] = self.input_strides.map(|s| s as u64);
        let [_, osc, _, osp] = self.output_strides.map(|s| s as u64);
        let (input_buf, weight_buf) = (source.buffer, row.buffers[2]);
        let output = ir.add_mul(row.output, ox, osp)?;
        let (taps, block) = (self.taps() as u64, self.block() as u64);
        // Where accumulator (m, p) sits: its channels' parameters and its
        // output elements. ChannelVectors: m is a channel vector and p a
        // pixel; PixelVectors: m is a channel and p a pixel vector.
        let (channels_per_m, pixels_per_p, p_count) = match self.tile {
            Tile::ChannelVectors => (self.lanes, 1, pixels),
            Tile::PixelVectors => (1, self.lanes, pixels.div_ceil(self.lanes)),
        };
        let lanes_of_p = |p: usize| (pixels - p * pixels_per_p).min(self.lanes) as u32;
        // The per-channel parameters (bias, epilogue) of accumulator row m:
        // a vector of channels, or one channel broadcast.
        let channel_stride = match self.tile {
            Tile::ChannelVectors => 1,
            Tile::PixelVectors => 0,
        };
        let channels_of = |m: usize| -> Res<Lanes<'ctx>> {
            let base = ir.add(row.params, ir.int((m * channels_per_m) as u64))?;
            Ok(Lanes { base, stride: channel_stride, valid: lanes })
        };
        let places = (0..self.mr)
            .flat_map(|m| (0..p_count).map(move |p| (m, p)))
            .filter(|&(m, _)| m * channels_per_m < valid)
            .map(|(m, p)| {
                let channel = (m * channels_per_m) as u64;
                let channels = channels_of(m)?;
                let base = ir.add(output, ir.int(channel * osc))?;
                let base = ir.add(base, source.pixels.output(ir, p * pixels_per_p, osp))?;
                let elements = match self.tile {
                    Tile::ChannelVectors => {
                        let real = (valid - m * channels_per_m).min(self.lanes) as u32;
                        Lanes { base, stride: osc, valid: real }
                    }
                    Tile::PixelVectors => Lanes { base, stride: osp, valid: lanes_of_p(p) },
                };
                // Channel m may be missing from the last block: tested at the store.
                let tested = self.tile == Tile::PixelVectors
                    && m >= self.og % self.block()
                    && !self.og.is_multiple_of(self.block());
                Ok(Output { acc: m * p_count + p, channels, elements, channel: tested.then_some(m) })
            })
            .collect::<Res<Vec<_>>>()?;
        let init: Vec<BasicValueEnum> = (0..self.mr)
            .map(|m| {
                let start: BasicValueEnum = if self.bias {
                    ir.load_lanes(Elem::F32, row.buffers[3], &channels_of(m)?, lanes)?.into()
                } else {
                    vec_ty.const_zero().into()
                };
                Ok(std::iter::repeat_n(start, p_count))
            })
            .collect::<Res<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        // A later K chunk starts from the sums the earlier ones left.
        let init = match sums {
            None => init,
            Some(sums) => init
                .into_iter()
                .enumerate()
                .map(|(i, start)| {
                    let kept = ir.load(vec_ty.into(), Elem::F32, sums.buffer, sums.slot(ir, i, lanes)?)?;
                    ir.b.build_select(sums.first, start, kept, "")
                })
                .collect::<Res<Vec<_>>>()?,
        };
        let channels = ir.int(source.channels as u64);
        let accs = ir.counted_loop(function, ir.int(0), channels, 1, init, |c, accs| {
            let mut accs: Vec<VectorValue> = accs.into_iter().map(|a| a.into_vector_value()).collect();
            let input = ir.add_mul(source.base, c, source.channel)?;
            let weights = ir.add_mul(row.weights, c, taps * block)?;
            // The weights a chunk ahead: read from memory once per run in
            // large layers. Packed: the next channel block's (a block ahead
            // is time enough); in K chunks: the next chunk's, in order.
            let ahead = if self.pack_input {
                Some(self.cg)
            } else {
                let (chunk, chunks) = self.k_chunks();
                (chunks > 1).then_some(chunk)
            };
            if let Some(channels) = ahead {
                let next = ir.add(weights, ir.int(channels as u64 * taps * block))?;
                ir.prefetch(Elem::F32, weight_buf, next, false)?;
            }
            // One kernel row, its columns unrolled: `input` and `weights`
            // start its first tap.
            let kernel_row = |input: IntValue<'ctx>, weights: IntValue<'ctx>, mut accs: Vec<VectorValue<'ctx>>| {
                for kx in 0..self.kernel[1] {
                    let offset = (kx * self.dilation[1]) as u64 * isp;
                    let weight = |m: usize, ty: BasicTypeEnum<'ctx>| {
                        let at = ir.add(weights, ir.int(kx as u64 * block + (m * channels_per_m) as u64))?;
                        ir.load(ty, Elem::F32, weight_buf, at)
                    };
                    let pixel = |p: usize| {
                        let at = ir.add(ir.add(input, ir.int(offset))?, source.pixels.input(ir, p * pixels_per_p))?;
                        Ok::<_, BuilderError>(at)
                    };
                    match self.tile {
                        Tile::ChannelVectors => {
                            let w = (0..self.mr)
                                .map(|m| Ok(weight(m, vec_ty.into())?.into_vector_value()))
                                .collect::<Res<Vec<_>>>()?;
                            for p in 0..p_count {
                                let x = ir.load(ir.f32.into(), Elem::F32, input_buf, pixel(p)?)?;
                                let x = ir.splat(x, lanes)?;
                                for (m, w) in w.iter().enumerate() {
                                    accs[m * p_count + p] = ir.fma(*w, x, accs[m * p_count + p])?;
                                }
                            }
                        }
                        Tile::PixelVectors => {
                            let x = (0..p_count)
                                .map(|p| {
                                    let valid = if source.whole_vectors { lanes } else { lanes_of_p(p) };
                                    let at = Lanes { base: pixel(p)?, stride: 1, valid };
                                    ir.load_lanes(Elem::F32, input_buf, &at, lanes)
                                })
                                .collect::<Res<Vec<_>>>()?;
                            for m in 0..self.mr {
                                let w = ir.splat(weight(m, ir.f32.into())?, lanes)?;
                                for (p, x) in x.iter().enumerate() {
                                    accs[m * p_count + p] = ir.fma(*x, w, accs[m * p_count + p])?;
                                }
                            }
                        }
                    }
                }
                Ok::<_, BuilderError>(accs)
            };
            let (row_input, row_weights) = ((self.dilation[0] as u64) * isr, self.kernel[1] as u64 * block);
            if self.taps() <= UNROLLED_TAPS {
                for ky in 0..self.kernel[0] as u64 {
                    accs = kernel_row(
                        ir.add_mul(input, ir.int(ky), row_input)?,
                        ir.add_mul(weights, ir.int(ky), row_weights)?,
                        accs,
                    )?;
                }
            } else {
                let carried = accs.into_iter().map(Into::into).collect();
                let rows =
                    ir.counted_loop(function, ir.int(0), ir.int(self.kernel[0] as u64), 1, carried, |ky, accs| {
                        let accs = accs.into_iter().map(|a| a.into_vector_value()).collect();
                        let accs =
                            kernel_row(ir.add_mul(input, ky, row_input)?, ir.add_mul(weights, ky, row_weights)?, accs)?;
                        Ok(accs.into_iter().map(Into::into).collect())
                    })?;
                accs = rows.into_iter().map(|a| a.into_vector_value()).collect();
            }
            Ok(accs.into_iter().map(Into::into).collect())
        })?;
        let Some(sums) = sums else { return self.epilogue(ir, function, row, &places, &accs) };
        branch(ir, function, sums.last, |last| {
            if last {
                return self.epilogue(ir, function, row, &places, &accs);
            }
            for (i, acc) in accs.iter().enumerate() {
                ir.store(Elem::F32, sums.buffer, sums.slot(ir, i, lanes)?, *acc)?;
            }
            Ok(())
        })
    }

    /// Bias is in the accumulators already: applies the fused stages and
    /// stores each accumulator at its place.
    fn epilogue<'ctx>(
        &self,
        ir: &Ir<'ctx>,
        function: FunctionValue<'ctx>,
        row: &Row<'_, 'ctx>,
        places: &[Output<'ctx>],
        accs: &[BasicValueEnum<'ctx>],
    ) -> Res<()> {
        let out_elem = stages::output_elem(&self.stages, Elem::F32);
        let first_stage_buffer = 3 + self.bias as usize;
        // The residual of the next tile along each row: a packed 1×1 conv
        // reads it from hundreds of planes at once, more streams than the
        // hardware prefetcher follows.
        let residual = self.stages.iter().position(|s| *s == Stage::Residual).map(|i| {
            let before: usize = self.stages[..i].iter().map(|s| s.buffers()).sum();
            row.buffers[first_stage_buffer + before]
        });
        for Output { acc, channels, elements, channel } in places {
            let store = || {
                if self.pack_input {
                    let next = ir.add(elements.base, ir.int(self.tile_pixels() as u64))?;
                    if let Some(buffer) = residual {
                        ir.prefetch(Elem::F32, buffer, next, false)?;
                    }
                    ir.prefetch(out_elem, row.buffers[0], next, true)?;
                }
                let place = Place { channels, elements };
                let acc = accs[*acc].into_vector_value();
                let y = stages::emit(ir, &self.stages, &row.buffers[first_stage_buffer..], &place, acc)?;
                ir.store_lanes(out_elem, row.buffers[0], elements, y)
            };
            match channel {
                None => store()?,
                Some(m) => {
                    let channel = ir.add(row.first_channel, ir.int(*m as u64))?;
                    let exists = ir.b.build_int_compare(IntPredicate::ULT, channel, ir.int(self.og as u64), "")?;
                    when(ir, function, exists, store)?;
                }
            }
        }
        Ok(())
    }
}

/// Windows of at most this many taps run unrolled in the reduction loop;
/// larger ones loop over their kernel rows, columns unrolled (the 7×7
/// stem unrolled took 0.4 s of LLVM's time, a fifth of ResNet-50's).
const UNROLLED_TAPS: usize = 9;

/// A block's weights for one K chunk of a pixel-major 1×1 conv: 16 KiB,
/// half of L1, the other half for the tiles' input.
const CHUNK_WEIGHT_FLOATS: usize = 4 * 1024;

/// An array of `floats` f32 on the stack, aligned to a cache line.
pub(super) fn stack<'ctx>(ir: &Ir<'ctx>, floats: usize, name: &str) -> Res<PointerValue<'ctx>> {
    let array = ir.b.build_array_alloca(ir.f32, ir.int(floats as u64), name)?;
    let alignment = array.as_instruction().map(|i| i.set_alignment(64));
    alignment.transpose().map_err(|_| BuilderError::UnsetPosition)?;
    Ok(array)
}

/// Emits `body(true)` for the work items where `last = (index, count)` has
/// `index == count - 1` and `body(false)` for the others; only `body(false)`
/// without `last`.
fn specialize<'ctx>(
    ir: &Ir<'ctx>,
    function: FunctionValue<'ctx>,
    last: Option<(IntValue<'ctx>, usize)>,
    mut body: impl FnMut(bool) -> Res<()>,
) -> Res<()> {
    let Some((index, count)) = last else { return body(false) };
    let is_last = ir.b.build_int_compare(IntPredicate::EQ, index, ir.int(count as u64 - 1), "")?;
    branch(ir, function, is_last, body)
}

/// Emits `body(true)` where `condition` holds and `body(false)` where not.
fn branch<'ctx>(
    ir: &Ir<'ctx>,
    function: FunctionValue<'ctx>,
    condition: IntValue<'ctx>,
    mut body: impl FnMut(bool) -> Res<()>,
) -> Res<()> {
    let (other, final_one, done) = (
        ir.ctx.append_basic_block(function, "other"),
        ir.ctx.append_basic_block(function, "last"),
        ir.ctx.append_basic_block(function, "done"),
    );
    ir.b.build_conditional_branch(condition, final_one, other)?;
    for (block, partial) in [(other, false), (final_one, true)] {
        ir.b.position_at_end(block);
        body(partial)?;
        ir.b.build_unconditional_branch(done)?;
    }
    ir.b.position_at_end(done);
    Ok(())
}

/// Emits `body` where `condition` holds.
pub(super) fn when<'ctx>(
    ir: &Ir<'ctx>,
    function: FunctionValue<'ctx>,
    condition: IntValue<'ctx>,
    body: impl FnOnce() -> Res<()>,
) -> Res<()> {
    let (then, done) = (ir.ctx.append_basic_block(function, "then"), ir.ctx.append_basic_block(function, "done"));
    ir.b.build_conditional_branch(condition, then, done)?;
    ir.b.position_at_end(then);
    body()?;
    ir.b.build_unconditional_branch(done)?;
    ir.b.position_at_end(done);
    Ok(())
}

/// Per work item: the buffer pointers and the offsets of its channel
/// block's weights, parameters and output row.
struct Row<'b, 'ctx> {
    buffers: &'b [PointerValue<'ctx>],
    weights: IntValue<'ctx>,
    /// Index of the block's first channel in the padded parameter layout.
    params: IntValue<'ctx>,
    /// Output index of the block's first channel at column 0.
    output: IntValue<'ctx>,
    /// The block's first channel within its group.
    first_channel: IntValue<'ctx>,
}

/// Where accumulator `acc` goes: its channels' parameters, its output
/// elements, and, for a channel `m` of the block that may not exist (in
/// the last block), that `m`.
struct Output<'ctx> {
    acc: usize,
    channels: Lanes<'ctx>,
    elements: Lanes<'ctx>,
    channel: Option<usize>,
}

/// Where a tile reads its input: element `base` of `buffer` holds its first
/// pixel of channel 0, channels `channel` elements apart.
struct Source<'ctx> {
    buffer: PointerValue<'ctx>,
    base: IntValue<'ctx>,
    /// Input channels the tile reduces over.
    channels: usize,
    channel: u64,
    pixels: Pixels<'ctx>,
    /// Whole vectors can be loaded past the tile's last pixel (a panel,
    /// zero there), without a mask.
    whole_vectors: bool,
}

/// A tile's accumulators kept between the K chunks of its reduction:
/// from element `at` of `buffer`, one vector per accumulator. `first`
/// and `last` say whether the chunk is the first or last.
#[derive(Clone, Copy)]
struct Sums<'ctx> {
    buffer: PointerValue<'ctx>,
    at: IntValue<'ctx>,
    first: IntValue<'ctx>,
    last: IntValue<'ctx>,
}

impl<'ctx> Sums<'ctx> {
    /// The sums in `buffer` of K chunk `k` of `chunks`, from element 0
    /// (each tile sets its own `at`): whether the chunk is the first and
    /// the last is worked out once per chunk, not per tile.
    fn of_chunk(ir: &Ir<'ctx>, buffer: PointerValue<'ctx>, k: IntValue<'ctx>, chunks: usize) -> Res<Self> {
        let first = ir.b.build_int_compare(IntPredicate::EQ, k, ir.int(0), "")?;
        let last = ir.b.build_int_compare(IntPredicate::EQ, k, ir.int(chunks as u64 - 1), "")?;
        Ok(Sums { buffer, at: ir.int(0), first, last })
    }

    fn slot(&self, ir: &Ir<'ctx>, accumulator: usize, lanes: u32) -> Res<IntValue<'ctx>> {
        ir.add(self.at, ir.int((accumulator * lanes as usize) as u64))
    }
}

/// Where pixel `p` of a tile is, relative to its first: along a row,
/// `Step` elements apart in the input (and the output's pixel stride
/// apart), or at its own (input, output) offsets.
enum Pixels<'ctx> {
    Step(u64),
    At(Vec<(IntValue<'ctx>, IntValue<'ctx>)>),
}

impl<'ctx> Pixels<'ctx> {
    fn input(&self, ir: &Ir<'ctx>, p: usize) -> IntValue<'ctx> {
        match self {
            Pixels::Step(step) => ir.int(p as u64 * step),
            Pixels::At(offsets) => offsets[p].0,
        }
    }

    fn output(&self, ir: &Ir<'ctx>, p: usize, pixel_stride: u64) -> IntValue<'ctx> {
        match self {
            Pixels::Step(_) => ir.int(p as u64 * pixel_stride),
            Pixels::At(offsets) => offsets[p].1,
        }
    }
}
