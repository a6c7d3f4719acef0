//! SentencePiece-style BPE (Llama-2, Mistral, Gemma): BPE over the *characters* of a pre-token (text the
//! encoder's sentencepiece normalizer has already rewritten, `▁` for spaces), with byte fallback.
//!
//! sentencepiece merges the adjacent pair whose merged piece has the highest score, leftmost among equal
//! scores. As a merge list that is rank-ordered BPE where every split of a piece into two pieces is a merge,
//! all ranked by the piece's score (equal scores, equal ranks): the one merge applier (`apply.rs`) then
//! gives sentencepiece's result. Hugging Face's `tokenizer.json` of such a model lists the merges, one rank
//! each, which the same applier follows.
//!
//! A character that is no piece stays a symbol no merge touches; afterwards it becomes the `<0xXX>` pieces
//! of its UTF-8 bytes (byte fallback) or the unknown piece (consecutive ones fused with `fuse_unk`).
//! User-defined pieces are matched first, longest at each position, and never merged.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use rand_xoshiro::rand_core::Rng;
use rustc_hash::FxHashMap;

use crate::count::WordCounts;
use crate::error::{Error, Result};
use crate::model::bpe::apply::{apply_merges, Ranks};
use crate::model::bpe::dropout::merge_with_dropout;
use crate::model::bpe::Pair;
use crate::model::Vocab;
use crate::normalize::SPACE;

/// Symbols from this id on stand for characters that are no piece (index into the piece's unknown list).
const UNKNOWN_BASE: u32 = 1 << 31;
const NO_ID: u32 = u32::MAX;

/// What becomes of a character that is no piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback {
    /// The ids of the byte pieces `<0x00>` … `<0xFF>` (`u32::MAX` where missing); `None`: no byte fallback.
    pub bytes: Option<[u32; 256]>,
    /// The unknown piece (used when a byte piece is missing or there is no byte fallback).
    pub unk: Option<u32>,
    /// Consecutive unknown pieces become one.
    pub fuse_unk: bool,
}

/// SentencePiece-style BPE on one pre-token.
pub struct CharBpe {
    /// The id of each single-character piece.
    chars: FxHashMap<char, u32>,
    ranks: Ranks,
    fallback: Fallback,
    /// User-defined pieces, matched before splitting into characters, and their ids.
    user: Option<(AhoCorasick, Vec<u32>)>,
}

/// The words of Hugging Face's `Metaspace` (`prepend_scheme: always`) from the counts of the `metaspace`
/// pre-tokenizer on raw text: a piece's leading space or `▁` becomes `▁`, and a piece starting with neither
/// (the first of its text) gets one in front.
pub fn metaspace_words(counts: &WordCounts) -> WordCounts {
    let mut out = WordCounts::default();
    let mut word = Vec::new();
    for (piece, n) in counts.iter() {
        word.clear();
        word.extend_from_slice(SPACE.as_bytes());
        let rest = piece.strip_prefix(b" ").or_else(|| piece.strip_prefix(SPACE.as_bytes())).unwrap_or(piece);
        word.extend_from_slice(rest);
        out.add(&word, n);
    }
    out
}

/// sentencepiece's merges of a BPE `.model`: every split of a piece of `mergeable` into two pieces at a
/// character boundary is a merge, ranked by the piece's score (highest first; equal scores, equal ranks).
pub fn merges_from_scores(pieces: &[String], scores: &[f32], mergeable: &[bool]) -> Vec<(Pair, u32, u32)> {
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    for (id, p) in pieces.iter().enumerate() {
        ids.entry(p.as_str()).or_insert(id as u32);
    }
    let mut order: Vec<u32> = (0..pieces.len() as u32).filter(|&i| mergeable[i as usize]).collect();
    order.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]).then(a.cmp(&b)));
    let mut merges = Vec::new();
    let mut rank = 0;
    for (k, &id) in order.iter().enumerate() {
        if k > 0 && scores[order[k - 1] as usize] != scores[id as usize] {
            rank += 1;
        }
        let piece = pieces[id as usize].as_str();
        for (at, _) in piece.char_indices().skip(1) {
            if let (Some(&a), Some(&b)) = (ids.get(&piece[..at]), ids.get(&piece[at..])) {
                merges.push(((a, b), id, rank));
            }
        }
    }
    merges
}

impl CharBpe {
    /// The model over `pieces` (the text of each id; ids of specials may be empty and are never produced
    /// by merges), with `merges` as `(pair, new id, rank)` (equal ranks allowed: leftmost wins), the user-defined
    /// piece ids and the fallback.
    pub fn new(
        pieces: &[String],
        merges: &[(Pair, u32, u32)],
        user_defined: &[u32],
        fallback: Fallback,
    ) -> Result<Self> {
        let n = pieces.len() as u32;
        let text = |id: u32| pieces.get(id as usize).map(String::as_str).ok_or(Error::UnknownId(id));
        let mut chars = FxHashMap::default();
        let reserved: Vec<u32> = user_defined.iter().chain(fallback.unk.iter()).copied().collect();
        for (id, p) in pieces.iter().enumerate() {
            let mut it = p.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                if !reserved.contains(&(id as u32)) {
                    chars.entry(c).or_insert(id as u32);
                }
            }
        }
        let mut ranks = Ranks::default();
        for &((a, b), new, rank) in merges {
            if a >= n || b >= n || new >= n {
                return Err(Error::InvalidModel(format!(
                    "merge ({a}, {b}) -> {new} names an id outside the vocabulary"
                )));
            }
            let (ta, tb, tn) = (text(a)?, text(b)?, text(new)?);
            if tn.len() != ta.len() + tb.len() || !tn.starts_with(ta) || !tn.ends_with(tb) {
                return Err(Error::InvalidModel(format!("merge ({a}, {b}) -> {new} does not concatenate its parts")));
            }
            ranks.insert_first((a, b), (rank, new));
        }
        for id in fallback.bytes.iter().flatten().chain(fallback.unk.iter()) {
            if *id != NO_ID && *id >= n {
                return Err(Error::UnknownId(*id));
            }
        }
        let user = if user_defined.is_empty() {
            None
        } else {
            let texts = user_defined.iter().map(|&id| text(id)).collect::<Result<Vec<_>>>()?;
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Anchored)
                .build(texts)
                .map_err(|e| Error::InvalidArgument(e.to_string()))?;
            Some((ac, user_defined.to_vec()))
        };
        Ok(CharBpe { chars, ranks, fallback, user })
    }

    /// Appends the ids of one pre-token to `out` (bytes that are not UTF-8 are read as U+FFFD).
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        self.encode_with(piece, out, apply_merges)
    }

    /// Appends the ids of one pre-token with BPE-dropout `p` (see [`merge_with_dropout`]).
    pub fn encode_piece_dropout(&self, piece: &[u8], p: f64, rng: &mut impl Rng, out: &mut Vec<u32>) -> Result<()> {
        self.encode_with(piece, out, |ranks, syms| merge_with_dropout(ranks, syms, 0, p, rng))
    }

    /// Splits `piece` into symbols, merges them with `merge`, and appends their ids with byte fallback.
    #[inline]
    fn encode_with(&self, piece: &[u8], out: &mut Vec<u32>, merge: impl FnOnce(&Ranks, &mut Vec<u32>)) -> Result<()> {
        match std::str::from_utf8(piece) {
            Ok(text) => self.encode_text(text, out, merge),
            Err(_) => self.encode_text(&String::from_utf8_lossy(piece), out, merge),
        }
    }

    #[inline]
    fn encode_text(&self, text: &str, out: &mut Vec<u32>, merge: impl FnOnce(&Ranks, &mut Vec<u32>)) -> Result<()> {
        self.emit(text, merge, |_| 0, |id, _, _| out.push(id))
    }

    /// Appends the ids of one pre-token to `ids` and their byte spans, where `text` starts at byte `at`, to
    /// `spans` (a byte-fallback piece spans its byte, a fused unknown its characters); `vocab` spells the pieces.
    pub fn encode_spans(
        &self,
        vocab: &Vocab,
        text: &str,
        at: usize,
        ids: &mut Vec<u32>,
        spans: &mut Vec<(usize, usize)>,
    ) -> Result<()> {
        let len = |id| vocab.token(id).map_or(0, <[u8]>::len);
        self.emit(text, apply_merges, len, |id, start, end| {
            ids.push(id);
            spans.push((at + start, at + end));
        })
    }

    /// Splits `text` into symbols, merges them with `merge`, and hands `push` each token with its byte span
    /// (`len` gives a piece's length in bytes; plain encoding, which needs no spans, may give 0).
    #[inline]
    fn emit(
        &self,
        text: &str,
        merge: impl FnOnce(&Ranks, &mut Vec<u32>),
        len: impl Fn(u32) -> usize,
        mut push: impl FnMut(u32, usize, usize),
    ) -> Result<()> {
        let mut syms = Vec::with_capacity(text.len());
        let mut unknown: Vec<char> = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some((ac, ids)) = &self.user {
                if let Some(m) = ac.find(Input::new(rest).anchored(Anchored::Yes)) {
                    syms.push(ids[m.pattern().as_usize()]);
                    rest = &rest[m.end()..];
                    continue;
                }
            }
            match self.chars.get(&c) {
                Some(&id) => syms.push(id),
                None => {
                    syms.push(UNKNOWN_BASE + unknown.len() as u32);
                    unknown.push(c);
                }
            }
            rest = &rest[c.len_utf8()..];
        }
        merge(&self.ranks, &mut syms);
        let mut pos = 0;
        // The unknown token last pushed and where it starts, while more unknown characters may fuse into it.
        let mut open_unk: Option<(u32, usize)> = None;
        for s in syms {
            if s < UNKNOWN_BASE {
                if let Some((unk, start)) = open_unk.take() {
                    push(unk, start, pos);
                }
                let end = pos + len(s);
                push(s, pos, end);
                pos = end;
                continue;
            }
            let c = unknown[(s - UNKNOWN_BASE) as usize];
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            if let Some(table) = &self.fallback.bytes {
                if bytes.iter().all(|&b| table[b as usize] != NO_ID) {
                    if let Some((unk, start)) = open_unk.take() {
                        push(unk, start, pos);
                    }
                    for (i, &b) in bytes.iter().enumerate() {
                        push(table[b as usize], pos + i, pos + i + 1);
                    }
                    pos += bytes.len();
                    continue;
                }
            }
            let unk = self
                .fallback
                .unk
                .ok_or_else(|| Error::InvalidModel(format!("{c:?} has no piece and the model has no unknown piece")))?;
            match open_unk {
                Some(_) if self.fallback.fuse_unk => {}
                _ => {
                    if let Some((prev, start)) = open_unk.replace((unk, pos)) {
                        push(prev, start, pos);
                    }
                }
            }
            pos += bytes.len();
        }
        if let Some((unk, start)) = open_unk {
            push(unk, start, pos);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(fallback: bool) -> CharBpe {
        // ids: 0 <unk>, 1 a, 2 b, 3 ab, 4 ba, 5 aba, then <0x00>.. at 6..
        let mut pieces: Vec<String> = ["<unk>", "a", "b", "ab", "ba", "aba"].map(String::from).to_vec();
        let mut bytes = [NO_ID; 256];
        for (b, id) in bytes.iter_mut().enumerate() {
            *id = pieces.len() as u32;
            pieces.push(format!("<0x{b:02X}>"));
        }
        // "ab" and "ba" tie (rank 0): the leftmost pair merges first.
        let merges = [((1, 2), 3, 0), ((2, 1), 4, 0), ((3, 1), 5, 1)];
        let fb = Fallback { bytes: fallback.then_some(bytes), unk: Some(0), fuse_unk: true };
        CharBpe::new(&pieces, &merges, &[], fb).unwrap()
    }

    fn encode(m: &CharBpe, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        m.encode_piece(text.as_bytes(), &mut out).unwrap();
        out
    }

    #[test]
    fn equal_ranks_merge_leftmost_first() {
        assert_eq!(encode(&model(false), "bab"), vec![4, 2]);
        assert_eq!(encode(&model(false), "aba"), vec![5]);
    }

    #[test]
    fn unknown_characters_fall_back_to_bytes_or_one_unknown() {
        assert_eq!(encode(&model(true), "aé"), vec![1, 6 + 0xC3, 6 + 0xA9]);
        assert_eq!(encode(&model(false), "aéé b"), vec![1, 0, 2]);
    }

    #[test]
    fn metaspace_words_start_with_one_mark() {
        let counts = WordCounts::of(&[("Hello", 1), (" world", 2), ("▁x", 3), (" ", 4), ("\u{2581}world", 5)]);
        let mut got: Vec<(String, u64)> =
            metaspace_words(&counts).iter().map(|(w, n)| (String::from_utf8(w.to_vec()).unwrap(), n)).collect();
        got.sort();
        let want = [("▁", 4), ("▁Hello", 1), ("▁world", 7), ("▁x", 3)].map(|(w, n)| (w.to_owned(), n));
        assert_eq!(got, want);
    }

    #[test]
    fn merges_from_scores_rank_by_score_and_split_every_way() {
        let pieces: Vec<String> = ["<unk>", "a", "b", "ab", "ba", "aba"].map(String::from).to_vec();
        let scores = [0.0, 0.0, 0.0, -1.0, -1.0, -2.0];
        let mergeable = [false, true, true, true, true, true];
        let mut merges = merges_from_scores(&pieces, &scores, &mergeable);
        merges.sort();
        assert_eq!(merges, vec![((1, 2), 3, 1), ((1, 4), 5, 2), ((2, 1), 4, 1), ((3, 1), 5, 2)]);
    }
}
