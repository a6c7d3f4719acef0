//! Replaying a base model's merges on every pre-token before continued training (SuperBPE's stage 2,
//! `extend`): each pre-token becomes the tokens that applying the merges in rank order gives.
//!
//! Long pre-tokens are cut first where no merge can ever join them: a token spanning two adjacent bytes
//! `x y` exists only if some merge joins a token ending in `x` to one starting with `y`, so where no merge
//! does, the two sides are segmented independently and give the same tokens as the whole. After a word-level
//! stage 1, no merge joins a letter to a following space, so a stage-2 phrase falls apart into its words, and
//! each distinct part is segmented once.
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::apply::{apply_merges, Ranks};
use crate::train::bpe::BpeModel;

/// Segments pre-tokens with a model's merges (see the module docs).
pub(crate) struct Replay {
    ranks: Ranks,
    byte_ids: [u32; 256],
    /// Bit `x * 256 + y` is set when some merge joins a token ending in byte `x` to one starting with `y`.
    joins: Vec<u64>,
}

impl Replay {
    pub(crate) fn new(model: &BpeModel, byte_ids: [u32; 256]) -> Self {
        let mut ranks: Ranks = FxHashMap::default();
        let mut joins = vec![0u64; 256 * 256 / 64];
        for (r, &((a, b), new)) in model.merges.iter().enumerate() {
            ranks.entry((a, b)).or_insert((r as u32, new));
            let (left, right) = (&model.vocab[a as usize], &model.vocab[b as usize]);
            if let (Some(&x), Some(&y)) = (left.last(), right.first()) {
                let bit = x as usize * 256 + y as usize;
                joins[bit / 64] |= 1 << (bit % 64);
            }
        }
        Replay { ranks, byte_ids, joins }
    }

    fn joined(&self, x: u8, y: u8) -> bool {
        let bit = x as usize * 256 + y as usize;
        self.joins[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Every piece segmented, on all cores: one share of the pieces per core, each with a cache of parts.
    pub(crate) fn segment_all(&self, pieces: &[&[u8]]) -> Vec<Vec<u32>> {
        let share = pieces.len().div_ceil(rayon::current_num_threads()).max(1);
        let shares: Vec<Vec<Vec<u32>>> = pieces
            .par_chunks(share)
            .map(|chunk| {
                let mut cache = FxHashMap::default();
                chunk.iter().map(|piece| self.segment(piece, &mut cache)).collect()
            })
            .collect();
        shares.into_iter().flatten().collect()
    }

    fn segment<'a>(&self, piece: &'a [u8], cache: &mut FxHashMap<&'a [u8], Vec<u32>>) -> Vec<u32> {
        let mut out = Vec::with_capacity(piece.len());
        let mut start = 0;
        for end in 1..=piece.len() {
            if end < piece.len() && self.joined(piece[end - 1], piece[end]) {
                continue;
            }
            let part = &piece[start..end];
            if part.len() == 1 {
                out.push(self.byte_ids[part[0] as usize]);
            } else {
                let ids = cache.entry(part).or_insert_with(|| {
                    let mut syms: Vec<u32> = part.iter().map(|&b| self.byte_ids[b as usize]).collect();
                    apply_merges(&self.ranks, &mut syms);
                    syms
                });
                out.extend_from_slice(ids);
            }
            start = end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that learned "ab", "ab c"-free merges: `a b → ab`, `ab ab → abab`, `b ␠ → b␠`.
    fn model() -> (BpeModel, [u32; 256]) {
        let mut m = BpeModel::bytes_only();
        let mut byte_ids = [0u32; 256];
        for (i, t) in m.vocab.iter().enumerate() {
            byte_ids[t[0] as usize] = i as u32;
        }
        for (l, r) in [(&b"a"[..], &b"b"[..]), (b"ab", b"ab"), (b"b", b" ")] {
            let id = |t: &[u8]| m.vocab.iter().position(|v| v == t).unwrap() as u32;
            let (a, b) = (id(l), id(r));
            m.vocab.push([l, r].concat());
            m.merges.push(((a, b), m.vocab.len() as u32 - 1));
        }
        (m, byte_ids)
    }

    fn whole(replay: &Replay, byte_ids: &[u32; 256], w: &[u8]) -> Vec<u32> {
        let mut syms: Vec<u32> = w.iter().map(|&b| byte_ids[b as usize]).collect();
        apply_merges(&replay.ranks, &mut syms);
        syms
    }

    #[test]
    fn only_merged_byte_pairs_join() {
        let (m, byte_ids) = model();
        let replay = Replay::new(&m, byte_ids);
        assert!(replay.joined(b'a', b'b') && replay.joined(b'b', b'a') && replay.joined(b'b', b' '));
        assert!(!replay.joined(b'a', b' ') && !replay.joined(b' ', b'a') && !replay.joined(b'a', b'a'));
    }

    #[test]
    fn cut_replay_equals_whole_replay() {
        let (m, byte_ids) = model();
        let replay = Replay::new(&m, byte_ids);
        // Every word of up to 7 bytes over "ab c", as one batch (so the cache is shared).
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last = words.clone();
        for _ in 0..7 {
            last = last.iter().flat_map(|w| b"ab c".iter().map(move |&c| [&w[..], &[c]].concat())).collect();
            words.extend(last.iter().cloned());
        }
        let pieces: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let got = replay.segment_all(&pieces);
        for (w, ids) in pieces.iter().zip(got) {
            assert_eq!(ids, whole(&replay, &byte_ids, w), "{:?}", String::from_utf8_lossy(w));
        }
    }
}
