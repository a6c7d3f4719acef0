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

use crate::model::bpe::apply::{apply_merges, Ranks};
use crate::model::bpe::BpeModel;

/// Segments pre-tokens with a model's merges (see the module docs).
pub(crate) struct Replay {
    ranks: Ranks,
    byte_ids: [u32; 256],
    /// Bit `x * 256 + y` is set when some merge joins a token ending in byte `x` to one starting with `y`.
    joins: Vec<u64>,
}

impl Replay {
    pub(crate) fn new(model: &BpeModel, byte_ids: [u32; 256]) -> Self {
        let mut ranks = Ranks::default();
        let mut joins = vec![0u64; 256 * 256 / 64];
        for (r, &((a, b), new)) in model.merges.iter().enumerate() {
            ranks.insert_first((a, b), (r as u32, new));
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
    pub(crate) fn segment_all(&self, pieces: &[&[u8]]) -> Segmented {
        let share = pieces.len().div_ceil(rayon::current_num_threads()).max(1);
        let shares: Vec<Segmented> = pieces
            .par_chunks(share)
            .map(|chunk| {
                let mut cache = PartCache::default();
                let mut out = Segmented::default();
                for piece in chunk {
                    self.segment_into(piece, &mut cache, &mut out.ids);
                    out.ends.push(out.ids.len());
                }
                out
            })
            .collect();
        let mut all = Segmented::default();
        for part in shares {
            let base = all.ids.len();
            all.ids.extend_from_slice(&part.ids);
            all.ends.extend(part.ends.iter().map(|&e| base + e));
        }
        all
    }

    fn segment_into<'a>(&self, piece: &'a [u8], cache: &mut PartCache<'a>, out: &mut Vec<u32>) {
        let mut start = 0;
        for end in 1..=piece.len() {
            if end < piece.len() && self.joined(piece[end - 1], piece[end]) {
                continue;
            }
            let part = &piece[start..end];
            if part.len() == 1 {
                out.push(self.byte_ids[part[0] as usize]);
            } else {
                out.extend_from_slice(cache.ids(part, self));
            }
            start = end;
        }
    }

    fn apply(&self, part: &[u8]) -> Vec<u32> {
        let mut syms: Vec<u32> = part.iter().map(|&b| self.byte_ids[b as usize]).collect();
        apply_merges(&self.ranks, &mut syms);
        syms
    }
}

/// Pieces segmented, one after the other: piece `i` is `ids[ends[i - 1]..ends[i]]`.
#[derive(Default)]
pub(crate) struct Segmented {
    pub(crate) ids: Vec<u32>,
    pub(crate) ends: Vec<usize>,
}

impl Segmented {
    /// The ids of piece `i`.
    pub(crate) fn piece(&self, i: usize) -> &[u32] {
        &self.ids[if i == 0 { 0 } else { self.ends[i - 1] }..self.ends[i]]
    }
}

/// Parts already segmented, their ids in one arena: parts of up to 7 bytes are keyed by their bytes packed
/// in an integer (no byte comparison), longer ones by the slice.
#[derive(Default)]
struct PartCache<'a> {
    short: FxHashMap<u64, (u32, u32)>,
    long: FxHashMap<&'a [u8], (u32, u32)>,
    arena: Vec<u32>,
}

impl<'a> PartCache<'a> {
    fn ids(&mut self, part: &'a [u8], replay: &Replay) -> &[u32] {
        let arena = &mut self.arena;
        let add = || {
            let at = arena.len() as u32;
            arena.extend(replay.apply(part));
            (at, arena.len() as u32 - at)
        };
        let (at, n) = if part.len() < 8 {
            let key = part.iter().rev().fold(part.len() as u64, |k, &b| (k << 8) | b as u64);
            *self.short.entry(key).or_insert_with(add)
        } else {
            *self.long.entry(part).or_insert_with(add)
        };
        &self.arena[at as usize..(at + n) as usize]
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
        for (i, w) in pieces.iter().enumerate() {
            assert_eq!(got.piece(i), whole(&replay, &byte_ids, w), "{:?}", String::from_utf8_lossy(w));
        }
    }
}
