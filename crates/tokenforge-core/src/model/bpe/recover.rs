//! The merge list behind a rank file (`.tiktoken`), where a token's rank is its id and rank-ordered BPE merges
//! the adjacent parts whose concatenation has the lowest rank (tiktoken). In rank order, each token of two or
//! more bytes is the merge of the two parts that this BPE with the lower ranks leaves of its bytes; a token the
//! lower ranks cannot bring to two parts (Llama-3 has some) is the merge of the two parts all ranks leave, if
//! they leave two, else it has no merge (it is only ever emitted whole, tiktoken's rule).
//!
//! Rank-ordered BPE is the one merge applier ([`apply_merges`]) given every pair of tokens whose concatenation
//! is a token, ranked by that token.
use rustc_hash::FxHashMap;

use crate::model::bpe::apply::{apply_merges, Ranks};
use crate::model::bpe::Pair;

/// For each id of `tokens` (bytes by rank; empty for an unused id), the pair whose merge makes it (see the
/// module docs), `None` for single bytes, empty ids and tokens without a merge.
pub fn recover_merges(tokens: &[Vec<u8>]) -> Vec<Option<Pair>> {
    let mut ids: FxHashMap<&[u8], u32> = FxHashMap::default();
    for (id, t) in tokens.iter().enumerate() {
        if !t.is_empty() {
            ids.entry(t.as_slice()).or_insert(id as u32);
        }
    }
    let parts_of = |ranks: &Ranks, token: &[u8]| -> Option<Pair> {
        let mut syms = Vec::with_capacity(token.len());
        for b in token {
            syms.push(*ids.get(std::slice::from_ref(b))?);
        }
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
    for (id, token) in tokens.iter().enumerate() {
        if token.len() < 2 {
            continue;
        }
        out[id] = parts_of(&ranks, token);
        for pair in splits(token) {
            ranks.insert_first(pair, (id as u32, id as u32));
        }
    }
    // All ranks but the token's own (two parts are the answer, not something to merge).
    for (id, token) in tokens.iter().enumerate() {
        if token.len() >= 2 && out[id].is_none() {
            let mine: Vec<Pair> = splits(token)
                .into_iter()
                .filter(|&pair| ranks.get(pair).is_some_and(|(_, new)| new == id as u32))
                .collect();
            let own: Vec<(Pair, (u32, u32))> =
                mine.iter().filter_map(|&pair| Some((pair, ranks.remove(pair)?))).collect();
            out[id] = parts_of(&ranks, token);
            for (pair, merge) in own {
                ranks.insert_first(pair, merge);
            }
        }
    }
    out
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
}
