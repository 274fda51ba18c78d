//! The threads kernels split their work items over. Starting threads per
//! kernel call cost about 0.1 ms each time, more than a whole element-wise
//! kernel on a 56×56×64 tensor, so workers start once and stay. Executors
//! with the same thread count share them: idle workers spin for a while
//! before they sleep, and one executor's spinning workers would slow down
//! another's.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

pub(super) struct Workers {
    /// None: everything runs on the calling thread.
    pool: Option<Arc<ThreadPool>>,
}

impl Workers {
    /// The process's workers for `threads` threads.
    pub fn new(threads: usize) -> Result<Self, String> {
        if threads <= 1 {
            return Ok(Workers { pool: None });
        }
        static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
        let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = pools.get(&threads) {
            return Ok(Workers { pool: Some(Arc::clone(pool)) });
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("qjit-worker-{i}"))
            .build()
            .map_err(|e| format!("cannot start {threads} worker threads: {e}"))?;
        let pool = Arc::new(pool);
        pools.insert(threads, Arc::clone(&pool));
        Ok(Workers { pool: Some(pool) })
    }

    pub fn count(&self) -> usize {
        self.pool.as_ref().map_or(1, |pool| pool.current_num_threads())
    }

    /// Runs `f` on one of the workers. Kernel calls made from there run one
    /// share on that thread itself, where a caller from outside waits for
    /// the workers to finish; a waiting caller that then prepares the next
    /// step meets workers still spinning for work, more threads than cores.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            None => f(),
            Some(pool) => pool.install(f),
        }
    }

    /// Runs `task(i)` for every worker index `i` at once and returns when all
    /// are done.
    pub fn each(&self, task: impl Fn(usize) + Sync) {
        match &self.pool {
            None => task(0),
            Some(pool) => {
                pool.broadcast(|context| task(context.index()));
            }
        }
    }

    /// Splits `out` into one run of whole `unit`-long pieces per worker and
    /// runs `task(index of the run's first piece, run)` on each at once.
    pub fn split_mut<T: Send>(&self, out: &mut [T], unit: usize, task: impl Fn(usize, &mut [T]) + Sync) {
        let per_worker = (out.len() / unit.max(1)).div_ceil(self.count()).max(1);
        // Each worker locks only its own run: the mutex just hands the
        // mutable slice across the shared closure.
        let runs: Vec<Mutex<&mut [T]>> = out.chunks_mut(per_worker * unit.max(1)).map(Mutex::new).collect();
        self.each(|worker| {
            if let Some(run) = runs.get(worker) {
                task(worker * per_worker, &mut run.lock().unwrap_or_else(|e| e.into_inner()));
            }
        });
    }
}
