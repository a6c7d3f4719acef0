//! Byte-level BPE training, merge for merge identical to Hugging Face `tokenizers`' `BpeTrainer`.
//!
//! Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units", on bytes
//! (Radford et al. 2019). The loop here is the one `BpeTrainer` runs, so that the same pre-token
//! counts give the same merges: pairs are counted inside pre-tokens, the most frequent pair is merged
//! (equal counts: the smaller `(left id, right id)` wins), the counts of the neighbouring pairs are
//! updated in the words that held it, and a lazy heap re-checks a popped pair's count before using it.
//! Unlike Hugging Face, counts are 64-bit.
//!
//! `BpeTrainer` gives a heap entry the words where its pair was added since the pair's previous push, and
//! a merge rewrites only those words. Here a pair has at most one entry at a time and a merge rewrites all
//! its live occurrences. The two agree as long as no pair gains occurrences while it has an entry, and a
//! pair gains only in the merge that creates one of its tokens: it would take a merge that re-creates an
//! existing token with neighbours it already had, which merging from bytes never does (a token's bytes are
//! either that token or covered by a token that reaches beyond them, and merges only coarsen), nor does a
//! replayed base (its segmentation of a span is the segmentation of the span alone, unless a neighbour takes
//! a byte of it). Random continued trainings from scrambled merge lists agree with the word-list version.
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::model::bpe::replay::Replay;
use crate::model::bpe::rules::TokenRules;
use crate::model::bpe::{BpeModel, Pair};

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

struct Entry {
    pair: Pair,
    count: i64,
    /// The pair's id in the [`PairTable`] (not part of the order).
    id: u32,
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
        Self::from_words(words.iter().map(|w| w.iter().copied()))
    }

    /// Lays out words given as sequences of token ids.
    pub(crate) fn from_words<W: ExactSizeIterator<Item = u32>>(words: impl Iterator<Item = W> + Clone) -> Self {
        let total: usize = words.clone().map(|w| w.len()).sum();
        let mut s = Symbols {
            sym: Vec::with_capacity(total),
            next: Vec::with_capacity(total),
            prev: Vec::with_capacity(total),
            word: Vec::with_capacity(total),
        };
        for (w, ids) in words.enumerate() {
            let (base, n) = (s.sym.len() as u32, ids.len() as u32);
            for (k, id) in (0..n).zip(ids) {
                s.sym.push(id);
                s.prev.push(if k == 0 { DEAD } else { base + k - 1 });
                s.next.push(if k + 1 == n { DEAD } else { base + k + 1 });
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

    /// Joins the pair starting at `i` into `new`: position `i` takes the token and its right neighbour dies.
    /// Returns the previous live position, the dead one and the next live one (`DEAD` where there is none).
    pub(crate) fn join(&mut self, i: u32, new: u32) -> (u32, u32, u32) {
        let (iu, j) = (i as usize, self.next[i as usize]);
        let (p, n) = (self.prev[iu], self.next[j as usize]);
        self.sym[iu] = new;
        self.next[iu] = n;
        self.sym[j as usize] = DEAD;
        if n != DEAD {
            self.prev[n as usize] = i;
        }
        (p, j, n)
    }

    /// Merges the pair starting at `i` into `new`, reporting the neighbours' pair changes as `BpeTrainer`'s
    /// `Word::merge` does (the merged pair itself is not reported), with the position where each new pair
    /// starts.
    pub(crate) fn merge_at(&mut self, i: u32, new: u32, changes: &mut Vec<(Pair, i64, u32)>) {
        let (a, b) = (self.sym[i as usize], self.sym[self.next[i as usize] as usize]);
        let (p, _, n) = self.join(i, new);
        if p != DEAD {
            let left = self.sym[p as usize];
            changes.push(((left, a), -1, p));
            changes.push(((left, new), 1, p));
        }
        if n != DEAD {
            let right = self.sym[n as usize];
            changes.push(((b, right), -1, i));
            changes.push(((new, right), 1, i));
        }
    }
}

/// Every pair seen so far, by id: its count, the positions where it was seen to start (stale ones are skipped
/// when it is merged), whether it has a heap entry.
#[derive(Default)]
struct PairTable {
    ids: FxHashMap<Pair, u32>,
    pair: Vec<Pair>,
    count: Vec<i64>,
    /// Where the pairs present at the start start, grouped by pair (`first[id]` is the pair's range).
    initial: Vec<u32>,
    first: Vec<(u32, u32)>,
    /// Where each pair was seen to start since (gains of merges); most pairs that merges create occur a few
    /// times, held inline.
    at: Vec<SmallVec<[u32; 4]>>,
    /// The pair has an entry in the heap.
    queued: Vec<bool>,
    /// The pair's token breaks a rule: never merged, never pushed again.
    banned: Vec<bool>,
    /// Id of the pair starting at each position (`DEAD` where none does).
    start: Vec<u32>,
    /// Count of each word.
    freqs: Vec<i64>,
    /// Pairs that gained occurrences in this merge and have no entry.
    dirty: Vec<u32>,
}

impl PairTable {
    fn id(&mut self, pair: Pair) -> u32 {
        let next = self.count.len() as u32;
        let id = *self.ids.entry(pair).or_insert(next);
        if id == next {
            self.pair.push(pair);
            self.count.push(0);
            self.at.push(SmallVec::new());
            self.queued.push(false);
            self.banned.push(false);
        }
        id
    }

    /// The table of the pairs in `syms` at the start, and the heap entry of each pair.
    fn new(syms: &Symbols, freqs: Vec<i64>) -> (Self, Vec<Entry>) {
        let mut table = PairTable::default();
        table.ids.reserve(syms.sym.len() / 8);
        // Pass 1: an id per pair and how often it starts somewhere; pass 2 groups the positions by pair.
        let mut ids = vec![DEAD; syms.sym.len()];
        let mut seen: Vec<u32> = Vec::new();
        for (i, id_at) in ids.iter_mut().enumerate() {
            let j = syms.next[i];
            if j != DEAD {
                let id = table.id((syms.sym[i], syms.sym[j as usize]));
                if id as usize == seen.len() {
                    seen.push(0);
                }
                seen[id as usize] += 1;
                *id_at = id;
            }
        }
        let mut end = 0u32;
        for &n in &seen {
            table.first.push((end, end + n));
            end += n;
        }
        table.initial = vec![0; end as usize];
        let mut fill: Vec<u32> = table.first.iter().map(|&(b, _)| b).collect();
        for (i, &id) in ids.iter().enumerate() {
            if id != DEAD {
                table.count[id as usize] += freqs[syms.word[i] as usize];
                table.initial[fill[id as usize] as usize] = i as u32;
                fill[id as usize] += 1;
            }
        }
        table.queued.fill(true);
        let entries =
            (0..seen.len()).map(|id| Entry { pair: table.pair[id], count: table.count[id], id: id as u32 }).collect();
        table.start = ids;
        table.freqs = freqs;
        (table, entries)
    }

    /// `f` more occurrences of pair `id`, starting at position `at`.
    fn gain(&mut self, id: u32, f: i64, at: u32) {
        let i = id as usize;
        self.count[i] += f;
        self.at[i].push(at);
        self.start[at as usize] = id;
        if !self.queued[i] {
            self.queued[i] = true;
            self.dirty.push(id);
        }
    }

    /// Pushes an entry for every pair that gained in this merge and had none (unless its token is banned).
    fn push_gains(&mut self, heap: &mut BinaryHeap<Entry>) {
        for id in self.dirty.drain(..) {
            let i = id as usize;
            if self.banned[i] {
                self.queued[i] = false;
            } else {
                heap.push(Entry { pair: self.pair[i], count: self.count[i], id });
            }
        }
    }

    /// The live positions of pair `id`, in order (overlapping occurrences such as "aaa" then merge as a scan of
    /// the word would).
    fn take_positions(&mut self, id: u32, syms: &Symbols) -> Vec<u32> {
        let mut here = std::mem::take(&mut self.at[id as usize]).into_vec();
        if let Some(range) = self.first.get_mut(id as usize) {
            here.extend_from_slice(&self.initial[range.0 as usize..range.1 as usize]);
            *range = (0, 0);
        }
        let pair = self.pair[id as usize];
        here.retain(|&p| syms.holds(p, pair));
        here.sort_unstable();
        here
    }

    /// Merges the pair starting at `i` into `new` in `syms` (word frequency `f`), updating the counts of the
    /// neighbouring pairs as `BpeTrainer`'s `Word::merge` does: the merged pair's own count is not changed.
    /// `fresh` caches the ids of the pairs that hold `new` (left or right neighbour → id) within one merge.
    fn merge_at(&mut self, syms: &mut Symbols, i: u32, new: u32, fresh: &mut [FxHashMap<u32, u32>; 2]) {
        let f = self.freqs[syms.word[i as usize] as usize];
        let (p, j, n) = syms.join(i, new);
        if p != DEAD {
            let left = syms.sym[p as usize];
            self.count[self.start[p as usize] as usize] -= f;
            let id = match fresh[0].get(&left) {
                Some(&id) => id,
                None => *fresh[0].entry(left).or_insert_with(|| self.id((left, new))),
            };
            self.gain(id, f, p);
        }
        if n != DEAD {
            self.count[self.start[j as usize] as usize] -= f;
            let right = syms.sym[n as usize];
            let id = match fresh[1].get(&right) {
                Some(&id) => id,
                None => *fresh[1].entry(right).or_insert_with(|| self.id((new, right))),
            };
            self.gain(id, f, i);
        } else {
            self.start[i as usize] = DEAD;
        }
        self.start[j as usize] = DEAD;
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
/// The loop is `BpeTrainer`'s: a pair gets a heap entry when it first appears (and again when a merge adds to
/// it after its entry was used); a popped entry whose count is stale is re-pushed with the current count; a
/// current one is merged wherever the pair occurs. The merged pair's own count is left as it was, as
/// `BpeTrainer` leaves it. Positions replace words as the unit of work.
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
    let model = base;
    let mut byte_ids = [u32::MAX; 256];
    for (i, t) in model.vocab.iter().enumerate() {
        if let [b] = t[..] {
            if byte_ids[b as usize] == u32::MAX {
                byte_ids[b as usize] = i as u32;
            }
        }
    }
    let (pieces, freqs): (Vec<&[u8]>, Vec<i64>) = counts.iter().map(|(piece, n)| (piece, n as i64)).unzip();
    let syms = if model.merges.is_empty() {
        Symbols::from_words(pieces.iter().map(|piece| piece.iter().map(|&b| byte_ids[b as usize])))
    } else {
        let segmented = Replay::new(&model, byte_ids).segment_all(&pieces);
        Symbols::from_words((0..pieces.len()).map(|i| segmented.piece(i).iter().copied()))
    };
    drop(pieces);
    merge_loop(model, syms, freqs, cfg.vocab_size - cfg.reserved, cfg, None, progress)
}

/// Where a merge is chosen: the loop of `BpeTrainer` over words laid out as `syms` (word `w` seen `freqs[w]`
/// times), adding merges to `model` until its vocabulary holds `target` tokens. With a continuing-subword
/// `prefix` (WordPiece), a merged token drops the prefix of its right part, as `BpeTrainer` does.
pub(crate) fn merge_loop(
    mut model: BpeModel,
    mut syms: Symbols,
    freqs: Vec<i64>,
    target: usize,
    cfg: &BpeConfig,
    prefix: Option<&[u8]>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BpeModel> {
    let start = model.vocab.len();
    let mut ids: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
    for (i, t) in model.vocab.iter().enumerate() {
        ids.entry(t.clone()).or_insert(i as u32);
    }
    let (mut pairs, entries) = PairTable::new(&syms, freqs);
    let mut heap = BinaryHeap::from(entries);
    let mut fresh: [FxHashMap<u32, u32>; 2] = Default::default();
    let total = target.saturating_sub(start);
    while model.vocab.len() < target {
        crate::interrupt::check()?;
        let Some(mut top) = heap.pop() else { break };
        let id = top.id as usize;
        let actual = pairs.count[id];
        if top.count != actual {
            top.count = actual;
            heap.push(top);
            continue;
        }
        pairs.queued[id] = false;
        if top.count < 1 || (top.count as u64) < cfg.min_frequency {
            break;
        }
        let mut token = model.vocab[top.pair.0 as usize].clone();
        let right = &model.vocab[top.pair.1 as usize];
        token.extend_from_slice(match prefix {
            Some(p) => right.strip_prefix(p).unwrap_or(right),
            None => right,
        });
        if !cfg.rules.allows(&token) {
            pairs.banned[id] = true;
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

        let here = pairs.take_positions(top.id, &syms);
        fresh[0].clear();
        fresh[1].clear();
        for &i in &here {
            if syms.holds(i, top.pair) {
                pairs.merge_at(&mut syms, i, new, &mut fresh);
            }
        }
        pairs.push_gains(&mut heap);
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
