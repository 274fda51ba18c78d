//! The copy of an NCHW input a conv kernel reads instead of the input:
//! zero padded, only every stride-th pixel for a strided 1×1 conv, or
//! pixel-major for a 1×1 conv over a small plane.

use super::{aligned::Floats, workers::Workers};
use std::sync::Mutex;

pub(super) struct Staging {
    /// Input planes: channels of all images, and their height and width.
    hw: [usize; 2],
    layout: Layout,
    /// The staged buffer, kept between runs: a fresh one would cost page
    /// faults and zeroing on every run, and a padded border stays zero.
    scratch: Mutex<Floats>,
}

enum Layout {
    /// Each plane inside a zero border: `top` rows and `left` columns
    /// before it, `padded` the plane with its border.
    Padded { top: usize, left: usize, padded: [usize; 2] },
    /// Rows and columns `0, stride, 2·stride, …`, `out` of them: a strided
    /// 1×1 conv then runs as an unstrided one over a dense input.
    Subsample { stride: [usize; 2], out: [usize; 2] },
    /// Each image's pixels `0, stride, 2·stride, …` (`out` of them per
    /// dimension) one after the other, each with all its channels side by
    /// side (NHWC).
    PixelMajor { stride: [usize; 2], out: [usize; 2], channels: usize },
}

impl Staging {
    /// `x` padded by `top`/`left` (and the rest of `padded_hw`).
    pub fn padding(hw: [usize; 2], top: usize, left: usize, padded_hw: [usize; 2]) -> Self {
        Self::new(hw, Layout::Padded { top, left, padded: padded_hw })
    }

    /// Rows and columns `0, stride, 2·stride, …` of `x`, `out_hw` of them.
    pub fn subsample(hw: [usize; 2], stride: [usize; 2], out_hw: [usize; 2]) -> Self {
        Self::new(hw, Layout::Subsample { stride, out: out_hw })
    }

    /// Pixels `0, stride, 2·stride, …` of `x`, `out_hw` of them, each with
    /// its `channels` side by side.
    pub fn pixel_major(hw: [usize; 2], stride: [usize; 2], out_hw: [usize; 2], channels: usize) -> Self {
        Self::new(hw, Layout::PixelMajor { stride, out: out_hw, channels })
    }

    /// Whether the copy is pixel-major (step descriptions name it).
    pub fn is_pixel_major(&self) -> bool {
        matches!(self.layout, Layout::PixelMajor { .. })
    }

    fn new(hw: [usize; 2], layout: Layout) -> Self {
        Staging { hw, layout, scratch: Mutex::default() }
    }

    /// Floats the staged copy of `x` takes.
    fn staged_len(&self, x_len: usize) -> usize {
        let [h, w] = match self.layout {
            Layout::Padded { padded, .. } => padded,
            Layout::Subsample { out, .. } | Layout::PixelMajor { out, .. } => out,
        };
        x_len / (self.hw[0] * self.hw[1]) * h * w
    }

    /// Calls `f` with `x` staged; a run that finds the kept buffer in use by
    /// another stages into a fresh one.
    pub fn with_staged<R>(&self, x: &[f32], workers: &Workers, f: impl FnOnce(&[f32]) -> R) -> R {
        let len = self.staged_len(x.len());
        let (mut kept, mut fresh) = (self.scratch.try_lock().ok(), Floats::default());
        let out = kept.as_deref_mut().unwrap_or(&mut fresh);
        if out.len() != len {
            *out = Floats::zeroed(len);
        }
        match self.layout {
            Layout::Padded { top, left, padded } => self.pad(x, out, top, left, padded, workers),
            Layout::Subsample { stride, out: out_hw } => self.subsample_into(x, out, stride, out_hw, workers),
            Layout::PixelMajor { stride, out: out_hw, channels } => {
                self.pixel_major_into(x, out, stride, out_hw, channels, workers)
            }
        }
        f(out)
    }

    fn pad(&self, x: &[f32], out: &mut [f32], top: usize, left: usize, [hs, ws]: [usize; 2], workers: &Workers) {
        let [h, w] = self.hw;
        workers.split_mut(out, hs * ws, |first, planes| {
            for (plane, staged) in x[first * h * w..].chunks(h * w).zip(planes.chunks_mut(hs * ws)) {
                for (y, source) in plane.chunks(w).enumerate() {
                    staged[(y + top) * ws + left..][..w].copy_from_slice(source);
                }
            }
        });
    }

    /// Workers take runs of pixels; each copies a run of channels at a
    /// time, so that each pixel's run is one whole cache line written once.
    /// (Channel by channel, each pixel's element lies `channels` floats from
    /// the next: with 2048 channels, 8 KiB apart, all in one L1 set.)
    fn pixel_major_into(
        &self,
        x: &[f32],
        out: &mut [f32],
        [sy, sx]: [usize; 2],
        [ho, wo]: [usize; 2],
        channels: usize,
        workers: &Workers,
    ) {
        const CHANNEL_RUN: usize = 16;
        let [h, w] = self.hw;
        workers.split_mut(out, channels, |first, pixels| {
            for run in (0..channels).step_by(CHANNEL_RUN) {
                let width = CHANNEL_RUN.min(channels - run);
                for (i, pixel) in pixels.chunks_mut(channels).enumerate() {
                    let (image, p) = ((first + i) / (ho * wo), (first + i) % (ho * wo));
                    let at = (image * channels + run) * h * w + (p / wo) * sy * w + (p % wo) * sx;
                    let planes = x[at..].iter().step_by(h * w);
                    pixel[run..run + width].iter_mut().zip(planes).for_each(|(t, &v)| *t = v);
                }
            }
        });
    }

    fn subsample_into(
        &self,
        x: &[f32],
        out: &mut [f32],
        [sy, sx]: [usize; 2],
        [ho, wo]: [usize; 2],
        workers: &Workers,
    ) {
        let [h, w] = self.hw;
        workers.split_mut(out, ho * wo, |first, planes| {
            for (plane, staged) in x[first * h * w..].chunks(h * w).zip(planes.chunks_mut(ho * wo)) {
                for (y, target) in staged.chunks_mut(wo).enumerate() {
                    let source = plane[y * sy * w..].iter().step_by(sx);
                    target.iter_mut().zip(source).for_each(|(t, &v)| *t = v);
                }
            }
        });
    }
}
