//! Applying an ordered merge list to one piece: always merge the adjacent pair with the lowest rank, leftmost
//! among equals, until no pair has a rank. The encoder does this for every pre-token that is not itself a
//! token; continued training does it to replay a base model's merges.
//!
//! Pieces of up to 256 symbols use a scan over their pairs' ranks (quadratic, but over a flat array). Longer
//! ones keep the positions of each rank in a bucket and take buckets lowest rank first, each in increasing
//! position: a merge only forms pairs that hold its new token, which rank later when merges are in training
//! order, so a bucket is complete when its turn comes and usually already sorted — a megabyte-long run of one
//! character costs linear time. A merge list where a new pair ranks earlier (possible in an imported file)
//! falls back to a heap, O(n log n).
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

pub use crate::model::bpe::ranks::{PairRanks, Ranks};
use crate::model::bpe::Pair;

/// Pieces up to this many symbols use the scan (quadratic, but over a flat array of ranks).
const SHORT_PIECE: usize = 256;

/// Applies the merges of `ranks` to `syms` in place.
pub fn apply_merges<R: PairRanks>(ranks: &R, syms: &mut Vec<u32>) {
    apply_merges_from(ranks, syms, 0);
}

/// Applies the merges of `ranks` to `syms[from..]` in place (the encoder merges a piece at the end of its
/// output, so a short piece allocates nothing).
pub fn apply_merges_from<R: PairRanks>(ranks: &R, syms: &mut Vec<u32>, from: usize) {
    if syms.len() - from <= SHORT_PIECE {
        merge_short(ranks, syms, from);
    } else {
        let piece = syms.split_off(from);
        merge_long(ranks, &piece, syms);
    }
}

/// Repeatedly merges the lowest-ranked adjacent pair (leftmost among equals) of `syms[from..]`. The symbols
/// stay where they are, linked to their live neighbours, with the rank of the pair each one starts beside it
/// (in arrays on the stack for pieces of up to [`STACK`] symbols): a merge looks up only the two pairs it
/// changes and moves nothing; the survivors are packed once at the end.
fn merge_short<R: PairRanks>(ranks: &R, all: &mut Vec<u32>, from: usize) {
    let n = all.len() - from;
    if n < 2 {
        return;
    }
    let kept = if n <= STACK {
        let (mut rank, mut new, mut next, mut prev) = ([0; STACK], [0; STACK], [0; STACK], [0; STACK]);
        merge_linked(ranks, &mut all[from..], &mut rank[..n], &mut new[..n], &mut next[..n], &mut prev[..n])
    } else {
        let (mut rank, mut new, mut next, mut prev) = (vec![0; n], vec![0; n], vec![0; n], vec![0; n]);
        merge_linked(ranks, &mut all[from..], &mut rank, &mut new, &mut next, &mut prev)
    };
    all.truncate(from + kept);
}

/// Pieces of up to this many symbols merge in arrays on the stack.
const STACK: usize = 32;

/// [`merge_short`] on `syms` with room for `syms.len()` entries in each array; returns how many symbols are
/// left, packed at the front of `syms`.
fn merge_linked<R: PairRanks>(
    ranks: &R,
    syms: &mut [u32],
    rank: &mut [u32],
    new: &mut [u32],
    next: &mut [u16],
    prev: &mut [u16],
) -> usize {
    let n = syms.len();
    let pair = |a: u32, b: u32| ranks.get((a, b)).unwrap_or((NO_RANK, 0));
    // rank[i], new[i]: the pair that starts at live symbol i (NO_RANK: none; dead symbols and the last have
    // none). next/prev link the live symbols (n: no next; u16::MAX: no previous).
    for i in 0..n {
        (rank[i], new[i]) = if i + 1 < n { pair(syms[i], syms[i + 1]) } else { (NO_RANK, 0) };
        (next[i], prev[i]) = (i as u16 + 1, (i as u16).wrapping_sub(1));
    }
    // Each merge's two new pairs are looked up right after it, a chain that waits on memory: ask now, all at
    // once, for the lines of the new pairs of each pair's merge while its neighbours are still the first ones.
    for i in 0..n - 1 {
        if rank[i] != NO_RANK {
            if i > 0 {
                ranks.prefetch((syms[i - 1], new[i]));
            }
            if i + 2 < n {
                ranks.prefetch((new[i], syms[i + 2]));
            }
        }
    }
    loop {
        let (mut at, mut best) = (usize::MAX, NO_RANK);
        for (i, &r) in rank.iter().enumerate() {
            if r < best {
                (at, best) = (i, r);
            }
        }
        if at == usize::MAX {
            break;
        }
        let gone = next[at] as usize;
        let after = next[gone] as usize;
        syms[at] = new[at];
        rank[gone] = NO_RANK;
        next[at] = after as u16;
        (rank[at], new[at]) = if after < n {
            prev[after] = at as u16;
            pair(syms[at], syms[after])
        } else {
            (NO_RANK, 0)
        };
        let before = prev[at] as usize;
        if before < n {
            (rank[before], new[before]) = pair(syms[before], syms[at]);
        }
    }
    let (mut kept, mut i) = (0, 0);
    while i < n {
        syms[kept] = syms[i];
        kept += 1;
        i = next[i] as usize;
    }
    kept
}

/// The rank of no pair.
const NO_RANK: u32 = u32::MAX;

/// Rank buckets in position order (see the module docs).
fn merge_long<R: PairRanks>(ranks: &R, syms: &[u32], out: &mut Vec<u32>) {
    let n = syms.len();
    let mut list = Linked::new(syms);
    let mut buckets: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    let mut order = BinaryHeap::new();
    let push = |buckets: &mut FxHashMap<u32, Vec<u32>>, order: &mut BinaryHeap<Reverse<u32>>, r, i| {
        let bucket = buckets.entry(r).or_default();
        if bucket.is_empty() {
            order.push(Reverse(r));
        }
        bucket.push(i);
    };
    for i in 0..n - 1 {
        if let Some((r, _)) = ranks.get((syms[i], syms[i + 1])) {
            push(&mut buckets, &mut order, r, i as u32);
        }
    }
    while let Some(Reverse(r)) = order.pop() {
        let mut positions = buckets.remove(&r).unwrap_or_default();
        if !positions.is_sorted() {
            positions.sort_unstable();
        }
        for &i in &positions {
            let Some((a, b)) = list.pair_at(i as usize) else { continue };
            match ranks.get((a, b)) {
                Some((pair_rank, new)) if pair_rank == r => {
                    let (left, right) = list.merge(i as usize, new);
                    for (at, pair) in [left, right].into_iter().flatten() {
                        if let Some((r2, _)) = ranks.get(pair) {
                            if r2 <= r {
                                return merge_heap(ranks, syms, out);
                            }
                            push(&mut buckets, &mut order, r2, at as u32);
                        }
                    }
                }
                _ => continue,
            }
        }
    }
    list.emit(out);
}

/// A heap of `(rank, position)`: any merge list, O(n log n).
fn merge_heap<R: PairRanks>(ranks: &R, syms: &[u32], out: &mut Vec<u32>) {
    let mut list = Linked::new(syms);
    let mut heap = MergeHeap::new();
    for i in 0..syms.len() - 1 {
        if let Some((r, _)) = ranks.get((syms[i], syms[i + 1])) {
            heap.push(Reverse(((r as u64) << 32) | i as u64));
        }
    }
    while let Some(Reverse(key)) = heap.pop() {
        merge_entry(ranks, &mut list, key, &mut heap);
    }
    list.emit(out);
}

/// A heap of merges: `(rank << 32) | position`, lowest first.
pub(super) type MergeHeap = BinaryHeap<Reverse<u64>>;

/// Applies the heap entry `key` if its pair is still there with that rank, and pushes the pairs it forms.
pub(super) fn merge_entry<R: PairRanks>(ranks: &R, list: &mut Linked, key: u64, heap: &mut MergeHeap) {
    let (r, i) = ((key >> 32) as u32, (key & 0xFFFF_FFFF) as usize);
    let Some((a, b)) = list.pair_at(i) else { return };
    if let Some((pair_rank, new)) = ranks.get((a, b)) {
        if pair_rank == r {
            let (left, right) = list.merge(i, new);
            for (at, pair) in [left, right].into_iter().flatten() {
                if let Some((r2, _)) = ranks.get(pair) {
                    heap.push(Reverse(((r2 as u64) << 32) | at as u64));
                }
            }
        }
    }
}

/// A pair a merge formed, with the position where it starts.
pub(super) type Formed = Option<(usize, Pair)>;

/// The symbols of one piece as a linked list, for the long-piece merge loops (and BPE-dropout's).
pub(super) struct Linked {
    id: Vec<u32>,
    next: Vec<usize>,
    prev: Vec<usize>,
    alive: Vec<bool>,
}

impl Linked {
    pub(super) fn new(syms: &[u32]) -> Self {
        let n = syms.len();
        Linked {
            id: syms.to_vec(),
            next: (1..=n).collect(),
            prev: (0..n).map(|i| i.wrapping_sub(1)).collect(),
            alive: vec![true; n],
        }
    }

    /// The pair that starts at live position `i`, if any.
    pub(super) fn pair_at(&self, i: usize) -> Option<Pair> {
        let j = self.next[i];
        (self.alive[i] && j < self.id.len()).then(|| (self.id[i], self.id[j]))
    }

    /// Merges the pair at `i` into `new`; returns the pairs it forms on the left and on the right.
    pub(super) fn merge(&mut self, i: usize, new: u32) -> (Formed, Formed) {
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

    pub(super) fn emit(&self, out: &mut Vec<u32>) {
        let mut i = 0;
        while i < self.id.len() {
            out.push(self.id[i]);
            i = self.next[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merges for the alphabet a, b, c: ab, bc, aa, then pairs of those.
    fn ranks() -> Ranks {
        let merges = [((0, 1), 3), ((1, 2), 4), ((0, 0), 5), ((3, 3), 6), ((5, 5), 7), ((3, 2), 8), ((6, 6), 9)];
        merges.iter().enumerate().map(|(r, &(pair, new))| (pair, (r as u32, new))).collect()
    }

    #[test]
    fn bucket_heap_and_scan_agree_on_random_pieces() {
        let ranks = ranks();
        let mut seed = 12345u64;
        for len in [65usize, 100, 257, 1000] {
            for _ in 0..50 {
                let piece: Vec<u32> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((seed >> 33) % 3) as u32
                    })
                    .collect();
                let mut short = piece.clone();
                merge_short(&ranks, &mut short, 0);
                let (mut long, mut heap) = (Vec::new(), Vec::new());
                merge_long(&ranks, &piece, &mut long);
                merge_heap(&ranks, &piece, &mut heap);
                assert_eq!(long, short);
                assert_eq!(heap, short);
            }
        }
    }

    #[test]
    fn a_long_run_merges_like_a_short_one() {
        let ranks = ranks();
        let mut short = vec![0u32; 64];
        merge_short(&ranks, &mut short, 0);
        let mut long = vec![0u32; 64 * 100];
        apply_merges(&ranks, &mut long);
        assert_eq!(long, short.repeat(100));
    }

    #[test]
    fn out_of_order_merges_fall_back_to_the_heap() {
        // (c, c) ranks before (b, b) but is formed only by merging (b, b) first: not training order.
        let merges = [((2, 2), 9), ((1, 1), 2)];
        let ranks: Ranks = merges.iter().enumerate().map(|(r, &(pair, new))| (pair, (r as u32, new))).collect();
        let piece: Vec<u32> = [1u32, 1, 1, 1].repeat(20);
        let mut short = piece.clone();
        merge_short(&ranks, &mut short, 0);
        let mut long = Vec::new();
        merge_long(&ranks, &piece, &mut long);
        assert_eq!(long, short);
    }
}
