//! Merge priorities, `pair → (rank, id of the merged token)`, as flat tables, because the merge loop of a
//! piece that misses the encoder's cache is a chain of lookups that mostly miss the CPU's caches: pairs of two
//! ids below 256 (the bytes, in byte-level vocabularies: every piece's first lookups) index a dense table of
//! 512 KiB; other pairs live in an open-addressing table of 16-byte slots (linear probing, at most half full),
//! so that a lookup reads one cache line.
use crate::model::bpe::Pair;
use crate::piece_cache::prefetch;

/// `(rank, id of the merged token)`.
pub type Merge = (u32, u32);

/// A slot of the table: an empty one has the key [`EMPTY`].
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    merge: Merge,
}

/// The key of an empty slot (no pair of ids below `u32::MAX` has it).
const EMPTY: u64 = u64::MAX;
/// A dense-table entry with no merge.
const NONE: Merge = (u32::MAX, 0);
/// Ids below this form the dense table's pairs.
const DENSE: u32 = 256;

/// Merge priorities (see the module docs). The first rank given for a pair wins.
#[derive(Clone)]
pub struct Ranks {
    dense: Box<[Merge]>,
    slots: Vec<Slot>,
    /// log2 of `slots.len()`.
    bits: u32,
    len: usize,
}

impl Default for Ranks {
    fn default() -> Self {
        let bits = 4;
        Ranks {
            dense: vec![NONE; (DENSE * DENSE) as usize].into_boxed_slice(),
            slots: vec![Slot { key: EMPTY, merge: NONE }; 1 << bits],
            bits,
            len: 0,
        }
    }
}

impl FromIterator<(Pair, Merge)> for Ranks {
    /// The first merge of each pair wins.
    fn from_iter<I: IntoIterator<Item = (Pair, Merge)>>(iter: I) -> Self {
        let mut ranks = Ranks::default();
        ranks.insert_all_first(&iter.into_iter().collect::<Vec<_>>());
        ranks
    }
}

/// How many inserts ahead [`Ranks::insert_all_first`] asks for a pair's slot.
const AHEAD: usize = 16;

/// What the merge loops read: the merge of a pair, if it has one. [`Ranks`] itself, or a view of it that hides
/// some merges (recovering the merge list of a rank file, `recover.rs`).
pub trait PairRanks {
    /// The merge of `pair`, if it has one.
    fn get(&self, pair: Pair) -> Option<Merge>;
}

impl PairRanks for Ranks {
    #[inline(always)]
    fn get(&self, pair: Pair) -> Option<Merge> {
        Ranks::get(self, pair)
    }
}

#[inline(always)]
fn key((a, b): Pair) -> u64 {
    (a as u64) << 32 | b as u64
}

#[inline(always)]
fn dense_index((a, b): Pair) -> Option<usize> {
    (a < DENSE && b < DENSE).then(|| (a * DENSE + b) as usize)
}

impl Ranks {
    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    /// The merge of `pair`, if it has one.
    #[inline(always)]
    pub fn get(&self, pair: Pair) -> Option<Merge> {
        if let Some(i) = dense_index(pair) {
            let m = self.dense[i];
            return (m != NONE).then_some(m);
        }
        let (key, mask) = (key(pair), self.slots.len() - 1);
        let mut i = self.home(key);
        loop {
            let s = &self.slots[i];
            if s.key == key {
                return Some(s.merge);
            }
            if s.key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Gives `pair` the merge `merge` unless it has one already.
    pub fn insert_first(&mut self, pair: Pair, merge: Merge) {
        if let Some(i) = dense_index(pair) {
            if self.dense[i] == NONE {
                self.dense[i] = merge;
            }
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let (key, mask) = (key(pair), self.slots.len() - 1);
        let mut i = self.home(key);
        while self.slots[i].key != EMPTY {
            if self.slots[i].key == key {
                return;
            }
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot { key, merge };
        self.len += 1;
    }

    /// [`insert_first`](Self::insert_first) of each of `merges` in order, with room made at once and each
    /// pair's slot asked for some inserts ahead: the table of a large vocabulary's merges is far bigger than
    /// the CPU's caches, and a miss per insert was most of building it.
    pub fn insert_all_first(&mut self, merges: &[(Pair, Merge)]) {
        let bits = ((self.len + merges.len()) * 2).next_power_of_two().trailing_zeros();
        if bits > self.bits {
            self.resize(bits);
        }
        for (k, &(pair, merge)) in merges.iter().enumerate() {
            if let Some(&(ahead, _)) = merges.get(k + AHEAD).filter(|(p, _)| dense_index(*p).is_none()) {
                prefetch(&self.slots[self.home(key(ahead))]);
            }
            self.insert_first(pair, merge);
        }
    }

    /// Takes `pair`'s merge out, if it has one.
    pub fn remove(&mut self, pair: Pair) -> Option<Merge> {
        if let Some(i) = dense_index(pair) {
            let m = std::mem::replace(&mut self.dense[i], NONE);
            return (m != NONE).then_some(m);
        }
        let (key, mask) = (key(pair), self.slots.len() - 1);
        let mut i = self.home(key);
        while self.slots[i].key != key {
            if self.slots[i].key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
        let merge = self.slots[i].merge;
        // Backward-shift deletion: move up each later slot of the run that may sit at `i` (its home is not
        // cyclically in (i, j]), so that no lookup stops early at the hole.
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s.key == EMPTY {
                break;
            }
            let home = self.home(s.key);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(i) & mask) {
                self.slots[i] = s;
                i = j;
            }
        }
        self.slots[i] = Slot { key: EMPTY, merge: NONE };
        self.len -= 1;
        Some(merge)
    }

    fn grow(&mut self) {
        self.resize(self.bits + 1);
    }

    /// Moves the pairs to a table of `1 << bits` slots.
    fn resize(&mut self, bits: u32) {
        self.bits = bits;
        let old = std::mem::replace(&mut self.slots, vec![Slot { key: EMPTY, merge: NONE }; 1 << self.bits]);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            let mut i = self.home(s.key);
            while self.slots[i].key != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    #[test]
    fn agrees_with_a_hash_map_through_inserts_and_removals() {
        let (mut ranks, mut want) = (Ranks::default(), FxHashMap::default());
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % m) as u32
        };
        for step in 0..20_000u32 {
            // Small ids (the dense table) and larger ones, crowded so that runs of slots form and break.
            let pair = if next(2) == 0 { (next(300), next(300)) } else { (next(40) * 1000, next(40)) };
            if next(4) == 0 {
                assert_eq!(ranks.remove(pair), want.remove(&pair), "remove {pair:?} at {step}");
            } else {
                ranks.insert_first(pair, (step, step + 1));
                want.entry(pair).or_insert((step, step + 1));
            }
            let probe = (next(300), next(300));
            assert_eq!(ranks.get(probe), want.get(&probe).copied(), "{probe:?} at {step}");
        }
        for (&pair, &merge) in &want {
            assert_eq!(ranks.get(pair), Some(merge));
        }
        assert_eq!(ranks.len, want.keys().filter(|p| dense_index(**p).is_none()).count());
    }

    #[test]
    fn the_first_merge_of_a_pair_wins() {
        let ranks: Ranks =
            [((1, 2), (0, 5)), ((1, 2), (3, 9)), ((500, 2), (1, 6)), ((500, 2), (4, 8))].into_iter().collect();
        assert_eq!((ranks.get((1, 2)), ranks.get((500, 2)), ranks.get((2, 1))), (Some((0, 5)), Some((1, 6)), None));
    }
}
