//! The schedule: rounds in which every engine takes a turn of a few runs,
//! so that all engines meet the same changes in the machine's speed (on a
//! shared VM they last seconds), and ratios taken within a round compare
//! engines under the same conditions.

use crate::engines::Engine;
use anyhow::Result;
use std::time::{Duration, Instant};

/// How the engines take turns.
pub struct Schedule {
    pub rounds: usize,
    /// Runs per turn, at least 2: the first of each turn is not timed (it
    /// starts with the previous engine's data in the caches).
    pub burst: usize,
    /// Pause between turns, so that one engine's idle worker threads have
    /// stopped spinning before the next engine starts.
    pub gap: Duration,
    /// Each engine runs alone for this long first.
    pub warm_up: Duration,
}

/// Run times in ms: `times[engine][round]` holds the timed runs of that
/// engine's turn in that round.
pub struct Times {
    pub times: Vec<Vec<Vec<f64>>>,
}

/// Runs the schedule. Rounds alternate the order of the turns (forward,
/// then backward), so that no engine always follows the same one.
pub fn run(engines: &mut [Engine], schedule: &Schedule) -> Result<Times> {
    for engine in engines.iter_mut() {
        let start = Instant::now();
        while start.elapsed() < schedule.warm_up {
            engine.run()?;
        }
    }
    let mut times = vec![Vec::with_capacity(schedule.rounds); engines.len()];
    for round in 0..schedule.rounds {
        let mut order: Vec<usize> = (0..engines.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for e in order {
            std::thread::sleep(schedule.gap);
            engines[e].run()?;
            let turn = (1..schedule.burst)
                .map(|_| {
                    let start = Instant::now();
                    engines[e].run()?;
                    Ok(start.elapsed().as_secs_f64() * 1e3)
                })
                .collect::<Result<Vec<_>>>()?;
            times[e].push(turn);
        }
    }
    Ok(Times { times })
}

impl Times {
    /// Every timed run of `engine`, sorted.
    pub fn all(&self, engine: usize) -> Vec<f64> {
        let mut all: Vec<f64> = self.times[engine].iter().flatten().copied().collect();
        all.sort_by(f64::total_cmp);
        all
    }

    /// The median over rounds of `slower`'s turn median divided by
    /// `faster`'s in the same round (> 1: `faster` is faster).
    pub fn ratio(&self, slower: usize, faster: usize) -> f64 {
        let ratios: Vec<f64> =
            self.times[slower].iter().zip(&self.times[faster]).map(|(s, f)| median(s) / median(f)).collect();
        median(&ratios)
    }

    /// The median of each of `engine`'s turns, round by round.
    pub fn turn_medians(&self, engine: usize) -> Vec<f64> {
        self.times[engine].iter().map(|turn| median(turn)).collect()
    }

    /// Rounds in which `a`'s turn median is below `b`'s.
    pub fn rounds_faster(&self, a: usize, b: usize) -> usize {
        self.times[a].iter().zip(&self.times[b]).filter(|(a, b)| median(a) < median(b)).count()
    }
}

/// The median of `values` (the upper one of an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two engines over three rounds; the second is twice as slow in the
    /// last round only.
    fn times() -> Times {
        Times {
            times: vec![vec![vec![10.0, 12.0], vec![10.0], vec![20.0, 22.0]], vec![vec![11.0], vec![9.0], vec![44.0]]],
        }
    }

    #[test]
    fn ratios_are_taken_within_rounds() {
        let t = times();
        assert_eq!(t.turn_medians(0), vec![12.0, 10.0, 22.0]);
        // Per round 11/12, 9/10, 44/22: the median is 11/12.
        assert!((t.ratio(1, 0) - 11.0 / 12.0).abs() < 1e-12);
        assert_eq!(t.rounds_faster(0, 1), 1);
        assert_eq!(t.all(0), vec![10.0, 10.0, 12.0, 20.0, 22.0]);
    }

    #[test]
    fn median_takes_the_upper_middle_of_an_even_count() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 3.0);
    }
}
