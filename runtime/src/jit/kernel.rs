//! Calling JIT'ed kernels safely: buffers are checked against the lengths
//! the kernel's generator promised to stay within, and the work items are
//! split over the workers.

use super::{ir::Elem, workers::Workers};

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
        let address = self.address;
        // SAFETY: `address` is a kernel of the ABI `call` expects (from
        // `Kernel::new`); the checks above keep it within the buffers, which
        // outlive every call: `share` returns only once every work item has
        // finished. Work items write disjoint parts of the output, so threads
        // do not race; inputs are only read.
        workers.share(self.items, &|begin, end| unsafe { call(address, &pointers, begin, end) });
        Ok(())
    }
}

/// Calls the kernel at `address` on work items `begin..end`.
///
/// # Safety
/// `address` must be the entry of a JIT'ed kernel (engines are never freed,
/// so it lives for the whole process), and `pointers` its buffers, each at
/// least as long as the kernel indexes for these work items.
unsafe fn call(address: usize, pointers: &[usize], begin: usize, end: usize) {
    // SAFETY: kernels have this ABI (`ir::Ir::kernel_params`); the caller
    // vouches for the address and the buffers.
    unsafe {
        let f: unsafe extern "C" fn(*const usize, i64, i64) = std::mem::transmute(address);
        f(pointers.as_ptr(), begin as i64, end as i64)
    }
}
