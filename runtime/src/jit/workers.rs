//! The threads kernels split their work items over. Starting threads per
//! kernel call cost about 0.1 ms each time, more than a whole element-wise
//! kernel on a 56×56×64 tensor, so workers start once and stay. Executors
//! with the same thread count share them: idle workers spin for a while
//! before they sleep, and one executor's spinning workers would slow down
//! another's. After a call, helpers keep spinning for the next one for up
//! to [`SPIN`]: waking a sleeping worker took 35–45 µs on this VM, per
//! kernel call (60 calls per ResNet-50 run).

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

pub(super) struct Workers {
    /// None: everything runs on the calling thread.
    team: Option<Arc<Team>>,
}

/// A pool of worker threads and the latest call's runs, which helpers
/// still spinning from an earlier call pick up without being woken.
struct Team {
    pool: ThreadPool,
    latest: Mutex<Option<Arc<Runs>>>,
    /// Bumped by each call once its runs are in `latest`.
    calls: AtomicUsize,
    /// Helpers running or about to run [`Team::help`].
    helpers: AtomicUsize,
}

/// How long a helper spins for the next call before it leaves the thread
/// to the pool (and sleeps): longer than the gaps between the kernel calls
/// of one run, short enough not to hold a core long after the last.
const SPIN: Duration = Duration::from_millis(1);

impl Workers {
    /// The process's workers for `threads` threads.
    pub fn new(threads: usize) -> Result<Self, String> {
        if threads <= 1 {
            return Ok(Workers { team: None });
        }
        static TEAMS: OnceLock<Mutex<HashMap<usize, Arc<Team>>>> = OnceLock::new();
        let mut teams = TEAMS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(team) = teams.get(&threads) {
            return Ok(Workers { team: Some(Arc::clone(team)) });
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("qjit-worker-{i}"))
            .build()
            .map_err(|e| format!("cannot start {threads} worker threads: {e}"))?;
        let team =
            Arc::new(Team { pool, latest: Mutex::default(), calls: AtomicUsize::new(0), helpers: AtomicUsize::new(0) });
        teams.insert(threads, Arc::clone(&team));
        Ok(Workers { team: Some(team) })
    }

    pub fn count(&self) -> usize {
        self.team.as_ref().map_or(1, |team| team.pool.current_num_threads())
    }

    /// Runs `f` on one of the workers. Kernel calls made from there run one
    /// share on that thread itself, where a caller from outside waits for
    /// the workers to finish; a waiting caller that then prepares the next
    /// step meets workers still spinning for work, more threads than cores.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.team {
            None => f(),
            Some(team) => team.pool.install(f),
        }
    }

    /// Runs `task(begin, end)` over `0..items` in runs of a few items: the
    /// calling thread takes runs until none is left, and the other workers
    /// join in as they get to it; returns once every run has finished.
    /// Runs shrink as the items run out, so that the workers finish close
    /// together (see [`Runs::claim`]). No worker has to take part: on a
    /// shared machine a core is often taken away for a while, and a call
    /// that waited for every worker to start would wait for it to come
    /// back.
    pub fn share(&self, items: usize, task: &(dyn Fn(usize, usize) + Sync)) {
        let (workers, longest) = (self.count(), items.div_ceil(self.count() * RUNS_PER_WORKER));
        // SAFETY: only the lifetime of the borrow is erased, so that helpers
        // can hold it. `task` is called only for runs claimed while some
        // remain, and this function returns only once all of them have
        // finished (`done` reaches `items`); a helper that gets to these
        // runs later (they stay in `Team::latest` until the next call) finds
        // none left and never calls it. So no call outlives the borrow.
        let task: &'static (dyn Fn(usize, usize) + Sync) = unsafe { std::mem::transmute(task) };
        let shared =
            Arc::new(Runs { next: AtomicUsize::new(0), done: AtomicUsize::new(0), items, workers, longest, task });
        if let Some(team) = &self.team {
            team.publish(&shared);
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

impl Team {
    /// Makes `runs` the latest call's and starts the helpers that are not
    /// spinning already.
    fn publish(self: &Arc<Self>, runs: &Arc<Runs>) {
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(runs));
        self.calls.fetch_add(1, Ordering::AcqRel);
        let wanted = self.pool.current_num_threads() - 1;
        while self.helpers.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < wanted).then_some(n + 1)).is_ok()
        {
            let team = Arc::clone(self);
            self.pool.spawn(move || team.help());
        }
    }

    /// Takes runs of each call published from now on, until none has come
    /// for [`SPIN`].
    fn help(&self) {
        let mut seen = None;
        let mut idle_since = Instant::now();
        loop {
            let calls = self.calls.load(Ordering::Acquire);
            if seen != Some(calls) {
                seen = Some(calls);
                self.take_latest();
                idle_since = Instant::now();
            } else if idle_since.elapsed() > SPIN {
                self.helpers.fetch_sub(1, Ordering::AcqRel);
                // A call published meanwhile may not have started a helper,
                // counting on this one: help it before leaving.
                if self.calls.load(Ordering::Acquire) != calls {
                    self.take_latest();
                }
                return;
            }
            std::hint::spin_loop();
        }
    }

    fn take_latest(&self) {
        let runs = self.latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(runs) = runs {
            runs.take();
        }
    }
}

/// Runs of work items per worker and call, at least: enough for the others
/// to make up for a worker that is held up.
const RUNS_PER_WORKER: usize = 8;

/// The runs of one [`Workers::share`] call. A helper that starts after the
/// call returned finds no run left and never calls `task`.
struct Runs {
    next: AtomicUsize,
    done: AtomicUsize,
    items: usize,
    workers: usize,
    /// Items of the longest run.
    longest: usize,
    task: &'static (dyn Fn(usize, usize) + Sync),
}

impl Runs {
    fn take(&self) {
        while let Some((begin, end)) = self.claim() {
            (self.task)(begin, end);
            self.done.fetch_add(end - begin, Ordering::Release);
        }
    }

    /// The next run: at most [`Runs::longest`] items, and at most half of
    /// each worker's share of what is left. With runs of equal length to
    /// the end, one worker sat idle for half a run on average at the end of
    /// each call; shrinking runs end within about one item of each other
    /// (ResNet-50, 2 threads: least time 2-4% less in 2 of 3 alternating
    /// A/B runs, the third within noise).
    fn claim(&self) -> Option<(usize, usize)> {
        let mut begin = self.next.load(Ordering::Relaxed);
        while begin < self.items {
            let run = (self.items - begin).div_ceil(2 * self.workers).min(self.longest);
            match self.next.compare_exchange_weak(begin, begin + run, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Some((begin, begin + run)),
                Err(now) => begin = now,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether one `share` call over `items` items ran each exactly once.
    fn runs_each_once(workers: &Workers, items: usize) -> bool {
        let counts: Vec<AtomicUsize> = (0..items).map(|_| AtomicUsize::new(0)).collect();
        workers.share(counts.len(), &|begin, end| {
            counts[begin..end].iter().for_each(|c| {
                c.fetch_add(1, Ordering::Relaxed);
            })
        });
        counts.iter().all(|c| c.load(Ordering::Relaxed) == 1)
    }

    #[test]
    fn share_runs_every_item_once() {
        for threads in [1, 2, 3] {
            assert!(runs_each_once(&Workers::new(threads).unwrap(), 1000), "{threads} threads");
        }
    }

    /// Back-to-back calls meet helpers still spinning from the last one;
    /// calls after a pause longer than [`SPIN`] start new ones. Either way
    /// every item runs once.
    #[test]
    fn calls_in_a_row_and_after_pauses_run_every_item_once() {
        let workers = Workers::new(3).unwrap();
        for call in 0..400 {
            assert!(runs_each_once(&workers, call % 37 + 1), "call {call}");
            if call % 50 == 0 {
                std::thread::sleep(SPIN * 3);
            }
        }
    }

    #[test]
    fn runs_shrink_to_single_items_as_the_work_runs_out() {
        let workers = Workers::new(1).unwrap();
        let runs = Mutex::new(Vec::new());
        workers.share(1000, &|begin, end| runs.lock().unwrap().push(end - begin));
        let runs = runs.into_inner().unwrap();
        assert_eq!(runs.iter().sum::<usize>(), 1000);
        assert!(runs.iter().all(|&n| n <= 1000usize.div_ceil(RUNS_PER_WORKER)), "{runs:?}");
        assert!(runs.windows(2).all(|w| w[1] <= w[0]), "{runs:?}");
        assert_eq!(runs.last(), Some(&1), "{runs:?}");
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
