//! How far apart two outputs are: the numbers `qrun compare` prints and the
//! criteria it judges them by.

use clap::ValueEnum;
use serde::Serialize;

/// The pass/fail criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Max relative error (max|a − b| / max|b|) ≤ rtol: float graphs.
    Rel,
    /// Cosine similarity ≥ min-cosine: deep quantized graphs.
    Cosine,
    /// Every |a − b| ≤ steps × step: single quantized ops.
    Steps,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub max_abs: f64,
    /// max|a − b| / max|b| (max|a − b| when b is all zeros).
    pub max_rel: f64,
    pub cosine: f64,
    /// Elements with |a − b| > atol + rtol·|b|.
    pub outside: usize,
    pub elements: usize,
}

pub fn compare(a: &[f64], b: &[f64], rtol: f64, atol: f64) -> Report {
    let (mut max_abs, mut max_b, mut dot, mut aa, mut bb, mut outside) = (0f64, 0f64, 0f64, 0f64, 0f64, 0);
    for (&x, &y) in a.iter().zip(b) {
        let d = (x - y).abs();
        // NaN compares false everywhere: count it as a difference explicitly.
        if d.is_nan() || d > atol + rtol * y.abs() {
            outside += 1;
        }
        max_abs = if d.is_nan() { f64::NAN } else { max_abs.max(d) };
        max_b = max_b.max(y.abs());
        dot += x * y;
        aa += x * x;
        bb += y * y;
    }
    let cosine = if aa == 0.0 && bb == 0.0 { 1.0 } else { dot / (aa.sqrt() * bb.sqrt()) };
    let max_rel = if max_b == 0.0 { max_abs } else { max_abs / max_b };
    Report { max_abs, max_rel, cosine, outside, elements: a.len() }
}

/// Sorts `values` and returns their median (the upper middle one of an
/// even count); callers read the least and largest off the sorted values.
pub fn sort_median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Top-k class indices per row of a `[N, C]` output, best first.
pub fn top_k(values: &[f64], row: usize, k: usize) -> Vec<Vec<usize>> {
    values
        .chunks(row.max(1))
        .map(|r| {
            let mut idx: Vec<usize> = (0..r.len()).collect();
            idx.sort_by(|&i, &j| r[j].total_cmp(&r[i]));
            idx.truncate(k);
            idx
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_outputs() {
        let r = compare(&[1.0, -2.0], &[1.0, -2.0], 0.0, 0.0);
        assert_eq!((r.max_abs, r.max_rel, r.outside), (0.0, 0.0, 0));
        assert!((r.cosine - 1.0).abs() < 1e-15);
    }

    #[test]
    fn relative_error_is_against_the_largest_reference_value() {
        let r = compare(&[1.1, 4.0], &[1.0, 4.0], 0.01, 0.0);
        assert!((r.max_rel - 0.1 / 4.0).abs() < 1e-12);
        assert_eq!(r.outside, 1);
    }

    #[test]
    fn nan_is_a_difference() {
        let r = compare(&[f64::NAN], &[1.0], 1.0, 1.0);
        assert_eq!(r.outside, 1);
        assert!(r.max_abs.is_nan());
    }

    #[test]
    fn median_of_an_even_count_is_the_upper_middle() {
        let mut values = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(sort_median(&mut values), 3.0);
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn top_k_per_row() {
        assert_eq!(top_k(&[0.1, 0.9, 0.5, 3.0, 2.0, 1.0], 3, 2), vec![vec![1, 2], vec![0, 1]]);
    }
}
