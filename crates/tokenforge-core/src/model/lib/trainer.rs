//! The LiB learner: the memorizer adds the pairs of adjacent units of each line's segmentation, the forgetter
//! drops the units that save no token.
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustc_hash::FxHashMap;

use super::{pieces, segment};
use crate::count::WordCounts;
use crate::error::Result;
use crate::interrupt;

/// Units checked by the forgetter per line.
const FORGET_CHECKS: usize = 3;

/// The settings of a LiB run.
#[derive(Clone, Copy)]
pub struct LibConfig {
    /// Units to learn.
    pub n_units: usize,
    /// The longest unit, in characters.
    pub max_len: usize,
    /// Passes over the lines.
    pub epochs: usize,
    /// Seed of the line order and the forgetter's picks.
    pub seed: u64,
}

/// Learns from counted lines (each distinct line as often as it was counted; lines that are not UTF-8 are
/// skipped): [`train`] on them in the order of their bytes before the first shuffle.
pub fn train_counts(counts: &WordCounts, cfg: &LibConfig) -> Result<Vec<String>> {
    let mut distinct: Vec<(&str, u64)> =
        counts.iter().filter_map(|(line, n)| std::str::from_utf8(line).ok().map(|l| (l, n))).collect();
    distinct.sort_unstable();
    let lines: Vec<&str> = distinct.iter().flat_map(|&(l, n)| std::iter::repeat_n(l, n as usize)).collect();
    train(&lines, cfg)
}

/// Learns `n_units` units from `lines` in `epochs` passes (lines in a seeded random order each pass): every use
/// of a unit scores +1; each pair of adjacent units becomes a candidate (score 1); the forgetter segments the
/// line again without up to three of its units and scores −2 a unit that saved no token (dropped at zero),
/// +1 one that did; the lexicon is cut back to `n_units` whenever it doubles. Best-scored first.
pub fn train(lines: &[&str], cfg: &LibConfig) -> Result<Vec<String>> {
    let LibConfig { n_units, max_len, epochs, seed } = *cfg;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let mut score: FxHashMap<String, f64> = FxHashMap::default();
    for _ in 0..epochs {
        for k in (1..order.len()).rev() {
            order.swap(k, (rng.next_u64() % (k as u64 + 1)) as usize);
        }
        for &li in &order {
            interrupt::check()?;
            let line = lines[li];
            let seg = pieces(line, &segment(line, &score, max_len, None));
            let mut units: Vec<&str> = seg.iter().copied().filter(|u| u.chars().nth(1).is_some()).collect();
            units.sort_unstable();
            units.dedup();
            for u in &seg {
                if let Some(s) = score.get_mut(*u) {
                    *s += 1.0;
                }
            }
            for w in seg.windows(2) {
                if w[0].chars().count() + w[1].chars().count() <= max_len {
                    score.entry(format!("{}{}", w[0], w[1])).or_insert(1.0);
                }
            }
            for j in 0..FORGET_CHECKS.min(units.len()) {
                let pick = j + (rng.next_u64() % (units.len() - j) as u64) as usize;
                units.swap(j, pick);
                let u = units[j];
                let saved = segment(line, &score, max_len, Some(u)).len() > seg.len() + 1;
                if let Some(s) = score.get_mut(u) {
                    *s += if saved { 1.0 } else { -2.0 };
                    if *s <= 0.0 {
                        score.remove(u);
                    }
                }
            }
            if score.len() > 2 * n_units {
                score = best(score, n_units).into_iter().collect();
            }
        }
    }
    Ok(best(score, n_units).into_iter().map(|(u, _)| u).collect())
}

/// The `n` best-scored units (ties by the unit's text), best first.
fn best(score: FxHashMap<String, f64>, n: usize) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = score.into_iter().collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(n);
    all
}
