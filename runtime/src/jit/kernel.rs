//! Calling JIT'ed kernels safely: buffers are checked against the lengths
//! the kernel's generator promised to stay within, and the work items are
//! split over the workers.

use super::{ir::Elem, workers::Workers};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs of work items per worker and kernel call: enough for the others to
/// make up for a worker that is held up.
const RUNS_PER_WORKER: usize = 8;

/// A read-only kernel buffer.
#[derive(Clone, Copy)]
pub(super) enum Buf<'a> {
    F32(&'a [f32]),
    I32(&'a [i32]),
}

/// The written buffer.
pub(super) enum BufMut<'a> {
    F32(&'a mut [f32]),
    I32(&'a mut [i32]),
}

impl Buf<'_> {
    fn describe(&self) -> (Elem, usize, usize) {
        match self {
            Buf::F32(s) => (Elem::F32, s.len(), s.as_ptr() as usize),
            Buf::I32(s) => (Elem::I32, s.len(), s.as_ptr() as usize),
        }
    }
}

impl BufMut<'_> {
    fn describe(&mut self) -> (Elem, usize, usize) {
        match self {
            BufMut::F32(s) => (Elem::F32, s.len(), s.as_mut_ptr() as usize),
            BufMut::I32(s) => (Elem::I32, s.len(), s.as_mut_ptr() as usize),
        }
    }
}

/// A compiled kernel and its contract.
#[derive(Clone, Debug)]
pub(super) struct Kernel {
    address: usize,
    /// Element type and minimum length of each buffer, output first.
    buffers: Vec<(Elem, usize)>,
    /// Work items; each touches its own part of the output.
    items: usize,
}

impl Kernel {
    pub fn new(address: usize, buffers: Vec<(Elem, usize)>, items: usize) -> Self {
        Kernel { address, buffers, items }
    }

    /// Runs all work items, split over the workers.
    pub fn run(&self, mut out: BufMut, inputs: &[Buf], workers: &Workers) -> Result<(), String> {
        let mut table = vec![out.describe()];
        table.extend(inputs.iter().map(Buf::describe));
        if table.len() != self.buffers.len() {
            return Err(format!("kernel takes {} buffers, got {}", self.buffers.len(), table.len()));
        }
        for (i, ((elem, len, _), (want, min))) in table.iter().zip(&self.buffers).enumerate() {
            if elem != want || len < min {
                return Err(format!("buffer #{i}: expected {min} {want:?} elements, got {len} {elem:?}"));
            }
        }
        let pointers: Vec<usize> = table.iter().map(|t| t.2).collect();
        if workers.count() == 1 {
            self.call(&pointers, 0, self.items);
            return Ok(());
        }
        // Workers take runs of items as they get to them rather than one
        // fixed share each: on a shared machine one worker's core is often
        // taken away for a while, and a fixed share would make every kernel
        // wait for it.
        let run = self.items.div_ceil(workers.count() * RUNS_PER_WORKER).max(1);
        let next = AtomicUsize::new(0);
        workers.each(|_| loop {
            let begin = next.fetch_add(run, Ordering::Relaxed);
            if begin >= self.items {
                break;
            }
            self.call(&pointers, begin, (begin + run).min(self.items));
        });
        Ok(())
    }

    fn call(&self, pointers: &[usize], begin: usize, end: usize) {
        // SAFETY: `address` is the entry of a JIT'ed function of this exact
        // ABI that lives for the whole process (engines are never freed).
        // `run` checked every buffer's element type and length against what
        // the generator indexes, so the kernel stays in bounds; work items
        // write disjoint parts of the output, so threads do not race; inputs
        // are only read.
        unsafe {
            let f: unsafe extern "C" fn(*const usize, i64, i64) = std::mem::transmute(self.address);
            f(pointers.as_ptr(), begin as i64, end as i64)
        }
    }
}
