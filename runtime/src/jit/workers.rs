//! The threads kernels split their work items over. Starting threads per
//! kernel call cost about 0.1 ms each time, more than a whole element-wise
//! kernel on a 56×56×64 tensor, so workers start once and stay. Executors
//! with the same thread count share them: idle workers spin for a while
//! before they sleep, and one executor's spinning workers would slow down
//! another's.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, OnceLock,
    },
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

    /// Runs `task(begin, end)` over `0..items` in runs of a few items: the
    /// calling thread takes runs until none is left, and the other workers
    /// join in as they get to it; returns once every run has finished. No
    /// worker has to take part: on a shared machine a core is often taken
    /// away for a while, and a call that waited for every worker to start
    /// would wait for it to come back.
    pub fn share(&self, items: usize, task: &(dyn Fn(usize, usize) + Sync)) {
        let run = items.div_ceil(self.count() * RUNS_PER_WORKER).max(1);
        // SAFETY: only the lifetime of the borrow is erased, so that helper
        // jobs can hold it. `task` is called only for runs claimed while
        // some remain, and this function returns only once all of them have
        // finished (`done` reaches `items`); a helper starting later finds
        // no run left and never calls it. So no call outlives the borrow.
        let task: &'static (dyn Fn(usize, usize) + Sync) = unsafe { std::mem::transmute(task) };
        let shared = Arc::new(Runs { next: AtomicUsize::new(0), done: AtomicUsize::new(0), items, run, task });
        if let Some(pool) = &self.pool {
            for _ in 1..pool.current_num_threads() {
                let shared = Arc::clone(&shared);
                pool.spawn(move || shared.take());
            }
        }
        shared.take();
        while shared.done.load(Ordering::Acquire) < items {
            std::hint::spin_loop();
        }
    }

    /// Splits `out` into runs of whole `unit`-long pieces and runs
    /// `task(index of the run's first piece, run)` on each, shared out as
    /// [`Workers::share`] does.
    pub fn split_mut<T: Send>(&self, out: &mut [T], unit: usize, task: impl Fn(usize, &mut [T]) + Sync) {
        let unit = unit.max(1);
        let per_run = (out.len() / unit).div_ceil(self.count() * RUNS_PER_WORKER).max(1);
        // Each run is locked once, by the thread that took it: the mutex
        // just hands the mutable slice across the shared closure.
        let runs: Vec<Mutex<&mut [T]>> = out.chunks_mut(per_run * unit).map(Mutex::new).collect();
        self.share(runs.len(), &|begin, end| {
            for (i, run) in runs.iter().enumerate().take(end).skip(begin) {
                task(i * per_run, &mut run.lock().unwrap_or_else(|e| e.into_inner()));
            }
        });
    }
}

/// Runs of work items per worker and call: enough for the others to make
/// up for a worker that is held up.
const RUNS_PER_WORKER: usize = 8;

/// The runs of one [`Workers::share`] call. A helper that starts after the
/// call returned finds no run left and never calls `task`.
struct Runs {
    next: AtomicUsize,
    done: AtomicUsize,
    items: usize,
    run: usize,
    task: &'static (dyn Fn(usize, usize) + Sync),
}

impl Runs {
    fn take(&self) {
        loop {
            let begin = self.next.fetch_add(self.run, Ordering::Relaxed);
            if begin >= self.items {
                return;
            }
            let end = (begin + self.run).min(self.items);
            (self.task)(begin, end);
            self.done.fetch_add(end - begin, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_runs_every_item_once() {
        for threads in [1, 2, 3] {
            let workers = Workers::new(threads).unwrap();
            let counts: Vec<AtomicUsize> = (0..1000).map(|_| AtomicUsize::new(0)).collect();
            workers.share(counts.len(), &|begin, end| {
                counts[begin..end].iter().for_each(|c| {
                    c.fetch_add(1, Ordering::Relaxed);
                })
            });
            assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1), "{threads} threads");
        }
    }

    #[test]
    fn split_mut_hands_out_whole_units_with_their_index() {
        let workers = Workers::new(2).unwrap();
        let mut out = vec![0usize; 7 * 100];
        workers.split_mut(&mut out, 7, |first, run| {
            assert_eq!(run.len() % 7, 0);
            for (i, unit) in run.chunks_mut(7).enumerate() {
                unit.fill(first + i);
            }
        });
        assert!(out.chunks(7).enumerate().all(|(i, unit)| unit.iter().all(|&v| v == i)));
    }
}
