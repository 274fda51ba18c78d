//! The copy of an NCHW input a conv kernel reads instead of the input:
//! zero padded, or packed into panels for a 1×1 conv.

use super::workers::Workers;
use std::sync::Mutex;

/// Floats per 64-byte cache line: staged copies start on a line, so that
/// aligned vector loads never straddle two.
const LINE_FLOATS: usize = 16;

/// Panels packed together, channel by channel.
const PANELS_AT_ONCE: usize = 8;

pub(super) struct Staging {
    /// Input planes: channels of all images, and their height and width.
    hw: [usize; 2],
    layout: Layout,
    /// The staged buffer, kept between runs: a fresh one would cost page
    /// faults and zeroing on every run, and a padded border stays zero.
    scratch: Mutex<Vec<f32>>,
}

enum Layout {
    /// Each plane inside a zero border: `top` rows and `left` columns
    /// before it, `padded` the plane with its border.
    Padded { top: usize, left: usize, padded: [usize; 2] },
    /// Pixels `(y·stride[0], x·stride[1])` for the `out` output pixels, in
    /// runs of `width`: per image and run, every channel's `width` pixels
    /// one after the other (zero past the last pixel). A 1×1 conv tile then
    /// reads one contiguous stretch instead of one line per channel from
    /// planes a multiple of 4 KiB apart, which share a few L1 sets.
    Panels { channels: usize, stride: [usize; 2], out: [usize; 2], width: usize },
}

impl Staging {
    /// `x` padded by `top`/`left` (and the rest of `padded_hw`).
    pub fn padding(hw: [usize; 2], top: usize, left: usize, padded_hw: [usize; 2]) -> Self {
        Self::new(hw, Layout::Padded { top, left, padded: padded_hw })
    }

    /// `x`'s `channels` channels per image as panels of `width` of the
    /// `out_hw` pixels every `stride` rows and columns.
    pub fn panels(channels: usize, hw: [usize; 2], stride: [usize; 2], out_hw: [usize; 2], width: usize) -> Self {
        Self::new(hw, Layout::Panels { channels, stride, out: out_hw, width })
    }

    fn new(hw: [usize; 2], layout: Layout) -> Self {
        Staging { hw, layout, scratch: Mutex::default() }
    }

    /// Floats the staged copy of `x` takes.
    fn staged_len(&self, x_len: usize) -> usize {
        let planes = x_len / (self.hw[0] * self.hw[1]);
        match self.layout {
            Layout::Padded { padded: [h, w], .. } => planes * h * w,
            Layout::Panels { channels, out: [h, w], width, .. } => {
                planes / channels * (h * w).next_multiple_of(width) * channels
            }
        }
    }

    /// Calls `f` with `x` staged; a run that finds the kept buffer in use by
    /// another stages into a fresh one.
    pub fn with_staged<R>(&self, x: &[f32], workers: &Workers, f: impl FnOnce(&[f32]) -> R) -> R {
        let len = self.staged_len(x.len());
        let (mut kept, mut fresh) = (self.scratch.try_lock().ok(), Vec::new());
        let out = line_aligned(kept.as_deref_mut().unwrap_or(&mut fresh), len);
        match self.layout {
            Layout::Padded { top, left, padded } => self.pad(x, out, top, left, padded, workers),
            Layout::Panels { channels, stride, out: out_hw, width } => {
                self.pack(x, out, channels, stride, out_hw, width, workers)
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

    #[allow(clippy::too_many_arguments)]
    fn pack(
        &self,
        x: &[f32],
        out: &mut [f32],
        channels: usize,
        [sy, sx]: [usize; 2],
        [ho, wo]: [usize; 2],
        width: usize,
        workers: &Workers,
    ) {
        let [h, w] = self.hw;
        let runs = (ho * wo).div_ceil(width);
        let dense = [sy, sx] == [1, 1] && w == wo;
        workers.split_mut(out, channels * width, |first, panels| {
            // A few panels at a time, channel by channel: each channel's
            // pixels are then read a few cache lines in a row.
            for (group, panels) in
                (first..).step_by(PANELS_AT_ONCE).zip(panels.chunks_mut(PANELS_AT_ONCE * channels * width))
            {
                for c in 0..channels {
                    for (index, panel) in (group..).zip(panels.chunks_mut(channels * width)) {
                        let (image, run) = (index / runs, index % runs);
                        let plane = &x[(image * channels + c) * h * w..][..h * w];
                        let pixels = run * width..((run + 1) * width).min(ho * wo);
                        let (target, past_end) = panel[c * width..][..width].split_at_mut(pixels.len());
                        past_end.fill(0.0);
                        if dense {
                            // Element by element: a memcpy call per panel
                            // row cost more than its 64 bytes.
                            target.iter_mut().zip(&plane[pixels]).for_each(|(t, &v)| *t = v);
                        } else {
                            for (t, p) in target.iter_mut().zip(pixels) {
                                *t = plane[p / wo * sy * w + p % wo * sx];
                            }
                        }
                    }
                }
            }
        });
    }
}

/// `len` floats of `buffer` from its first cache-line boundary; a buffer
/// of another length is replaced by a zeroed one.
fn line_aligned(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() != len + LINE_FLOATS {
        *buffer = vec![0.0; len + LINE_FLOATS];
    }
    let skip = buffer.as_ptr().align_offset(LINE_FLOATS * size_of::<f32>());
    &mut buffer[skip..skip + len]
}
