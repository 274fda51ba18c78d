//! The threads kernels split their work items over, started once per
//! executor: starting threads per kernel call cost about 0.1 ms each time,
//! more than a whole element-wise kernel on a 56×56×64 tensor.

use rayon::{ThreadPool, ThreadPoolBuilder};

pub(super) struct Workers {
    /// None: everything runs on the calling thread.
    pool: Option<ThreadPool>,
}

impl Workers {
    pub fn new(threads: usize) -> Result<Self, String> {
        if threads <= 1 {
            return Ok(Workers { pool: None });
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("qjit-worker-{i}"))
            .build()
            .map_err(|e| format!("cannot start {threads} worker threads: {e}"))?;
        Ok(Workers { pool: Some(pool) })
    }

    pub fn count(&self) -> usize {
        self.pool.as_ref().map_or(1, ThreadPool::current_num_threads)
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
}
