//! Data mixture inference (Hayase, Liu et al. 2024, "What do BPE tokenizers reveal about their training
//! data?"): the counting half.
//!
//! A target tokenizer's merges are replayed, in rank order, over the pre-token counts of one sample per
//! category. `History` keeps what the linear program needs: the pair counts of every category before the first
//! merge, and after each merge only the counts that changed (deltas, interned pair ids). A merge changes the
//! pairs around its occurrences only, so the deltas of all steps together are bounded by the number of merge
//! events in the distinct pre-tokens (a few per position), not by steps × pairs.
//!
//! `History::scan` walks the history once for given mixture weights and returns, for each step, the pairs whose
//! weighted count beats the merged pair's by more than the slack allows: the violated constraints that lazy
//! constraint generation adds to the program.
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::model::bpe::trainer::{Symbols, DEAD};
use crate::model::bpe::{BpeModel, Pair};

/// Marks a step whose merged pair never occurs in any sample.
const ABSENT: u32 = u32::MAX;
/// Progress reports per category while the merges are replayed.
const REPORTS: usize = 200;

/// One change of a pair count in one category.
#[derive(Debug, Clone, Copy)]
struct Delta {
    pair: u32,
    category: u32,
    change: i64,
}

/// What replaying the merges over one category's sample yields.
struct Replay {
    /// Pair counts before the first merge, sorted by pair.
    initial: Vec<(Pair, i64)>,
    /// For each step, the count changes the merge caused, sorted by pair.
    steps: Vec<Vec<(Pair, i64)>>,
    /// Count of the merged pair before each step.
    merged: Vec<i64>,
}

/// Applies `merges` in order to every distinct pre-token of `counts`, recording the pair count changes; calls
/// `step(n)` after every `n` merges.
fn replay(
    merges: &[(Pair, u32)],
    byte_ids: &[u32; 256],
    counts: &WordCounts,
    step_done: &(dyn Fn(usize) + Sync),
) -> Result<Replay> {
    let every = (merges.len() / REPORTS).max(1);
    let mut words: Vec<Vec<u32>> = Vec::with_capacity(counts.len());
    let mut freqs: Vec<i64> = Vec::with_capacity(counts.len());
    for (piece, n) in counts.iter() {
        words.push(piece.iter().map(|&b| byte_ids[b as usize]).collect());
        freqs.push(n as i64);
    }
    let mut syms = Symbols::new(&words);
    drop(words);
    let mut pair_counts: FxHashMap<Pair, i64> = FxHashMap::default();
    let mut occurrences: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
    for i in 0..syms.sym.len() as u32 {
        let j = syms.next[i as usize];
        if j != DEAD {
            let pair = (syms.sym[i as usize], syms.sym[j as usize]);
            *pair_counts.entry(pair).or_insert(0) += freqs[syms.word[i as usize] as usize];
            occurrences.entry(pair).or_default().push(i);
        }
    }
    let sorted = |map: &FxHashMap<Pair, i64>| {
        let mut v: Vec<(Pair, i64)> = map.iter().filter(|(_, &c)| c != 0).map(|(&p, &c)| (p, c)).collect();
        v.sort_unstable();
        v
    };
    let initial = sorted(&pair_counts);
    let mut steps = Vec::with_capacity(merges.len());
    let mut merged = Vec::with_capacity(merges.len());
    let mut changes = Vec::new();
    let mut step: FxHashMap<Pair, i64> = FxHashMap::default();
    for (t, &(pair, new)) in merges.iter().enumerate() {
        crate::interrupt::check()?;
        if t > 0 && t % every == 0 {
            step_done(every);
        }
        merged.push(pair_counts.get(&pair).copied().unwrap_or(0));
        step.clear();
        if let Some(mut here) = occurrences.remove(&pair) {
            // Left to right, so overlapping occurrences ("aaa") merge as in a scan of the word.
            here.sort_unstable();
            here.dedup();
            changes.clear();
            for &i in &here {
                if syms.holds(i, pair) {
                    *step.entry(pair).or_insert(0) -= freqs[syms.word[i as usize] as usize];
                    syms.merge_at(i, new, &mut changes);
                }
            }
            for &(p, change, at) in &changes {
                *step.entry(p).or_insert(0) += change * freqs[syms.word[at as usize] as usize];
                if change > 0 {
                    occurrences.entry(p).or_default().push(at);
                }
            }
            for (p, &c) in &step {
                *pair_counts.entry(*p).or_insert(0) += c;
            }
        }
        steps.push(sorted(&step));
    }
    Ok(Replay { initial, steps, merged })
}

/// The pair-count history of every category under a merge list (see the module docs).
#[derive(Debug, Clone)]
pub struct History {
    categories: usize,
    pairs: Vec<Pair>,
    /// Interned id of each step's merged pair, or `ABSENT`.
    merged_ids: Vec<u32>,
    /// `merged[t * categories + i]`: count of step t's merged pair in category i before the merge.
    merged: Vec<i64>,
    /// Total pair count of each category before the first merge.
    totals: Vec<u64>,
    /// `deltas[offsets[0]..offsets[1]]` are the initial counts, `deltas[offsets[t + 1]..offsets[t + 2]]` the
    /// changes merge t makes.
    offsets: Vec<usize>,
    deltas: Vec<Delta>,
}

/// A heap entry of `scan`: a pair and its weighted count less its slack when pushed.
#[derive(Debug, Clone, Copy)]
struct Key {
    key: f64,
    pair: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Largest key first; equal keys: the smaller pair id.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.total_cmp(&other.key).then_with(|| other.pair.cmp(&self.pair))
    }
}

/// Constraints found violated by `History::scan`: `(step, pair id)` each, and for each the pair's count in
/// every category at that step (`counts[k * categories + i]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    pub steps: Vec<u32>,
    pub pairs: Vec<u32>,
    pub counts: Vec<i64>,
}

impl History {
    /// Replays the first `steps` merges of `model` over each category's pre-token counts (categories in
    /// parallel).
    pub fn build(model: &BpeModel, samples: &[&WordCounts], steps: usize) -> Result<History> {
        Self::build_with_progress(model, samples, steps, &|_, _| {})
    }

    /// [`build`](Self::build), calling `progress(merges, steps)` now and then with the merges replayed so far
    /// (averaged over the categories).
    pub fn build_with_progress(
        model: &BpeModel,
        samples: &[&WordCounts],
        steps: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<History> {
        model.validate()?;
        if steps == 0 || steps > model.merges.len() {
            return Err(Error::InvalidArgument(format!(
                "steps must be between 1 and the {} merges of the tokenizer, not {steps}",
                model.merges.len()
            )));
        }
        if samples.is_empty() {
            return Err(Error::InvalidArgument("no category sample given".to_owned()));
        }
        let mut byte_ids = [0u32; 256];
        for b in 0..=255u8 {
            // validate() checked that every byte has a token.
            byte_ids[b as usize] = model.vocab.iter().position(|t| t.as_slice() == [b]).unwrap_or(0) as u32;
        }
        let merges = &model.merges[..steps];
        let done = AtomicUsize::new(0);
        let step_done = |n: usize| progress((done.fetch_add(n, Relaxed) + n) / samples.len(), steps);
        let replays: Vec<Replay> =
            samples.par_iter().map(|c| replay(merges, &byte_ids, c, &step_done)).collect::<Result<_>>()?;
        progress(steps, steps);
        let categories = samples.len();
        let mut totals = Vec::with_capacity(categories);
        for (i, r) in replays.iter().enumerate() {
            let total: i64 = r.initial.iter().map(|&(_, c)| c).sum();
            if total == 0 {
                return Err(Error::InvalidArgument(format!("category {i} has no two adjacent bytes in a pre-token")));
            }
            totals.push(total as u64);
        }
        let mut history = History {
            categories,
            pairs: Vec::new(),
            merged_ids: Vec::with_capacity(steps),
            merged: Vec::with_capacity(steps * categories),
            totals,
            offsets: vec![0],
            deltas: Vec::new(),
        };
        let mut index: FxHashMap<Pair, u32> = FxHashMap::default();
        for (i, r) in replays.iter().enumerate() {
            for &(pair, c) in &r.initial {
                history.record(&mut index, pair, i, c);
            }
        }
        history.offsets.push(history.deltas.len());
        let mut replays: Vec<_> = replays.into_iter().map(|r| (r.merged, r.steps.into_iter())).collect();
        for (t, &(pair, _)) in merges.iter().enumerate() {
            for (i, (merged, step)) in replays.iter_mut().enumerate() {
                history.merged.push(merged[t]);
                for (p, c) in step.next().unwrap_or_default() {
                    history.record(&mut index, p, i, c);
                }
            }
            history.offsets.push(history.deltas.len());
            history.merged_ids.push(index.get(&pair).copied().unwrap_or(ABSENT));
        }
        Ok(history)
    }

    /// Appends a count change, interning its pair.
    fn record(&mut self, index: &mut FxHashMap<Pair, u32>, pair: Pair, category: usize, change: i64) {
        let id = *index.entry(pair).or_insert_with(|| {
            self.pairs.push(pair);
            (self.pairs.len() - 1) as u32
        });
        self.deltas.push(Delta { pair: id, category: category as u32, change });
    }

    /// Number of categories.
    pub fn categories(&self) -> usize {
        self.categories
    }

    /// Number of merge steps replayed.
    pub fn steps(&self) -> usize {
        self.merged_ids.len()
    }

    /// Number of distinct pairs ever counted.
    pub fn num_pairs(&self) -> usize {
        self.pairs.len()
    }

    /// Number of stored count changes (initial counts included): the size of the history.
    pub fn num_deltas(&self) -> usize {
        self.deltas.len()
    }

    /// The pair behind an interned id.
    pub fn pair(&self, id: u32) -> Option<Pair> {
        self.pairs.get(id as usize).copied()
    }

    /// Total pair count of each category before the first merge.
    pub fn totals(&self) -> &[u64] {
        &self.totals
    }

    /// `[t * categories + i]`: count of step t's merged pair in category i just before merge t.
    pub fn merged_counts(&self) -> &[i64] {
        &self.merged
    }

    /// Walks the history with mixture `weights` (one per category, applied to raw counts) and returns, for
    /// each step t, up to `per_step` pairs p ≠ m(t) (most violated first) with
    /// `Σ w_i c_i,p(t) − slack_p > Σ w_i c_i,m(t)(t) + step_slack[t] + tol`. `pair_slack` gives `slack_p` for
    /// some pair ids (others: 0).
    pub fn scan(
        &self,
        weights: &[f64],
        step_slack: &[f64],
        pair_slack: &[(u32, f64)],
        per_step: usize,
        tol: f64,
    ) -> Result<Violations> {
        let n = self.categories;
        if weights.len() != n || step_slack.len() != self.steps() {
            return Err(Error::InvalidArgument(format!(
                "scan needs {n} weights and {} step slacks, got {} and {}",
                self.steps(),
                weights.len(),
                step_slack.len()
            )));
        }
        let num = self.pairs.len();
        let mut slack = vec![0.0f64; num];
        for &(p, s) in pair_slack {
            *slack.get_mut(p as usize).ok_or_else(|| Error::InvalidArgument(format!("no pair id {p}")))? = s;
        }
        let mut counts = vec![0i64; num * n];
        let mut value = vec![0.0f64; num];
        let mut stamp = vec![0u32; num];
        let mut dirty: Vec<u32> = Vec::new();
        let mut heap: BinaryHeap<Key> = BinaryHeap::new();
        let mut out = Violations::default();
        let mut kept: Vec<Key> = Vec::new();
        let key = |value: &[f64], p: u32| value[p as usize] - slack[p as usize];
        for (t, (&m, &slack_t)) in self.merged_ids.iter().zip(step_slack).enumerate() {
            // Counts before step t: apply the initial counts (t = 0) or the changes of merge t - 1.
            crate::interrupt::check()?;
            let round = t as u32 + 1;
            dirty.clear();
            for d in &self.deltas[self.offsets[t]..self.offsets[t + 1]] {
                counts[d.pair as usize * n + d.category as usize] += d.change;
                if stamp[d.pair as usize] != round {
                    stamp[d.pair as usize] = round;
                    dirty.push(d.pair);
                }
            }
            for &p in &dirty {
                let c = &counts[p as usize * n..(p as usize + 1) * n];
                value[p as usize] = c.iter().zip(weights).map(|(&c, &w)| c as f64 * w).sum();
                if value[p as usize] > 0.0 {
                    heap.push(Key { key: key(&value, p), pair: p });
                }
            }
            if heap.len() > 2 * num + 1024 {
                heap = (0..num as u32)
                    .filter(|&p| value[p as usize] > 0.0)
                    .map(|p| Key { key: key(&value, p), pair: p })
                    .collect();
            }
            let merged = &self.merged[t * n..(t + 1) * n];
            let threshold = merged.iter().zip(weights).map(|(&c, &w)| c as f64 * w).sum::<f64>() + slack_t + tol;
            kept.clear();
            let mut found = 0;
            while found < per_step {
                let Some(top) = heap.pop() else { break };
                let p = top.pair;
                if value[p as usize] <= 0.0 || top.key != key(&value, p) || kept.iter().any(|k| k.pair == p) {
                    continue; // stale or a duplicate
                }
                kept.push(top);
                if p == m {
                    continue;
                }
                if top.key <= threshold {
                    break;
                }
                out.steps.push(t as u32);
                out.pairs.push(p);
                out.counts.extend_from_slice(&counts[p as usize * n..(p as usize + 1) * n]);
                found += 1;
            }
            heap.extend(kept.iter().copied());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bpe::rules::TokenRules;
    use crate::model::bpe::trainer::{train, BpeConfig};

    fn model(words: &[(&str, u64)], merges: usize) -> BpeModel {
        let cfg = BpeConfig { vocab_size: 256 + merges, min_frequency: 0, reserved: 0, rules: TokenRules::default() };
        train(&WordCounts::of(words), &cfg, &mut |_, _| {}).unwrap()
    }

    /// Pair counts of category `i` before step `t`, by replaying deltas.
    fn counts_at(h: &History, i: usize, t: usize) -> FxHashMap<Pair, i64> {
        let mut m = FxHashMap::default();
        for d in &h.deltas[..h.offsets[t + 1]] {
            if d.category as usize == i {
                *m.entry(h.pairs[d.pair as usize]).or_insert(0) += d.change;
            }
        }
        m.retain(|_, c| *c != 0);
        m
    }

    #[test]
    fn replay_matches_recounting() {
        let words = [("aaaa", 3), ("abab", 2), ("banana", 5), ("aab", 1)];
        let m = model(&words, 6);
        let c = WordCounts::of(&words);
        let h = History::build(&m, &[&c], 6).unwrap();
        let byte = |b: u8| m.vocab.iter().position(|t| t == &[b]).unwrap() as u32;
        // Recount from scratch: segment every word with the first t merges and count its pairs.
        for t in 0..=6 {
            let mut want: FxHashMap<Pair, i64> = FxHashMap::default();
            for (w, n) in words {
                let mut s: Vec<u32> = w.bytes().map(byte).collect();
                for &(pair, new) in &m.merges[..t] {
                    let mut out = Vec::new();
                    let mut k = 0;
                    while k < s.len() {
                        if k + 1 < s.len() && (s[k], s[k + 1]) == pair {
                            out.push(new);
                            k += 2;
                        } else {
                            out.push(s[k]);
                            k += 1;
                        }
                    }
                    s = out;
                }
                for p in s.windows(2) {
                    *want.entry((p[0], p[1])).or_insert(0) += n as i64;
                }
            }
            assert_eq!(counts_at(&h, 0, t), want, "step {t}");
            if t < 6 {
                assert_eq!(h.merged_counts()[t], want.get(&m.merges[t].0).copied().unwrap_or(0));
            }
        }
        assert_eq!(h.totals(), &[3 * 3 + 2 * 3 + 5 * 5 + 2]);
    }

    #[test]
    fn scan_finds_the_pair_that_beats_the_merge() {
        // The model merges "ab" first; category 1 has far more "cd".
        let m = model(&[("ab", 10), ("cd", 1)], 1);
        let (a, b) = (WordCounts::of(&[("ab", 4), ("cd", 1)]), WordCounts::of(&[("cd", 6)]));
        let h = History::build(&m, &[&a, &b], 1).unwrap();
        // Category 0 alone: "ab" wins, nothing violated.
        assert_eq!(h.scan(&[1.0, 0.0], &[0.0], &[], 5, 1e-9).unwrap(), Violations::default());
        // Equal weights: "cd" (7) beats "ab" (4).
        let v = h.scan(&[1.0, 1.0], &[0.0], &[], 5, 1e-9).unwrap();
        assert_eq!(v.steps, [0]);
        assert_eq!(
            h.pair(v.pairs[0]).map(|(l, r)| (m.vocab[l as usize].clone(), m.vocab[r as usize].clone())),
            Some((b"c".to_vec(), b"d".to_vec()))
        );
        assert_eq!(v.counts, [1, 6]);
        // Enough slack hides it.
        assert!(h.scan(&[1.0, 1.0], &[3.5], &[], 5, 1e-9).unwrap().steps.is_empty());
        assert!(h.scan(&[1.0, 1.0], &[0.0], &[(v.pairs[0], 3.5)], 5, 1e-9).unwrap().steps.is_empty());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let m = model(&[("ab", 3)], 1);
        let c = WordCounts::of(&[("ab", 1)]);
        assert!(History::build(&m, &[&c], 2).is_err());
        assert!(History::build(&m, &[], 1).is_err());
        assert!(History::build(&m, &[&WordCounts::of(&[("a", 5)])], 1).is_err());
        let h = History::build(&m, &[&c], 1).unwrap();
        assert!(h.scan(&[1.0, 2.0], &[0.0], &[], 1, 0.0).is_err());
    }
}
