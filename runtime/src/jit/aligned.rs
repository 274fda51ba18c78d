//! Kernel operands that start on a cache line. The allocator aligns to 16
//! bytes only: an array starting 16 or 48 bytes into a line splits every
//! other 32-byte vector access over two lines, and which alignment a
//! buffer got varied from allocation to allocation, and with it the time
//! of the kernels reading it.

use std::ops::{Deref, DerefMut};

const CACHE_LINE: usize = 64;

/// Elements allocated past an aligned array's length: room to move its
/// start to the next cache line.
pub(super) const SLACK: usize = CACHE_LINE / 4;

/// Where an array of 4-byte elements in `data` (`SLACK` longer than the
/// array) starts: its first element on a cache line.
pub(super) fn start<T>(data: &[T]) -> usize {
    debug_assert_eq!(size_of::<T>(), 4);
    data.as_ptr().align_offset(CACHE_LINE).min(SLACK)
}

/// Zero-initialized f32 storage starting on a cache line.
#[derive(Default)]
pub(super) struct Floats {
    data: Vec<f32>,
    start: usize,
}

impl Floats {
    pub fn zeroed(len: usize) -> Self {
        let data = vec![0.0; len + SLACK];
        Floats { start: start(&data), data }
    }
}

impl Deref for Floats {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        let len = self.data.len().saturating_sub(SLACK);
        &self.data[self.start..self.start + len]
    }
}

impl DerefMut for Floats {
    fn deref_mut(&mut self) -> &mut [f32] {
        let len = self.data.len().saturating_sub(SLACK);
        &mut self.data[self.start..self.start + len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_start_on_a_cache_line_and_have_their_length() {
        for len in [0, 1, 17, 1000] {
            let floats = Floats::zeroed(len);
            assert_eq!(floats.len(), len);
            assert_eq!(floats.as_ptr() as usize % CACHE_LINE, 0, "{len} floats");
            assert!(floats.iter().all(|&v| v == 0.0));
        }
    }
}
