//! Byte-level BPE training, merge for merge identical to Hugging Face `tokenizers`' `BpeTrainer`.
//!
//! Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units", on bytes
//! (Radford et al. 2019). The loop here is the one `BpeTrainer` runs, so that the same pre-token
//! counts give the same merges: pairs are counted inside pre-tokens, the most frequent pair is merged
//! (equal counts: the smaller `(left id, right id)` wins), the counts of the neighbouring pairs are
//! updated in the words that held it, and a lazy heap re-checks a popped pair's count before using it.
//! Unlike Hugging Face, counts are 64-bit.
//!
//! A heap entry carries the words in which its pair appeared when it was pushed, and a merge rewrites
//! only those words — as `BpeTrainer` does — which is what makes the two agree even in the rare case
//! of a merge whose token already exists (two merge paths to the same bytes).
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::apply::{apply_merges, Ranks};
use crate::bytes::BYTE_RANK;
use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::train::rules::TokenRules;

/// A pair of token ids, left then right.
pub type Pair = (u32, u32);

/// What to learn.
#[derive(Debug, Clone)]
pub struct BpeConfig {
    /// Final vocabulary size, counting the 256 bytes and `reserved` ids.
    pub vocab_size: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// Ids that belong to special tokens (they count toward `vocab_size`).
    pub reserved: usize,
    /// Limits on the tokens merges may create.
    pub rules: TokenRules,
}

/// A learned byte-level BPE model: `vocab[id]` are the token's bytes (ids 0–255 the bytes in GPT-2
/// order), `merges[rank] = ((left, right), new id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeModel {
    pub vocab: Vec<Vec<u8>>,
    pub merges: Vec<(Pair, u32)>,
}

impl BpeModel {
    /// The 256 single-byte tokens, no merges.
    pub fn bytes_only() -> Self {
        let mut vocab = vec![Vec::new(); 256];
        for b in 0..=255u8 {
            vocab[BYTE_RANK[b as usize] as usize] = vec![b];
        }
        BpeModel { vocab, merges: Vec::new() }
    }

    /// Checks that the model is a byte-level BPE: every byte has a token, every merge joins two tokens into
    /// the token of their concatenation.
    pub fn validate(&self) -> Result<()> {
        let n = self.vocab.len() as u32;
        for b in 0..=255u8 {
            if !self.vocab.iter().any(|t| t.as_slice() == [b]) {
                return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token")));
            }
        }
        for (rank, &((a, b), new)) in self.merges.iter().enumerate() {
            if a >= n || b >= n || new >= n {
                return Err(Error::InvalidModel(format!("merge {rank} names an id outside the vocabulary")));
            }
            let (ta, tb, tn) = (&self.vocab[a as usize], &self.vocab[b as usize], &self.vocab[new as usize]);
            if tn.len() != ta.len() + tb.len() || !tn.starts_with(ta) || !tn.ends_with(tb) {
                return Err(Error::InvalidModel(format!("merge {rank} does not concatenate its parts")));
            }
        }
        Ok(())
    }

    /// Splits `piece` into this model's tokens by applying its merges in rank order (the replay that
    /// continued training starts from).
    fn segment(&self, piece: &[u8], byte_ids: &[u32; 256], ranks: &Ranks) -> Vec<u32> {
        let mut syms: Vec<u32> = piece.iter().map(|&b| byte_ids[b as usize]).collect();
        apply_merges(ranks, &mut syms);
        syms
    }
}

struct Entry {
    pair: Pair,
    count: i64,
    words: Vec<u32>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Highest count first; among equal counts the smallest pair.
    fn cmp(&self, other: &Self) -> Ordering {
        self.count.cmp(&other.count).then_with(|| other.pair.cmp(&self.pair))
    }
}

/// Marks a removed position.
pub(crate) const DEAD: u32 = u32::MAX;

/// Every distinct pre-token laid out in one array of symbols, linked so that a merge is O(1) where it
/// happens: a merge visits only the positions where its pair occurs, never whole words. That is what keeps
/// long pre-tokens (SuperBPE stage 2, executables) fast.
pub(crate) struct Symbols {
    /// Token id at each position (`DEAD` once merged into its left neighbour).
    pub(crate) sym: Vec<u32>,
    /// Next live position in the same word, or `DEAD`.
    pub(crate) next: Vec<u32>,
    /// Previous live position in the same word, or `DEAD`.
    prev: Vec<u32>,
    /// Word that each position belongs to.
    pub(crate) word: Vec<u32>,
}

impl Symbols {
    pub(crate) fn new(words: &[Vec<u32>]) -> Self {
        let total: usize = words.iter().map(Vec::len).sum();
        let mut s = Symbols {
            sym: Vec::with_capacity(total),
            next: Vec::with_capacity(total),
            prev: Vec::with_capacity(total),
            word: Vec::with_capacity(total),
        };
        for (w, ids) in words.iter().enumerate() {
            let base = s.sym.len() as u32;
            for (k, &id) in ids.iter().enumerate() {
                let k = k as u32;
                s.sym.push(id);
                s.prev.push(if k == 0 { DEAD } else { base + k - 1 });
                s.next.push(if k as usize + 1 == ids.len() { DEAD } else { base + k + 1 });
                s.word.push(w as u32);
            }
        }
        s
    }

    /// True when `pair` starts at position `i`.
    pub(crate) fn holds(&self, i: u32, pair: Pair) -> bool {
        let j = self.next[i as usize];
        self.sym[i as usize] == pair.0 && j != DEAD && self.sym[j as usize] == pair.1
    }

    /// Merges the pair starting at `i` into `new`, reporting the neighbours' pair changes as `BpeTrainer`'s
    /// `Word::merge` does (the merged pair itself is not reported), with the position where each new pair
    /// starts.
    pub(crate) fn merge_at(&mut self, i: u32, new: u32, changes: &mut Vec<(Pair, i64, u32)>) {
        let (iu, j) = (i as usize, self.next[i as usize]);
        let (a, b) = (self.sym[iu], self.sym[j as usize]);
        let p = self.prev[iu];
        if p != DEAD {
            let left = self.sym[p as usize];
            changes.push(((left, a), -1, p));
            changes.push(((left, new), 1, p));
        }
        let n = self.next[j as usize];
        self.sym[iu] = new;
        self.next[iu] = n;
        self.sym[j as usize] = DEAD;
        if n != DEAD {
            self.prev[n as usize] = i;
            let right = self.sym[n as usize];
            changes.push(((b, right), -1, i));
            changes.push(((new, right), 1, i));
        }
    }
}

/// Learns merges from pre-token counts, starting from the 256 bytes. `progress(done, total)` is called
/// now and then.
pub fn train(counts: &WordCounts, cfg: &BpeConfig, progress: &mut dyn FnMut(usize, usize)) -> Result<BpeModel> {
    train_from(BpeModel::bytes_only(), counts, cfg, progress)
}

/// Continues training `base` (its merges are kept verbatim and replayed on every pre-token first): new
/// merges get ids after `base`'s vocabulary, until it holds `cfg.vocab_size - cfg.reserved` tokens.
///
/// The loop is `BpeTrainer`'s: a heap entry is pushed for a pair when it first appears (and again whenever
/// a merge adds to it), carrying the words where it was added; a popped entry whose count is stale is
/// re-pushed with the current count; a current one is merged in its words. The merged pair's own count is
/// left as it was, as `BpeTrainer` leaves it. Positions replace words as the unit of work.
pub fn train_from(
    base: BpeModel,
    counts: &WordCounts,
    cfg: &BpeConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BpeModel> {
    base.validate()?;
    let start = base.vocab.len();
    if cfg.vocab_size < start + cfg.reserved {
        return Err(Error::InvalidArgument(format!(
            "vocab size {} is smaller than the {} tokens it starts from plus {} special tokens",
            cfg.vocab_size, start, cfg.reserved
        )));
    }
    let mut model = base;
    let mut ids: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
    for (i, t) in model.vocab.iter().enumerate() {
        ids.entry(t.clone()).or_insert(i as u32);
    }
    let mut byte_ids = [0u32; 256];
    for b in 0..=255u8 {
        byte_ids[b as usize] = ids[&vec![b]];
    }
    let mut ranks: Ranks = FxHashMap::default();
    for (r, &(pair, new)) in model.merges.iter().enumerate() {
        ranks.entry(pair).or_insert((r as u32, new));
    }

    let entries: Vec<(&[u8], u64)> = counts.iter().collect();
    let freqs: Vec<i64> = entries.iter().map(|&(_, n)| n as i64).collect();
    // Replaying a base model's merges on every pre-token is independent work: all cores.
    let words: Vec<Vec<u32>> = entries
        .par_iter()
        .map(|&(piece, _)| {
            if ranks.is_empty() {
                piece.iter().map(|&b| byte_ids[b as usize]).collect()
            } else {
                model.segment(piece, &byte_ids, &ranks)
            }
        })
        .collect();
    drop(entries);
    let mut syms = Symbols::new(&words);
    drop(words);

    let mut pair_counts: FxHashMap<Pair, i64> = FxHashMap::default();
    // Where each pair was seen to start (stale positions are skipped when the pair is merged).
    let mut occurrences: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
    // Words where each pair was added since the last push (the next heap entry's words).
    let mut where_to: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
    for i in 0..syms.sym.len() as u32 {
        let j = syms.next[i as usize];
        if j == DEAD {
            continue;
        }
        let pair = (syms.sym[i as usize], syms.sym[j as usize]);
        let w = syms.word[i as usize];
        *pair_counts.entry(pair).or_insert(0) += freqs[w as usize];
        occurrences.entry(pair).or_default().push(i);
        let list = where_to.entry(pair).or_default();
        if list.last() != Some(&w) {
            list.push(w);
        }
    }
    let mut heap: BinaryHeap<Entry> = where_to
        .drain()
        .filter_map(|(pair, words)| {
            let count = pair_counts[&pair];
            (count > 0).then_some(Entry { pair, count, words })
        })
        .collect();

    let target = cfg.vocab_size - cfg.reserved;
    let total = target - start;
    let mut changes = Vec::new();
    // Pairs whose token breaks a rule: never merged, never pushed again.
    let mut banned: rustc_hash::FxHashSet<Pair> = Default::default();
    // Marks the words of the entry being merged.
    let mut stamp = vec![0u32; freqs.len()];
    let mut round = 0u32;
    while model.vocab.len() < target {
        let Some(mut top) = heap.pop() else { break };
        let actual = pair_counts[&top.pair];
        if top.count != actual {
            top.count = actual;
            heap.push(top);
            continue;
        }
        if top.count < 1 || (top.count as u64) < cfg.min_frequency {
            break;
        }
        let mut token = model.vocab[top.pair.0 as usize].clone();
        token.extend_from_slice(&model.vocab[top.pair.1 as usize]);
        if !cfg.rules.allows(&token) {
            banned.insert(top.pair);
            continue;
        }
        let new = match ids.get(&token) {
            Some(&id) => id,
            None => {
                let id = model.vocab.len() as u32;
                ids.insert(token.clone(), id);
                model.vocab.push(token);
                id
            }
        };
        model.merges.push((top.pair, new));

        // The entry's words get merged; live occurrences elsewhere wait for a later entry.
        round += 1;
        for &w in &top.words {
            stamp[w as usize] = round;
        }
        let mut here = occurrences.remove(&top.pair).unwrap_or_default();
        let mut later = Vec::new();
        here.retain(|&i| {
            if !syms.holds(i, top.pair) {
                false
            } else if stamp[syms.word[i as usize] as usize] == round {
                true
            } else {
                later.push(i);
                false
            }
        });
        if !later.is_empty() {
            occurrences.insert(top.pair, later);
        }
        // Left to right, so overlapping occurrences ("aaa") merge as in a scan of the word.
        here.sort_unstable();
        changes.clear();
        for &i in &here {
            if syms.holds(i, top.pair) {
                syms.merge_at(i, new, &mut changes);
            }
        }
        for &(pair, change, at) in &changes {
            let w = syms.word[at as usize];
            *pair_counts.entry(pair).or_insert(0) += change * freqs[w as usize];
            if change > 0 {
                occurrences.entry(pair).or_default().push(at);
                let list = where_to.entry(pair).or_default();
                if list.last() != Some(&w) {
                    list.push(w);
                }
            }
        }
        for (pair, mut words) in where_to.drain() {
            let count = pair_counts[&pair];
            if count > 0 && !banned.contains(&pair) {
                words.sort_unstable();
                words.dedup();
                heap.push(Entry { pair, count, words });
            }
        }
        let done = model.vocab.len() - start;
        if done.is_multiple_of(256) {
            progress(done, total);
        }
    }
    progress(model.vocab.len() - start, total);
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(model: &BpeModel) -> Vec<String> {
        model.merges.iter().map(|&(_, id)| String::from_utf8_lossy(&model.vocab[id as usize]).into_owned()).collect()
    }

    #[test]
    fn most_frequent_pair_first() {
        let c = WordCounts::of(&[("hug", 10), ("pug", 5), ("pun", 12), ("bun", 4), ("hugs", 5)]);
        let cfg = BpeConfig { vocab_size: 259, min_frequency: 0, reserved: 0, rules: TokenRules::default() };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ug", "un", "hug"]);
    }

    #[test]
    fn ties_go_to_the_smaller_pair() {
        // "ab" and "cd" both occur 3 times; (a, b) has the smaller ids.
        let c = WordCounts::of(&[("cd", 3), ("ab", 3)]);
        let cfg = BpeConfig { vocab_size: 257, min_frequency: 0, reserved: 0, rules: TokenRules::default() };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab"]);
    }

    #[test]
    fn min_frequency_stops_training() {
        let c = WordCounts::of(&[("ab", 3), ("cd", 1)]);
        let cfg = BpeConfig { vocab_size: 300, min_frequency: 2, reserved: 0, rules: TokenRules::default() };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab"]);
    }

    #[test]
    fn counts_beyond_i32_do_not_overflow() {
        let c = WordCounts::of(&[("ab", 3_000_000_000), ("cd", 2_000_000_000)]);
        let cfg = BpeConfig { vocab_size: 258, min_frequency: 0, reserved: 0, rules: TokenRules::default() };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab", "cd"]);
    }

    #[test]
    fn rules_skip_tokens_and_training_goes_on() {
        let c = WordCounts::of(&[("abcabc", 10), ("xy", 3)]);
        let rules = TokenRules { max_bytes: Some(2), ..Default::default() };
        let cfg = BpeConfig { vocab_size: 300, min_frequency: 0, reserved: 0, rules };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert!(m.vocab.iter().all(|t| t.len() <= 2));
        assert!(merged(&m).contains(&"xy".to_string()));
    }

    #[test]
    fn continued_training_keeps_the_base_merges() {
        let c = WordCounts::of(&[("hug", 10), ("pug", 5), ("pun", 12), ("bun", 4), ("hugs", 5)]);
        let cfg = |vocab_size| BpeConfig { vocab_size, min_frequency: 0, reserved: 0, rules: TokenRules::default() };
        let full = train(&c, &cfg(262), &mut |_, _| {}).unwrap();
        let half = train(&c, &cfg(259), &mut |_, _| {}).unwrap();
        let resumed = train_from(half.clone(), &c, &cfg(262), &mut |_, _| {}).unwrap();
        assert_eq!(resumed.merges[..half.merges.len()], half.merges[..]);
        assert_eq!(resumed, full);
    }

    #[test]
    fn too_small_vocab_is_an_error() {
        let cfg = BpeConfig { vocab_size: 257, min_frequency: 0, reserved: 2, rules: TokenRules::default() };
        assert!(train(&WordCounts::default(), &cfg, &mut |_, _| {}).is_err());
    }
}
