//! BPE-dropout (Provilkov et al., 2020) exactly as Hugging Face's `BPE(dropout=p)` applies it (`word.rs`,
//! `merge_all`): candidate merges come off a heap lowest rank first (leftmost among equals); each one popped
//! is skipped with probability `p` and set aside; the first one not skipped puts the set-aside ones back,
//! then merges if it is still current. Draws are taken for stale entries too, as Hugging Face does, so the
//! distribution is the same. Separate from the plain applier (`apply.rs`), which it never slows.
use std::cmp::Reverse;

use rand_xoshiro::rand_core::Rng;

use crate::model::bpe::apply::{merge_entry, Linked, MergeHeap, Ranks};
use crate::model::unigram::uniform;

/// Applies the merges of `ranks` to `syms[from..]` in place, each candidate merge skipped with probability
/// `p` at each step (`p` ≤ 0: every merge, as the plain applier; `p` ≥ 1: none).
pub fn merge_with_dropout(ranks: &Ranks, syms: &mut Vec<u32>, from: usize, p: f64, rng: &mut impl Rng) {
    if syms.len() - from < 2 {
        return;
    }
    let piece = syms.split_off(from);
    let mut list = Linked::new(&piece);
    let mut heap: MergeHeap = (0..piece.len() - 1)
        .filter_map(|i| ranks.get((piece[i], piece[i + 1])).map(|(r, _)| Reverse(((r as u64) << 32) | i as u64)))
        .collect();
    let mut skipped = Vec::new();
    while let Some(top) = heap.pop() {
        if p > 0.0 && uniform(rng) < p {
            skipped.push(top);
            continue;
        }
        heap.extend(skipped.drain(..));
        merge_entry(ranks, &mut list, top.0, &mut heap);
    }
    list.emit(syms);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bpe::apply::apply_merges;
    use crate::model::unigram::model::sampler;

    fn ranks() -> Ranks {
        let merges = [((0, 1), 3), ((1, 2), 4), ((0, 0), 5), ((3, 3), 6), ((5, 5), 7), ((3, 2), 8), ((6, 6), 9)];
        merges.iter().enumerate().map(|(r, &(pair, new))| (pair, (r as u32, new))).collect()
    }

    fn pieces() -> impl Iterator<Item = Vec<u32>> {
        let mut seed = 99u64;
        (0..200).map(move |k| {
            (0..1 + k % 40)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 33) % 3) as u32
                })
                .collect()
        })
    }

    #[test]
    fn no_dropout_is_the_plain_applier_and_full_dropout_merges_nothing() {
        let (ranks, mut rng) = (ranks(), sampler(7, 0));
        for piece in pieces() {
            let mut plain = piece.clone();
            apply_merges(&ranks, &mut plain);
            let mut got = vec![42];
            got.extend(&piece);
            merge_with_dropout(&ranks, &mut got, 1, 0.0, &mut rng);
            assert_eq!(got[1..], plain[..]);
            let mut none = piece.clone();
            merge_with_dropout(&ranks, &mut none, 0, 1.0, &mut rng);
            assert_eq!(none, piece);
        }
    }

    #[test]
    fn dropout_gives_segmentations_between_none_and_all_merges() {
        let (ranks, mut rng) = (ranks(), sampler(7, 1));
        let piece = vec![0u32; 32];
        let mut plain = piece.clone();
        apply_merges(&ranks, &mut plain);
        let lens: Vec<usize> = (0..100)
            .map(|_| {
                let mut s = piece.clone();
                merge_with_dropout(&ranks, &mut s, 0, 0.3, &mut rng);
                s.len()
            })
            .collect();
        assert!(lens.iter().all(|&n| n >= plain.len() && n <= piece.len()));
        assert!(lens.iter().any(|&n| n != lens[0]));
    }
}
