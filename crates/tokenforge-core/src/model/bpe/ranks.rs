//! Merge priorities, `pair → (rank, id of the merged token)`, as flat tables, because the merge loop of a
//! piece that misses the encoder's cache is a chain of lookups that mostly miss the CPU's caches: pairs of two
//! ids below 256 (the bytes, in byte-level vocabularies: every piece's first lookups) index a dense table of
//! 512 KiB; other pairs live in an open-addressing table (linear probing, at most half full), so that a lookup
//! reads one cache line. Its slots are 8 bytes while every merge's rank is the id it makes (tiktoken's rule,
//! what a `.tiktoken` vocabulary encodes with): the pair and that id in one word, half the table a 16-byte slot
//! makes (o200k's 446k pairs: 8 MiB instead of 16), so that fewer of a fresh instance's lookups leave the
//! core's caches. The first merge that does not fit moves the table to 16-byte slots.
use crate::model::bpe::Pair;
use crate::piece_cache::prefetch;

/// `(rank, id of the merged token)`.
pub type Merge = (u32, u32);

/// A dense-table entry with no merge.
const NONE: Merge = (u32::MAX, 0);
/// Ids below this form the dense table's pairs.
const DENSE: u32 = 256;

/// How a slot of the table holds a pair (as a key) and its merge.
trait Slot: Copy {
    /// An empty slot, and its key (no pair's).
    const EMPTY: Self;
    const EMPTY_KEY: u64;
    /// The key of `pair`, if a slot of this kind can hold it.
    fn key(pair: Pair) -> Option<u64>;
    fn new(key: u64, merge: Merge) -> Self;
    fn key_of(&self) -> u64;
    fn merge(&self) -> Merge;
}

/// Any pair, any merge: 16 bytes.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Wide {
    key: u64,
    merge: Merge,
}

impl Slot for Wide {
    const EMPTY: Self = Wide { key: Self::EMPTY_KEY, merge: NONE };
    // No pair of ids below `u32::MAX` has it.
    const EMPTY_KEY: u64 = u64::MAX;
    #[inline(always)]
    fn key((a, b): Pair) -> Option<u64> {
        Some((a as u64) << 32 | b as u64)
    }
    fn new(key: u64, merge: Merge) -> Self {
        Wide { key, merge }
    }
    #[inline(always)]
    fn key_of(&self) -> u64 {
        self.key
    }
    #[inline(always)]
    fn merge(&self) -> Merge {
        self.merge
    }
}

/// A merge whose rank is the id it makes, ids below `2^ID_BITS - 1`: `(left << ID_BITS | right) << ID_BITS |
/// id`, 8 bytes.
#[derive(Clone, Copy)]
struct Narrow(u64);

const ID_BITS: u32 = 21;
const ID_MASK: u64 = (1 << ID_BITS) - 1;

impl Slot for Narrow {
    const EMPTY: Self = Narrow(u64::MAX);
    // The key of two ids of all ones, which `key` does not give.
    const EMPTY_KEY: u64 = u64::MAX >> ID_BITS;
    #[inline(always)]
    fn key((a, b): Pair) -> Option<u64> {
        ((a as u64) < ID_MASK && (b as u64) < ID_MASK).then_some((a as u64) << ID_BITS | b as u64)
    }
    fn new(key: u64, (_, id): Merge) -> Self {
        Narrow(key << ID_BITS | id as u64)
    }
    #[inline(always)]
    fn key_of(&self) -> u64 {
        self.0 >> ID_BITS
    }
    #[inline(always)]
    fn merge(&self) -> Merge {
        let id = (self.0 & ID_MASK) as u32;
        (id, id)
    }
}

impl Narrow {
    /// Whether a slot holds `pair` with `merge`.
    fn holds(pair: Pair, (rank, id): Merge) -> bool {
        rank == id && (id as u64) < ID_MASK && Self::key(pair).is_some()
    }

    fn pair(&self) -> Pair {
        let key = self.key_of();
        ((key >> ID_BITS) as u32, (key & ID_MASK) as u32)
    }
}

/// Open addressing with linear probing, at most half full, `1 << bits` slots.
#[derive(Clone)]
struct Table<S> {
    slots: Vec<S>,
    bits: u32,
    len: usize,
}

impl<S: Slot> Table<S> {
    fn new(bits: u32) -> Self {
        Table { slots: vec![S::EMPTY; 1 << bits], bits, len: 0 }
    }

    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    #[inline(always)]
    fn get(&self, pair: Pair) -> Option<Merge> {
        let key = S::key(pair)?;
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = &self.slots[i];
            if s.key_of() == key {
                return Some(s.merge());
            }
            if s.key_of() == S::EMPTY_KEY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Asks for the line of `pair`'s home slot.
    #[inline(always)]
    fn prefetch(&self, pair: Pair) {
        if let Some(key) = S::key(pair) {
            prefetch(&self.slots[self.home(key)]);
        }
    }

    /// Gives `pair` (which a slot holds) the merge `merge` unless it has one already.
    fn insert_first(&mut self, pair: Pair, merge: Merge) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.resize(self.bits + 1);
        }
        let Some(key) = S::key(pair) else { return };
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key_of() != S::EMPTY_KEY {
            if self.slots[i].key_of() == key {
                return;
            }
            i = (i + 1) & mask;
        }
        self.slots[i] = S::new(key, merge);
        self.len += 1;
    }

    /// Makes room for `more` pairs at once.
    fn reserve(&mut self, more: usize) {
        let bits = ((self.len + more) * 2).next_power_of_two().trailing_zeros();
        if bits > self.bits {
            self.resize(bits);
        }
    }

    fn remove(&mut self, pair: Pair) -> Option<Merge> {
        let key = S::key(pair)?;
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key_of() != key {
            if self.slots[i].key_of() == S::EMPTY_KEY {
                return None;
            }
            i = (i + 1) & mask;
        }
        let merge = self.slots[i].merge();
        // Backward-shift deletion: move up each later slot of the run that may sit at `i` (its home is not
        // cyclically in (i, j]), so that no lookup stops early at the hole.
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s.key_of() == S::EMPTY_KEY {
                break;
            }
            let home = self.home(s.key_of());
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(i) & mask) {
                self.slots[i] = s;
                i = j;
            }
        }
        self.slots[i] = S::EMPTY;
        self.len -= 1;
        Some(merge)
    }

    /// Moves the pairs to a table of `1 << bits` slots.
    fn resize(&mut self, bits: u32) {
        self.bits = bits;
        let old = std::mem::replace(&mut self.slots, vec![S::EMPTY; 1 << bits]);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.key_of() != S::EMPTY_KEY) {
            let mut i = self.home(s.key_of());
            while self.slots[i].key_of() != S::EMPTY_KEY {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

impl Table<Narrow> {
    fn entries(&self) -> impl Iterator<Item = (Pair, Merge)> + '_ {
        self.slots.iter().filter(|s| s.key_of() != Narrow::EMPTY_KEY).map(|s| (s.pair(), s.merge()))
    }
}

/// The pairs past the dense table, in 8-byte slots while they fit.
#[derive(Clone)]
enum Tables {
    Narrow(Table<Narrow>),
    Wide(Table<Wide>),
}

/// Merge priorities (see the module docs). The first rank given for a pair wins.
#[derive(Clone)]
pub struct Ranks {
    dense: Box<[Merge]>,
    table: Tables,
}

impl Default for Ranks {
    fn default() -> Self {
        Ranks { dense: vec![NONE; (DENSE * DENSE) as usize].into_boxed_slice(), table: Tables::Narrow(Table::new(4)) }
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

    /// Asks for the line that [`get`](Self::get) of `pair` reads first (a hint; none by default).
    fn prefetch(&self, _pair: Pair) {}
}

impl PairRanks for Ranks {
    #[inline(always)]
    fn get(&self, pair: Pair) -> Option<Merge> {
        Ranks::get(self, pair)
    }

    #[inline(always)]
    fn prefetch(&self, pair: Pair) {
        match dense_index(pair) {
            Some(i) => prefetch(&self.dense[i]),
            None => match &self.table {
                Tables::Narrow(t) => t.prefetch(pair),
                Tables::Wide(t) => t.prefetch(pair),
            },
        }
    }
}

#[inline(always)]
fn dense_index((a, b): Pair) -> Option<usize> {
    (a < DENSE && b < DENSE).then(|| (a * DENSE + b) as usize)
}

impl Ranks {
    /// The merge of `pair`, if it has one.
    #[inline(always)]
    pub fn get(&self, pair: Pair) -> Option<Merge> {
        if let Some(i) = dense_index(pair) {
            let m = self.dense[i];
            return (m != NONE).then_some(m);
        }
        match &self.table {
            Tables::Narrow(t) => t.get(pair),
            Tables::Wide(t) => t.get(pair),
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
        if !Narrow::holds(pair, merge) {
            self.widen();
        }
        match &mut self.table {
            Tables::Narrow(t) => t.insert_first(pair, merge),
            Tables::Wide(t) => t.insert_first(pair, merge),
        }
    }

    /// [`insert_first`](Self::insert_first) of each of `merges` in order, with room made at once and each
    /// pair's slot asked for some inserts ahead: the table of a large vocabulary's merges is far bigger than
    /// the CPU's caches, and a miss per insert was most of building it.
    pub fn insert_all_first(&mut self, merges: &[(Pair, Merge)]) {
        if !merges.iter().all(|&(pair, merge)| dense_index(pair).is_some() || Narrow::holds(pair, merge)) {
            self.widen();
        }
        match &mut self.table {
            Tables::Narrow(t) => t.reserve(merges.len()),
            Tables::Wide(t) => t.reserve(merges.len()),
        }
        for (k, &(pair, merge)) in merges.iter().enumerate() {
            if let Some(&(ahead, _)) = merges.get(k + AHEAD).filter(|(p, _)| dense_index(*p).is_none()) {
                match &self.table {
                    Tables::Narrow(t) => t.prefetch(ahead),
                    Tables::Wide(t) => t.prefetch(ahead),
                }
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
        match &mut self.table {
            Tables::Narrow(t) => t.remove(pair),
            Tables::Wide(t) => t.remove(pair),
        }
    }

    /// Moves the pairs to 16-byte slots (a merge that 8 bytes do not hold is coming).
    fn widen(&mut self) {
        if let Tables::Narrow(narrow) = &self.table {
            let mut wide = Table::new(narrow.bits);
            for (pair, merge) in narrow.entries() {
                wide.insert_first(pair, merge);
            }
            self.table = Tables::Wide(wide);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    /// Random inserts, removals and lookups against a hash map; `merge_of(step)` is what an insert gives.
    fn agrees_with_a_hash_map(merge_of: impl Fn(u32) -> Merge, big: u32) -> Ranks {
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
                ranks.insert_first(pair, merge_of(step));
                want.entry(pair).or_insert(merge_of(step));
            }
            let probe = (next(300), next(300));
            assert_eq!(ranks.get(probe), want.get(&probe).copied(), "{probe:?} at {step}");
            // A pair of ids past what 8 bytes hold, aliasing a held one if its bits were packed as they are.
            let alias = (probe.0 >> 1, probe.1 | (probe.0 & 1) << ID_BITS | big);
            assert_eq!(ranks.get(alias), want.get(&alias).copied(), "{alias:?} at {step}");
        }
        for (&pair, &merge) in &want {
            assert_eq!(ranks.get(pair), Some(merge));
        }
        let len = match &ranks.table {
            Tables::Narrow(t) => t.len,
            Tables::Wide(t) => t.len,
        };
        assert_eq!(len, want.keys().filter(|p| dense_index(**p).is_none()).count());
        ranks
    }

    #[test]
    fn agrees_with_a_hash_map_in_16_byte_slots() {
        let ranks = agrees_with_a_hash_map(|step| (step, step + 1), 0);
        assert!(matches!(ranks.table, Tables::Wide(_)));
    }

    #[test]
    fn agrees_with_a_hash_map_in_8_byte_slots() {
        let ranks = agrees_with_a_hash_map(|step| (step + 300, step + 300), 1 << ID_BITS);
        assert!(matches!(ranks.table, Tables::Narrow(_)));
    }

    #[test]
    fn a_merge_8_bytes_do_not_hold_moves_the_table_to_16() {
        let big = (1 << ID_BITS) + 5;
        for odd in [((300, 301), (7, 8)), ((300, big), (7, 7)), ((300, 301), (big, big))] {
            let mut ranks: Ranks = (0..1000).map(|i| ((300 + i, 400), (1000 + i, 1000 + i))).collect();
            assert!(matches!(ranks.table, Tables::Narrow(_)));
            ranks.insert_first(odd.0, odd.1);
            assert!(matches!(ranks.table, Tables::Wide(_)), "{odd:?}");
            assert_eq!(ranks.get(odd.0), Some(odd.1));
            assert!((0..1000).all(|i| ranks.get((300 + i, 400)) == Some((1000 + i, 1000 + i))));
            // insert_all_first checks the whole list first.
            let all: Ranks = [((300, 400), (9, 9)), odd].into_iter().collect();
            assert_eq!((all.get((300, 400)), all.get(odd.0)), (Some((9, 9)), Some(odd.1)));
        }
    }

    #[test]
    fn the_first_merge_of_a_pair_wins() {
        let ranks: Ranks =
            [((1, 2), (0, 5)), ((1, 2), (3, 9)), ((500, 2), (1, 6)), ((500, 2), (4, 8))].into_iter().collect();
        assert_eq!((ranks.get((1, 2)), ranks.get((500, 2)), ranks.get((2, 1))), (Some((0, 5)), Some((1, 6)), None));
    }
}
