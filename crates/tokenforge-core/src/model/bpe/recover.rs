//! The merge list behind a rank file (`.tiktoken`), where a token's rank is its id and rank-ordered BPE merges
//! the adjacent parts whose concatenation has the lowest rank (tiktoken). In rank order, each token of two or
//! more bytes is the merge of the two parts that this BPE with the lower ranks leaves of its bytes; a token the
//! lower ranks cannot bring to two parts (Llama-3 has some) is the merge of the two parts all ranks leave, if
//! they leave two, else it has no merge (it is only ever emitted whole, tiktoken's rule).
//!
//! Rank-ordered BPE is the one merge applier ([`apply_merges`]) given every pair of tokens whose concatenation
//! is a token, ranked by that token ([`pair_ranks`]; the encoder of a rank file's vocabulary runs on that table
//! directly, `Bpe::by_rank`, and the merge list is only recovered when asked for).
//!
//! Every token is independent of the others once the table of all pairs is built (each ranked by the first
//! token that is their concatenation), so tokens are recovered on all cores.
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::bpe::apply::{apply_merges, PairRanks, Ranks};
use crate::model::bpe::ranks::Merge;
use crate::model::bpe::Pair;

/// tiktoken's merge priorities over `tokens` (bytes by id, rank = id): every pair of tokens whose concatenation
/// is a token, ranked by that token (the first id of those bytes). `id_of` gives the first id of some bytes
/// (`None` for bytes that are no token, or only a reserved one: special tokens make no pair), `is_first` whether
/// that is a given id.
pub fn pair_ranks(
    tokens: &[Vec<u8>],
    id_of: impl Fn(&[u8]) -> Option<u32> + Sync,
    is_first: impl Fn(u32) -> bool + Sync,
) -> Ranks {
    let made: Vec<(Pair, u32)> = tokens
        .par_iter()
        .zip(0..tokens.len() as u32)
        .flat_map_iter(|(token, id)| {
            let first = token.len() >= 2 && is_first(id);
            let id_of = &id_of;
            (1..if first { token.len() } else { 0 })
                .filter_map(move |k| Some(((id_of(&token[..k])?, id_of(&token[k..])?), id)))
        })
        .collect();
    made.into_iter().map(|(pair, id)| (pair, (id, id))).collect()
}

/// For each id of `tokens` (bytes by rank; empty for an unused id), the pair whose merge makes it (see the
/// module docs), `None` for single bytes, empty ids and tokens without a merge.
pub fn recover_merges(tokens: &[Vec<u8>]) -> Vec<Option<Pair>> {
    let mut ids: FxHashMap<&[u8], u32> = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    let mut firsts = vec![false; tokens.len()];
    for (id, t) in tokens.iter().enumerate() {
        if !t.is_empty() {
            firsts[id] = *ids.entry(t.as_slice()).or_insert(id as u32) == id as u32;
        }
    }
    let byte_ids: Vec<Option<u32>> = (0..=255u8).map(|b| ids.get(&[b][..]).copied()).collect();
    let ranks = pair_ranks(tokens, |t| ids.get(t).copied(), |id| firsts[id as usize]);
    // All ranks but the token's own (two parts are the answer, not something to merge): ranks above its own
    // only come into play when the lower ones leave three parts or more, so where those leave two, these are
    // the same two.
    tokens
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |syms, (id, token)| {
            if token.len() < 2 {
                return None;
            }
            syms.clear();
            for b in token {
                syms.push(byte_ids[*b as usize]?);
            }
            apply_merges(&NotMadeBy(&ranks, id as u32), syms);
            match syms[..] {
                [a, b] => Some((a, b)),
                _ => None,
            }
        })
        .collect()
}

/// The merges of a table but those that make one id.
struct NotMadeBy<'a>(&'a Ranks, u32);

impl PairRanks for NotMadeBy<'_> {
    #[inline(always)]
    fn get(&self, pair: Pair) -> Option<Merge> {
        self.0.get(pair).filter(|&(_, new)| new != self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_made_from_the_parts_lower_ranks_leave() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.extend([b"ab".to_vec(), b"abc".to_vec(), b"xyz".to_vec(), Vec::new(), b"yz".to_vec()]);
        let parts = recover_merges(&tokens);
        assert_eq!(parts[256], Some((97, 98)));
        assert_eq!(parts[257], Some((256, 99)));
        assert_eq!(parts[258], Some((120, 260)), "x y z: two parts only with the higher rank of yz");
        assert_eq!(parts[259], None);
        assert_eq!(parts[260], Some((121, 122)));
    }

    /// The definition, one token after the other: a table that grows with each rank, then all ranks but
    /// the token's own taken out and put back.
    fn one_by_one(tokens: &[Vec<u8>]) -> Vec<Option<Pair>> {
        let mut ids: FxHashMap<&[u8], u32> = FxHashMap::default();
        for (id, t) in tokens.iter().enumerate() {
            if !t.is_empty() {
                ids.entry(t.as_slice()).or_insert(id as u32);
            }
        }
        let parts_of = |ranks: &Ranks, token: &[u8]| -> Option<Pair> {
            let mut syms = token.iter().map(|b| ids.get(&[*b][..]).copied()).collect::<Option<Vec<u32>>>()?;
            apply_merges(ranks, &mut syms);
            match syms[..] {
                [a, b] => Some((a, b)),
                _ => None,
            }
        };
        let splits = |token: &[u8]| -> Vec<Pair> {
            (1..token.len()).filter_map(|k| Some((*ids.get(&token[..k])?, *ids.get(&token[k..])?))).collect()
        };
        let mut ranks = Ranks::default();
        let mut out = vec![None; tokens.len()];
        for (id, token) in tokens.iter().enumerate().filter(|(_, t)| t.len() >= 2) {
            out[id] = parts_of(&ranks, token);
            for pair in splits(token) {
                ranks.insert_first(pair, (id as u32, id as u32));
            }
        }
        for (id, token) in tokens.iter().enumerate().filter(|(_, t)| t.len() >= 2) {
            if out[id].is_none() {
                let mine: Vec<Pair> = splits(token)
                    .into_iter()
                    .filter(|&pair| ranks.get(pair).is_some_and(|(_, new)| new == id as u32))
                    .collect();
                let own: Vec<(Pair, Merge)> =
                    mine.into_iter().filter_map(|pair| Some((pair, ranks.remove(pair)?))).collect();
                out[id] = parts_of(&ranks, token);
                for (pair, merge) in own {
                    ranks.insert_first(pair, merge);
                }
            }
        }
        out
    }

    /// Vocabularies of a small alphabet's bytes (some missing), then strings of it in random order: tokens
    /// the lower ranks cannot build, repeated tokens, unused ids.
    fn vocabularies() -> impl Iterator<Item = Vec<Vec<u8>>> {
        let mut seed = 42u64;
        let mut next = move |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % m) as usize
        };
        (0..200).map(move |_| {
            let mut tokens: Vec<Vec<u8>> = (b'a'..=b'e').filter(|_| next(10) > 0).map(|b| vec![b]).collect();
            for _ in 0..next(60) {
                let len = [0, 2, 2, 3, 3, 4, 5, 8][next(8)];
                tokens.push((0..len).map(|_| b'a' + next(5) as u8).collect());
            }
            tokens
        })
    }

    #[test]
    fn all_tokens_at_once_agree_with_one_by_one() {
        for tokens in vocabularies() {
            assert_eq!(recover_merges(&tokens), one_by_one(&tokens), "{tokens:?}");
        }
    }

    #[test]
    fn merging_by_rank_gives_the_ids_of_the_recovered_merges() {
        use crate::model::bpe::Bpe;
        use crate::model::Vocab;
        for tokens in vocabularies() {
            let merges: Vec<(Pair, u32)> =
                recover_merges(&tokens).into_iter().zip(0..).filter_map(|(pair, id)| Some((pair?, id))).collect();
            let vocab = Vocab::new(tokens.clone(), &[]);
            let (by_rank, by_merges) = (Bpe::by_rank(&vocab, true), Bpe::new(&vocab, &merges, true).unwrap());
            for piece in tokens.iter().flat_map(|a| tokens.iter().map(move |b| [a.as_slice(), b].concat())) {
                let (mut x, mut y) = (Vec::new(), Vec::new());
                let same =
                    (by_rank.encode_piece(&vocab, &piece, &mut x), by_merges.encode_piece(&vocab, &piece, &mut y));
                assert_eq!((same.0.is_ok(), x), (same.1.is_ok(), y), "{piece:?} of {tokens:?}");
            }
        }
    }
}
