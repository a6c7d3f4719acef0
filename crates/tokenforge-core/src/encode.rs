//! Encoding and decoding with an ordered merge list.
//!
//! Semantics are tiktoken's (and Hugging Face's BPE with `ignore_merges`): a pre-token that is itself a
//! token is emitted whole; otherwise its bytes are merged pair by pair, always the adjacent pair with the
//! lowest merge rank (leftmost among equals). Short pieces use a quadratic scan (fast for the usual
//! < 64 bytes); long ones a heap over a linked list, so a megabyte-long piece stays O(n log n).
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::pretokenize::Pretokenizer;
use crate::train::bpe::Pair;

const NO_ID: u32 = u32::MAX;
/// Pieces up to this many bytes use the quadratic merge scan.
const SHORT_PIECE: usize = 64;

/// A byte-level BPE encoder: vocabulary, merges and pre-tokenizer.
pub struct Encoder {
    vocab: Vec<Vec<u8>>,
    ids: FxHashMap<Vec<u8>, u32>,
    byte_ids: [u32; 256],
    merges: FxHashMap<Pair, (u32, u32)>,
    pre: Pretokenizer,
    ignore_merges: bool,
    /// Special tokens, matched in raw text before pre-tokenization when allowed: `(text, id)`.
    specials: Vec<(String, u32)>,
    /// Added (non-special) tokens, always matched before pre-tokenization (Hugging Face semantics).
    added: Vec<(String, u32)>,
    /// Matches the added tokens alone.
    ordinary: SpecialMatcher,
}

impl Encoder {
    /// Builds an encoder. `vocab[id]` are token bytes (specials included, as their UTF-8), `merges[rank]`
    /// the pair and the id it makes. `specials` lists the ids of special tokens (matched only when
    /// allowed), `added` those of added tokens (always matched, as Hugging Face's non-special added tokens).
    pub fn new(
        vocab: Vec<Vec<u8>>,
        merges: &[(Pair, u32)],
        pre: Pretokenizer,
        specials: &[u32],
        added: &[u32],
        ignore_merges: bool,
    ) -> Result<Self> {
        let n = vocab.len() as u32;
        let mut byte_ids = [NO_ID; 256];
        let mut ids = FxHashMap::default();
        let is_special: rustc_hash::FxHashSet<u32> = specials.iter().chain(added).copied().collect();
        for (id, tok) in vocab.iter().enumerate() {
            if is_special.contains(&(id as u32)) {
                continue;
            }
            if tok.len() == 1 && byte_ids[tok[0] as usize] == NO_ID {
                byte_ids[tok[0] as usize] = id as u32;
            }
            ids.entry(tok.clone()).or_insert(id as u32);
        }
        let mut table = FxHashMap::default();
        for (rank, &((a, b), new)) in merges.iter().enumerate() {
            if a >= n || b >= n || new >= n {
                return Err(Error::InvalidModel(format!("merge {rank} uses an id outside the vocabulary")));
            }
            table.entry((a, b)).or_insert((rank as u32, new));
        }
        let as_text = |list: &[u32]| -> Result<Vec<(String, u32)>> {
            list.iter()
                .map(|&s| {
                    let tok = vocab.get(s as usize).ok_or(Error::UnknownId(s))?;
                    let text = String::from_utf8(tok.clone())
                        .map_err(|_| Error::InvalidModel(format!("added token {s} is not UTF-8")))?;
                    if text.is_empty() {
                        return Err(Error::InvalidModel(format!("added token {s} is empty")));
                    }
                    Ok((text, s))
                })
                .collect()
        };
        let specials = as_text(specials)?;
        let added = as_text(added)?;
        let ordinary = SpecialMatcher::new(added.iter())?;
        Ok(Encoder { vocab, ids, byte_ids, merges: table, pre, ignore_merges, specials, added, ordinary })
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The bytes of token `id`.
    pub fn token_bytes(&self, id: u32) -> Result<&[u8]> {
        self.vocab.get(id as usize).map(|v| v.as_slice()).ok_or(Error::UnknownId(id))
    }

    /// The id of a (non-special) token's bytes.
    pub fn token_id(&self, bytes: &[u8]) -> Option<u32> {
        self.ids.get(bytes).copied()
    }

    /// The pre-tokenizer.
    pub fn pretokenizer(&self) -> &Pretokenizer {
        &self.pre
    }

    /// Encodes text, special-token strings included as plain text (added tokens are still matched).
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        self.encode(text, &self.ordinary)
    }

    /// Encodes arbitrary bytes, no special or added tokens (exact round trip through [`decode`](Self::decode)).
    pub fn encode_bytes(&self, data: &[u8]) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(data.len() / 3);
        self.encode_into(data, &mut out)?;
        Ok(out)
    }

    /// Encodes text, mapping the tokens `allowed` matches (see [`special_matcher`](Self::special_matcher)).
    pub fn encode(&self, text: &str, allowed: &SpecialMatcher) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        let Some(ac) = &allowed.ac else {
            self.encode_text_into(text, &mut out)?;
            return Ok(out);
        };
        let mut last = 0;
        for m in ac.find_iter(text) {
            self.encode_text_into(&text[last..m.start()], &mut out)?;
            out.push(allowed.ids[m.pattern().as_usize()]);
            last = m.end();
        }
        self.encode_text_into(&text[last..], &mut out)?;
        Ok(out)
    }

    /// A matcher for the added tokens and the special tokens in `names` (`None`: all of them).
    pub fn special_matcher(&self, names: Option<&[String]>) -> Result<SpecialMatcher> {
        let chosen: Vec<&(String, u32)> = match names {
            None => self.specials.iter().collect(),
            Some(names) => {
                let mut v = Vec::new();
                for n in names {
                    let s = self.specials.iter().find(|(t, _)| t == n).ok_or_else(|| {
                        Error::InvalidArgument(format!("{n:?} is not a special token of this tokenizer"))
                    })?;
                    v.push(s);
                }
                v
            }
        };
        SpecialMatcher::new(chosen.into_iter().chain(&self.added))
    }

    /// Encodes many texts on all cores.
    pub fn encode_batch(&self, texts: &[&str], allowed: &SpecialMatcher) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t, allowed)).collect()
    }

    /// The bytes behind `ids`.
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            out.extend_from_slice(self.token_bytes(id)?);
        }
        Ok(out)
    }

    /// Text is already UTF-8: split it as such, without re-validating it.
    fn encode_text_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut pieces = Vec::with_capacity(text.len() / 4 + 1);
        self.pre.split(text, &mut pieces)?;
        for piece in pieces {
            self.encode_piece(piece.as_bytes(), out)?;
        }
        Ok(())
    }

    fn encode_into(&self, data: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let mut pieces = Vec::new();
        self.pre.split_bytes(data, &mut pieces)?;
        for piece in pieces {
            self.encode_piece(piece, out)?;
        }
        Ok(())
    }

    /// BPE on one pre-token.
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        if self.ignore_merges {
            if let Some(&id) = self.ids.get(piece) {
                out.push(id);
                return Ok(());
            }
        }
        let mut syms = Vec::with_capacity(piece.len());
        for &b in piece {
            let id = self.byte_ids[b as usize];
            if id == NO_ID {
                return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token in this vocabulary")));
            }
            syms.push(id);
        }
        if syms.len() <= SHORT_PIECE {
            self.merge_short(&mut syms);
            out.extend_from_slice(&syms);
        } else {
            self.merge_long(&syms, out);
        }
        Ok(())
    }

    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&(a, b)).copied()
    }

    /// Repeatedly merges the lowest-ranked adjacent pair (leftmost among equals).
    fn merge_short(&self, syms: &mut Vec<u32>) {
        loop {
            let mut best: Option<(u32, usize, u32)> = None;
            for i in 0..syms.len().saturating_sub(1) {
                if let Some((r, new)) = self.rank(syms[i], syms[i + 1]) {
                    if best.is_none_or(|(br, _, _)| r < br) {
                        best = Some((r, i, new));
                    }
                }
            }
            let Some((_, i, new)) = best else { return };
            syms[i] = new;
            syms.remove(i + 1);
        }
    }

    /// The same merge order for a long piece: the positions of each rank wait in a bucket, and buckets are
    /// taken lowest rank first, each in increasing position. A merge only makes pairs that hold its new token,
    /// whose ranks come later when merges are in training order, so a bucket is complete when its turn comes and
    /// usually already sorted: runs such as a megabyte of one character cost linear time. A merge list where a
    /// new pair ranks earlier (possible in an imported file) falls back to [`merge_heap`](Self::merge_heap).
    fn merge_long(&self, syms: &[u32], out: &mut Vec<u32>) {
        let n = syms.len();
        let mut list = Linked::new(syms);
        let mut buckets: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let mut ranks = BinaryHeap::new();
        let push = |buckets: &mut FxHashMap<u32, Vec<u32>>, ranks: &mut BinaryHeap<Reverse<u32>>, r, i| {
            let bucket = buckets.entry(r).or_default();
            if bucket.is_empty() {
                ranks.push(Reverse(r));
            }
            bucket.push(i);
        };
        for i in 0..n - 1 {
            if let Some((r, _)) = self.rank(syms[i], syms[i + 1]) {
                push(&mut buckets, &mut ranks, r, i as u32);
            }
        }
        while let Some(Reverse(r)) = ranks.pop() {
            let mut positions = buckets.remove(&r).unwrap_or_default();
            if !positions.is_sorted() {
                positions.sort_unstable();
            }
            for &i in &positions {
                let Some((a, b)) = list.pair_at(i as usize) else { continue };
                let Some((rank, new)) = self.rank(a, b) else { continue };
                if rank != r {
                    continue;
                }
                let (left, right) = list.merge(i as usize, new);
                for (at, pair) in [left, right].into_iter().flatten() {
                    if let Some((r2, _)) = self.rank(pair.0, pair.1) {
                        if r2 <= r {
                            return self.merge_heap(syms, out);
                        }
                        push(&mut buckets, &mut ranks, r2, at as u32);
                    }
                }
            }
        }
        list.emit(out);
    }

    /// The merge order with a heap of `(rank, position)`: any merge list, O(n log n).
    fn merge_heap(&self, syms: &[u32], out: &mut Vec<u32>) {
        let mut list = Linked::new(syms);
        let mut heap = BinaryHeap::new();
        for i in 0..syms.len() - 1 {
            if let Some((r, _)) = self.rank(syms[i], syms[i + 1]) {
                heap.push(Reverse(((r as u64) << 32) | i as u64));
            }
        }
        while let Some(Reverse(key)) = heap.pop() {
            let (r, i) = ((key >> 32) as u32, (key & 0xFFFF_FFFF) as usize);
            let Some((a, b)) = list.pair_at(i) else { continue };
            match self.rank(a, b) {
                Some((rank, new)) if rank == r => {
                    let (left, right) = list.merge(i, new);
                    for (at, pair) in [left, right].into_iter().flatten() {
                        if let Some((r2, _)) = self.rank(pair.0, pair.1) {
                            heap.push(Reverse(((r2 as u64) << 32) | at as u64));
                        }
                    }
                }
                _ => continue,
            }
        }
        list.emit(out);
    }
}

/// A pair a merge formed, with the position where it starts.
type Formed = Option<(usize, Pair)>;

/// The symbols of one piece as a linked list, for the long-piece merge loops.
struct Linked {
    id: Vec<u32>,
    next: Vec<usize>,
    prev: Vec<usize>,
    alive: Vec<bool>,
}

impl Linked {
    fn new(syms: &[u32]) -> Self {
        let n = syms.len();
        Linked {
            id: syms.to_vec(),
            next: (1..=n).collect(),
            prev: (0..n).map(|i| i.wrapping_sub(1)).collect(),
            alive: vec![true; n],
        }
    }

    /// The pair that starts at live position `i`, if any.
    fn pair_at(&self, i: usize) -> Option<Pair> {
        let j = self.next[i];
        (self.alive[i] && j < self.id.len()).then(|| (self.id[i], self.id[j]))
    }

    /// Merges the pair at `i` into `new`; returns the pairs it forms on the left and on the right, with the
    /// positions where they start.
    fn merge(&mut self, i: usize, new: u32) -> (Formed, Formed) {
        let n = self.id.len();
        let j = self.next[i];
        self.id[i] = new;
        self.alive[j] = false;
        self.next[i] = self.next[j];
        let right = (self.next[i] < n).then(|| {
            self.prev[self.next[i]] = i;
            (i, (new, self.id[self.next[i]]))
        });
        let p = self.prev[i];
        let left = (p < n).then(|| (p, (self.id[p], new)));
        (left, right)
    }

    fn emit(&self, out: &mut Vec<u32>) {
        let mut i = 0;
        while i < self.id.len() {
            out.push(self.id[i]);
            i = self.next[i];
        }
    }
}

/// The special tokens one `encode` call may map (an Aho-Corasick automaton, leftmost-longest).
pub struct SpecialMatcher {
    ac: Option<AhoCorasick>,
    ids: Vec<u32>,
}

impl SpecialMatcher {
    /// A matcher that maps nothing.
    pub fn none() -> Self {
        SpecialMatcher { ac: None, ids: Vec::new() }
    }

    fn new<'a>(tokens: impl Iterator<Item = &'a (String, u32)>) -> Result<Self> {
        let tokens: Vec<&(String, u32)> = tokens.collect();
        if tokens.is_empty() {
            return Ok(Self::none());
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(tokens.iter().map(|(t, _)| t.as_str()))
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        Ok(SpecialMatcher { ac: Some(ac), ids: tokens.iter().map(|(_, id)| *id).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::WordCounts;
    use crate::train::bpe::{train, BpeConfig};

    fn trained(text: &str, vocab_size: usize) -> Encoder {
        let pre = Pretokenizer::new("gpt2").unwrap();
        let mut counts = WordCounts::default();
        let mut pieces = Vec::new();
        pre.split(text, &mut pieces).unwrap();
        for p in pieces {
            counts.add(p.as_bytes(), 1);
        }
        let m = train(
            &counts,
            &BpeConfig { vocab_size, min_frequency: 0, reserved: 0, rules: Default::default() },
            &mut |_, _| {},
        )
        .unwrap();
        Encoder::new(m.vocab, &m.merges, pre, &[], &[], true).unwrap()
    }

    #[test]
    fn round_trip_and_compression() {
        let text = "the cat sat on the mat with the hat ".repeat(20);
        let enc = trained(&text, 300);
        let ids = enc.encode_ordinary(&text).unwrap();
        assert!(ids.len() < text.len() / 3);
        assert_eq!(enc.decode(&ids).unwrap(), text.as_bytes());
        let raw = b"\x00\xff\xfe caf\xc3\xa9 \xe2\x82";
        assert_eq!(enc.decode(&enc.encode_bytes(raw).unwrap()).unwrap(), raw);
    }

    #[test]
    fn bucket_heap_and_scan_agree_on_random_pieces() {
        let text = "abracadabra aaaa bbbb abab baba cabbage ".repeat(40);
        let enc = Encoder { ignore_merges: false, ..trained(&text, 300) };
        let mut seed = 12345u64;
        for len in [65usize, 100, 257, 1000] {
            for _ in 0..20 {
                let piece: Vec<u32> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        enc.byte_ids[b"abcr "[(seed >> 33) as usize % 5] as usize]
                    })
                    .collect();
                let mut short = piece.clone();
                enc.merge_short(&mut short);
                let (mut long, mut heap) = (Vec::new(), Vec::new());
                enc.merge_long(&piece, &mut long);
                enc.merge_heap(&piece, &mut heap);
                assert_eq!(long, short);
                assert_eq!(heap, short);
            }
        }
    }

    #[test]
    fn long_pieces_merge_like_short_ones() {
        let text = "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbaaaaaaaaaab ".repeat(30);
        let enc = Encoder { ignore_merges: false, ..trained(&text, 280) };
        let piece: Vec<u8> =
            "ab".repeat(40).into_bytes().into_iter().chain(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter().copied()).collect();
        let mut short: Vec<u32> = piece.iter().map(|&b| enc.byte_ids[b as usize]).collect();
        enc.merge_short(&mut short);
        let mut long = Vec::new();
        enc.merge_long(&piece.iter().map(|&b| enc.byte_ids[b as usize]).collect::<Vec<_>>(), &mut long);
        assert_eq!(short, long);
    }
}
