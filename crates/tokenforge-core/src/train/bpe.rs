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

use rustc_hash::FxHashMap;

use crate::bytes::BYTE_RANK;
use crate::count::WordCounts;
use crate::error::{Error, Result};

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
        BpeModel {
            vocab,
            merges: Vec::new(),
        }
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
        self.count
            .cmp(&other.count)
            .then_with(|| other.pair.cmp(&self.pair))
    }
}

/// Merges every left-to-right occurrence of `pair` in `word` into `new`, reporting pair-count changes
/// of the neighbours (the merged pair itself is not reported, as in `BpeTrainer`).
fn merge_word(word: &mut Vec<u32>, pair: Pair, new: u32, changes: &mut Vec<(Pair, i64)>) {
    let mut i = 0;
    while i + 1 < word.len() {
        if word[i] == pair.0 && word[i + 1] == pair.1 {
            if i > 0 {
                changes.push(((word[i - 1], pair.0), -1));
                changes.push(((word[i - 1], new), 1));
            }
            word[i] = new;
            word.remove(i + 1);
            if i + 1 < word.len() {
                changes.push(((pair.1, word[i + 1]), -1));
                changes.push(((new, word[i + 1]), 1));
            }
        }
        i += 1;
    }
}

/// Learns merges from pre-token counts. `progress(done, total)` is called now and then.
pub fn train(
    counts: &WordCounts,
    cfg: &BpeConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BpeModel> {
    let base = 256 + cfg.reserved;
    if cfg.vocab_size < base {
        return Err(Error::InvalidArgument(format!(
            "vocab size {} is smaller than the 256 bytes plus {} special tokens",
            cfg.vocab_size, cfg.reserved
        )));
    }
    let mut model = BpeModel::bytes_only();
    let mut ids: FxHashMap<Vec<u8>, u32> = model
        .vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();

    let mut words: Vec<Vec<u32>> = Vec::with_capacity(counts.len());
    let mut freqs: Vec<i64> = Vec::with_capacity(counts.len());
    for (piece, n) in counts.iter() {
        words.push(piece.iter().map(|&b| BYTE_RANK[b as usize]).collect());
        freqs.push(n as i64);
    }

    let mut pair_counts: FxHashMap<Pair, i64> = FxHashMap::default();
    let mut where_to: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
    for (i, w) in words.iter().enumerate() {
        for p in w.windows(2) {
            let pair = (p[0], p[1]);
            *pair_counts.entry(pair).or_insert(0) += freqs[i];
            let list = where_to.entry(pair).or_default();
            if list.last() != Some(&(i as u32)) {
                list.push(i as u32);
            }
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
    let total = target - 256;
    let mut changes = Vec::new();
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

        for &w in &top.words {
            changes.clear();
            merge_word(&mut words[w as usize], top.pair, new, &mut changes);
            let f = freqs[w as usize];
            for &(pair, change) in &changes {
                *pair_counts.entry(pair).or_insert(0) += change * f;
                if change > 0 {
                    let list = where_to.entry(pair).or_default();
                    if list.last() != Some(&w) {
                        list.push(w);
                    }
                }
            }
        }
        for (pair, words) in where_to.drain() {
            let count = pair_counts[&pair];
            if count > 0 {
                heap.push(Entry { pair, count, words });
            }
        }
        let done = model.vocab.len() - 256;
        if done % 256 == 0 {
            progress(done, total);
        }
    }
    progress(model.vocab.len() - 256, total);
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, u64)]) -> WordCounts {
        let mut c = WordCounts::default();
        for (w, n) in words {
            c.add(w.as_bytes(), *n);
        }
        c
    }

    fn merged(model: &BpeModel) -> Vec<String> {
        model
            .merges
            .iter()
            .map(|&(_, id)| String::from_utf8_lossy(&model.vocab[id as usize]).into_owned())
            .collect()
    }

    #[test]
    fn most_frequent_pair_first() {
        let c = counts(&[
            ("hug", 10),
            ("pug", 5),
            ("pun", 12),
            ("bun", 4),
            ("hugs", 5),
        ]);
        let cfg = BpeConfig {
            vocab_size: 259,
            min_frequency: 0,
            reserved: 0,
        };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ug", "un", "hug"]);
    }

    #[test]
    fn ties_go_to_the_smaller_pair() {
        // "ab" and "cd" both occur 3 times; (a, b) has the smaller ids.
        let c = counts(&[("cd", 3), ("ab", 3)]);
        let cfg = BpeConfig {
            vocab_size: 257,
            min_frequency: 0,
            reserved: 0,
        };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab"]);
    }

    #[test]
    fn min_frequency_stops_training() {
        let c = counts(&[("ab", 3), ("cd", 1)]);
        let cfg = BpeConfig {
            vocab_size: 300,
            min_frequency: 2,
            reserved: 0,
        };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab"]);
    }

    #[test]
    fn counts_beyond_i32_do_not_overflow() {
        let c = counts(&[("ab", 3_000_000_000), ("cd", 2_000_000_000)]);
        let cfg = BpeConfig {
            vocab_size: 258,
            min_frequency: 0,
            reserved: 0,
        };
        let m = train(&c, &cfg, &mut |_, _| {}).unwrap();
        assert_eq!(merged(&m), ["ab", "cd"]);
    }

    #[test]
    fn too_small_vocab_is_an_error() {
        let cfg = BpeConfig {
            vocab_size: 257,
            min_frequency: 0,
            reserved: 2,
        };
        assert!(train(&WordCounts::default(), &cfg, &mut |_, _| {}).is_err());
    }
}
