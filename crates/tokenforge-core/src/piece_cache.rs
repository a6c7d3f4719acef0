//! A pre-token → ids cache for short pieces: most pre-tokens are short and repeat (Zipf), so after a
//! warm-up nearly every piece is one probe of a flat table instead of a hash of a byte string plus BPE.
//!
//! A piece of 1–15 bytes is packed into a `u128` key (its bytes little-endian, its length in the top
//! byte, so no key is 0, the empty slot). An entry is 32 bytes — the key and up to three ids inline — so a
//! probe reads one entry and never follows a pointer. Open addressing with linear probing; the table
//! doubles at half load (so that nearly every piece is in its home slot or the next: at 3/4 a quarter of
//! gpt2's were not) and stops taking entries at its cap (memory stays bounded whatever the input).
//! The ids of a piece of more than three (non-ASCII text: gpt2 has ~36k such lookups per 5 MB) are
//! spilled to an arena beside the table, the entry holding where they start, so such a piece is still one
//! probe of its prefetched home slot. Longer pieces (up to [`MAX_LONG_PIECE`] bytes: code, rules of dashes,
//! long words) are in the same table under a key made of a hash of their bytes and their length
//! ([`long_key`]), their bytes and ids in the arenas, checked with one comparison; the arenas stay within a
//! byte budget. One cache belongs to one thread at a time: the encoder keeps a pool and hands each call
//! (each batch worker) its own.
use crate::huge_pages::huge_room;
use crate::pretokenize::BATCH;

/// Longest piece the cache holds, in bytes.
pub const MAX_PIECE: usize = 15;
/// Most ids an entry holds.
const MAX_IDS: usize = 3;
/// Longest piece the cache holds, in bytes.
pub const MAX_LONG_PIECE: usize = 128;
/// Bytes of ids and pieces the arenas hold at most.
const SPILL_BUDGET: usize = 8 << 20;
/// Ids copied at once from the spilled ids of a short piece: the most a short piece's entry holds (BPE
/// gives at most one id per byte; a model giving more for a short piece is not cached).
const SPILL_COPY: usize = MAX_PIECE + 1;
/// The top byte of a long piece's key (a short piece's is its length, 1..=[`MAX_PIECE`]).
const LONG_TAG: u128 = 0x80 << 120;

#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Entry {
    key: u128,
    /// The ids, then their count: copied to the output as one 16-byte store. Past [`MAX_IDS`] ids (and for
    /// every long piece) the first holds where the ids start in `PieceCache::spill` (a long piece's second,
    /// where its bytes start in `PieceCache::pieces`).
    ids: [u32; MAX_IDS + 1],
}

impl Entry {
    /// Whether the ids are spilled: past what the entry holds, or a long piece's.
    #[inline(always)]
    fn spilled(&self) -> bool {
        self.ids[MAX_IDS] as usize > MAX_IDS || self.key & LONG_TAG != 0
    }
}

/// Open-addressing table from packed pieces to their ids (see the module docs).
pub struct PieceCache {
    slots: Vec<Entry>,
    /// log2 of `slots.len()`.
    bits: u32,
    len: usize,
    /// Most entries ever held.
    cap: usize,
    /// Spilled ids, one entry's after the other, then [`SPILL_COPY`] zeros (so that a short piece's are
    /// copied as one block of that many).
    spill: Vec<u32>,
    /// The bytes of the long pieces.
    pieces: Vec<u8>,
    /// The keys and hashes of the batch of pieces being encoded (see [`take_batch`](Self::take_batch)).
    batch: Box<[(u128, u64); BATCH]>,
    /// Whether the encoder found a piece of the last batch in its shared table of tokens (this cache is still
    /// learning them; the encoder then prefetches that table's slots for the next batch too).
    pub learning: bool,
}

/// `len` empty slots, on huge pages where the kernel can.
fn table(len: usize) -> Vec<Entry> {
    let mut slots = huge_room(len);
    slots.resize(len, Entry::default());
    slots
}

/// The key of a piece of 1..=[`MAX_PIECE`] bytes, else `None`.
#[inline]
pub fn key(piece: &[u8]) -> Option<u128> {
    if piece.is_empty() || piece.len() > MAX_PIECE {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..piece.len()].copy_from_slice(piece);
    buf[15] = piece.len() as u8;
    Some(u128::from_le_bytes(buf))
}

/// The key of a piece the table cannot hold (empty, or longer than [`MAX_PIECE`]): no piece's key has a top
/// byte above 15 and the empty slot's is 0, so it is never found.
pub const NO_KEY: u128 = u128::MAX;

/// The key of `text[start..end]` ([`NO_KEY`] if its length is not in 1..=[`MAX_PIECE`]): one 16-byte load
/// when 16 bytes of `text` follow `start`.
#[inline(always)]
pub fn key_in(text: &[u8], start: usize, end: usize) -> u128 {
    match text.get(start..start + 16) {
        Some(window) => window_key(window.try_into().expect("16 bytes"), end - start),
        None => key(&text[start..end]).unwrap_or(NO_KEY),
    }
}

/// The key of the first `len` bytes of `window`.
#[inline(always)]
fn window_key(window: [u8; 16], len: usize) -> u128 {
    let len = len.min(MAX_PIECE + 1);
    u128::from_le_bytes(window) & KEEP[len] | TAG[len]
}

/// `KEEP[len]` keeps the low `len` bytes of a window and `TAG[len]` puts the length in the top byte, for
/// `len` in 1..=[`MAX_PIECE`]; a longer or empty piece keeps nothing and is tagged [`NO_KEY`]. (Tables: a
/// variable `u128` shift is a dozen instructions, a branch on the length a misprediction now and then.)
const KEEP: [u128; MAX_PIECE + 2] = {
    let mut keep = [0u128; MAX_PIECE + 2];
    let mut len = 1;
    while len <= MAX_PIECE {
        keep[len] = (1u128 << (8 * len)) - 1;
        len += 1;
    }
    keep
};

const TAG: [u128; MAX_PIECE + 2] = {
    let mut tag = [NO_KEY; MAX_PIECE + 2];
    let mut len = 1;
    while len <= MAX_PIECE {
        tag[len] = (len as u128) << 120;
        len += 1;
    }
    tag
};

/// Asks for the cache line at `p` to be loaded into the L1 cache (no-op but on x86_64).
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch does not access memory; any address may be given.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn hash(key: u128) -> u64 {
    let (lo, hi) = (key as u64, (key >> 64) as u64);
    (lo ^ hi).wrapping_mul(K)
}

/// The key of a piece of more than [`MAX_PIECE`] bytes: a hash of its bytes (8 at a time, each step a
/// 64 × 64-bit product folded to its two halves' xor, so that every bit reaches every other), its length and
/// [`LONG_TAG`]. Two pieces may share one; the bytes kept with the entry tell them apart.
pub fn long_key(piece: &[u8]) -> u128 {
    let mut words = piece.chunks_exact(8);
    let mix = |h: u64, w: u64| {
        let m = ((h ^ w) as u128) * K as u128;
        m as u64 ^ (m >> 64) as u64
    };
    let mut h = words.by_ref().fold(0, |h, w| mix(h, u64::from_le_bytes(w.try_into().expect("8 bytes"))));
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(w));
    }
    h as u128 | (piece.len() as u128) << 64 | LONG_TAG
}

impl PieceCache {
    /// An empty cache that will hold at most `cap` entries.
    pub fn new(cap: usize) -> Self {
        let bits = 16;
        PieceCache {
            slots: table(1 << bits),
            bits,
            len: 0,
            cap,
            spill: Vec::new(),
            pieces: Vec::new(),
            batch: Box::new([(0, 0); BATCH]),
            learning: true,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    fn home(&self, key: u128) -> usize {
        (hash(key) >> (64 - self.bits)) as usize
    }

    /// Takes a batch of pieces, `text[start..ends[0]]`, `text[ends[0]..ends[1]]`, ... (at most [`BATCH`]):
    /// keeps their keys (see [`key_in`]) and hashes, and asks for the line of each one's home slot, so that
    /// the probes of [`extend_homes`](Self::extend_homes) overlap their cache misses.
    #[inline(always)]
    pub fn take_batch(&mut self, text: &[u8], mut start: usize, ends: &[usize]) {
        let (slots, shift) = (self.slots.as_ptr(), 64 - self.bits);
        let batch = &mut self.batch[..ends.len()];
        let mut keep = |k: usize, key: u128| {
            let h = hash(key);
            prefetch(slots.wrapping_add((h >> shift) as usize));
            batch[k] = (key, h);
        };
        // The pieces that 16 bytes of `text` follow (all but the last few of a text): one window load each.
        let (windows, mut k) = (text.len().saturating_sub(15), 0);
        while k < ends.len() && start < windows {
            // SAFETY: `start + 16 <= text.len()` (the loop's condition).
            let window = unsafe { text.as_ptr().add(start).cast::<[u8; 16]>().read_unaligned() };
            keep(k, window_key(window, ends[k] - start));
            (start, k) = (ends[k], k + 1);
        }
        for (k, &end) in ends.iter().enumerate().skip(k) {
            keep(k, key_in(text, start, end));
            start = end;
        }
    }

    /// The hash of piece `k` of the batch (see [`take_batch`](Self::take_batch)).
    #[inline(always)]
    pub fn batch_hash(&self, k: usize) -> u64 {
        self.batch[k].1
    }

    /// Asks for the line of the home slot of a key with hash `h` to be loaded.
    #[inline(always)]
    pub fn prefetch_hash(&self, h: u64) {
        prefetch(self.slots.as_ptr().wrapping_add((h >> (64 - self.bits)) as usize));
    }

    /// The key of piece `k` of the batch (see [`take_batch`](Self::take_batch)).
    #[inline(always)]
    pub fn batch_key(&self, k: usize) -> u128 {
        self.batch[k].0
    }

    /// Appends the ids of the batch's pieces `from..to` to `out`, one after the other, as long as each is in
    /// its home slot or the next (most are) and `out` has room without growing (room for one id per piece is
    /// made first); returns how many were.
    #[inline(always)]
    pub fn extend_homes(&self, from: usize, to: usize, out: &mut Vec<u32>) -> usize {
        let batch = &self.batch[from..to];
        out.reserve(batch.len() + MAX_IDS);
        let (dst, mut len, cap) = (out.as_mut_ptr(), out.len(), out.capacity());
        // Past this length there is no room for an entry's 4 ids (the reservation makes room for them at `len`).
        let last = cap.saturating_sub(MAX_IDS + 1);
        let (slots, shift, mask) = (self.slots.as_ptr(), 64 - self.bits, self.slots.len() - 1);
        let spill = self.spill.as_ptr();
        // One pointer walks the batch (a count beside it cost an instruction per piece).
        let (first, end) = (batch.as_ptr(), batch.as_ptr_range().end);
        let mut at = first;
        while at != end {
            // SAFETY: `at` is within the batch (it stops at its end).
            let (key, h) = unsafe { *at };
            let home = (h >> shift) as usize;
            // SAFETY: `h >> shift` is below 2^bits, the number of slots, and so is anything masked with `mask`.
            let mut e = unsafe { &*slots.add(home) };
            if e.key != key {
                // Linear probing put most of the pieces that are not in their home slot in the next one.
                e = unsafe { &*slots.add((home + 1) & mask) };
                if e.key != key {
                    break;
                }
            }
            if len > last {
                break;
            }
            // SAFETY: the 4 slots from `len` are within the capacity (checked above); the count lands past the ids.
            unsafe { dst.add(len).cast::<[u32; MAX_IDS + 1]>().write_unaligned(e.ids) };
            let n = e.ids[MAX_IDS] as usize;
            // A batch's keys are short pieces': spilled ids are the ones past what the entry holds.
            if n > MAX_IDS {
                if len + SPILL_COPY > cap {
                    break;
                }
                // SAFETY: `SPILL_COPY` ids follow the start of any spilled ids in `spill` (see `spill`), and
                // as many slots from `len` are within the capacity (checked above).
                unsafe {
                    let ids = spill.add(e.ids[0] as usize).cast::<[u32; SPILL_COPY]>().read_unaligned();
                    dst.add(len).cast::<[u32; SPILL_COPY]>().write_unaligned(ids);
                }
            }
            len += n;
            // SAFETY: at most one past the batch's last element.
            at = unsafe { at.add(1) };
        }
        // SAFETY: the ids up to `len` were there before or written above; `at` is in or just past the batch.
        unsafe {
            out.set_len(len);
            at.offset_from(first) as usize
        }
    }

    /// Appends the ids of the piece with `key` to `out`; false if it is not cached.
    #[inline]
    pub fn extend(&self, key: u128, out: &mut Vec<u32>) -> bool {
        self.find(key).map(|e| out.extend_from_slice(self.ids(e))).is_some()
    }

    /// Appends the ids of a piece of more than [`MAX_PIECE`] bytes to `out`; false if it is not cached.
    pub fn extend_long(&self, piece: &[u8], out: &mut Vec<u32>) -> bool {
        if piece.len() > MAX_LONG_PIECE {
            return false;
        }
        let e = self.find(long_key(piece)).filter(|e| {
            let from = e.ids[1] as usize;
            self.pieces[from..from + piece.len()] == *piece
        });
        e.map(|e| out.extend_from_slice(self.ids(e))).is_some()
    }

    /// The entry of `key`.
    #[inline]
    fn find(&self, key: u128) -> Option<&Entry> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let e = &self.slots[i];
            if e.key == key {
                return Some(e);
            }
            if e.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The ids of an entry.
    #[inline]
    fn ids<'a>(&'a self, e: &'a Entry) -> &'a [u32] {
        let n = e.ids[MAX_IDS] as usize;
        if e.spilled() {
            &self.spill[e.ids[0] as usize..][..n]
        } else {
            &e.ids[..n]
        }
    }

    /// Caches the ids of the piece with `key` (not cached: more than [`SPILL_COPY`] ids, the cache is full, or
    /// the ids would spill past the budget).
    pub fn insert(&mut self, key: u128, ids: &[u32]) {
        if ids.len() <= SPILL_COPY {
            self.insert_entry(key, ids, &[]);
        }
    }

    /// Caches the ids of a piece (not cached: empty, longer than [`MAX_LONG_PIECE`] bytes, or as for
    /// [`insert`](Self::insert)).
    pub fn insert_piece(&mut self, piece: &[u8], ids: &[u32]) {
        match key(piece) {
            Some(k) => self.insert(k, ids),
            None if piece.len() <= MAX_LONG_PIECE && !piece.is_empty() => {
                self.insert_entry(long_key(piece), ids, piece)
            }
            None => {}
        }
    }

    /// Caches `ids` under `key`, spilling them (and `piece`, the bytes of a long piece) to the arenas when the
    /// entry cannot hold them; a key already there keeps its entry.
    fn insert_entry(&mut self, key: u128, ids: &[u32], piece: &[u8]) {
        let spills = ids.len() > MAX_IDS || !piece.is_empty();
        let spilled = self.spill.len().saturating_sub(SPILL_COPY);
        if self.len >= self.cap
            || spills && 4 * (spilled + ids.len() + SPILL_COPY) + self.pieces.len() + piece.len() > SPILL_BUDGET
        {
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != 0 {
            if self.slots[i].key == key {
                return;
            }
            i = (i + 1) & mask;
        }
        let mut e = Entry { key, ids: [0; MAX_IDS + 1] };
        if spills {
            e.ids[..2].copy_from_slice(&[spilled as u32, self.pieces.len() as u32]);
            self.spill.truncate(spilled);
            self.spill.extend_from_slice(ids);
            self.spill.extend_from_slice(&[0; SPILL_COPY]);
            self.pieces.extend_from_slice(piece);
        } else {
            e.ids[..ids.len()].copy_from_slice(ids);
        }
        e.ids[MAX_IDS] = ids.len() as u32;
        self.slots[i] = e;
        self.len += 1;
    }

    /// Caches pieces of one id each (`(key, id)`: a vocabulary's tokens), with room made at once and each
    /// one's home slot asked for some inserts ahead: the table of a large vocabulary's tokens is far bigger
    /// than the CPU's caches, and a miss per insert was most of seeding it.
    pub fn insert_all(&mut self, pieces: &[(u128, u32)]) {
        let bits = ((self.len + pieces.len()).min(self.cap) * 2).next_power_of_two().trailing_zeros();
        if bits > self.bits {
            self.resize(bits);
        }
        const AHEAD: usize = 16;
        for (k, &(key, id)) in pieces.iter().enumerate() {
            if let Some(&(ahead, _)) = pieces.get(k + AHEAD) {
                prefetch(&self.slots[self.home(ahead)]);
            }
            self.insert(key, &[id]);
        }
    }

    fn grow(&mut self) {
        self.resize(self.bits + 1);
    }

    /// Moves the entries to a table of `1 << bits` slots.
    fn resize(&mut self, bits: u32) {
        let old = std::mem::replace(&mut self.slots, table(1 << bits));
        self.bits = bits;
        let mask = self.slots.len() - 1;
        for e in old.into_iter().filter(|e| e.key != 0) {
            let mut i = self.home(e.key);
            while self.slots[i].key != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_pieces_apart_and_agree_with_the_window_load() {
        let text = b"ab\0ab\0\0 the cat sat on the mat, and then some more text";
        let mut seen = std::collections::HashMap::new();
        for start in 0..text.len() {
            for end in start + 1..=(start + MAX_PIECE).min(text.len()) {
                let k = key_in(text, start, end);
                assert_eq!(Some(k), key(&text[start..end]));
                assert_ne!(k, 0);
                assert_eq!(*seen.entry(k).or_insert(&text[start..end]), &text[start..end]);
            }
        }
        assert_eq!(key(b""), None);
        assert_eq!(key(&[b'x'; 16]), None);
        let long = [b'x'; 40];
        assert_eq!(
            (key_in(&long, 0, 16), key_in(&long, 30, 40), key_in(&long, 3, 3)),
            (NO_KEY, key(&long[30..]).unwrap(), NO_KEY)
        );
    }

    fn get(cache: &PieceCache, key: u128) -> Option<Vec<u32>> {
        let mut out = vec![7];
        cache.extend(key, &mut out).then(|| out[1..].to_vec())
    }

    #[test]
    fn long_pieces_are_held_within_the_budget() {
        let mut cache = PieceCache::new(1 << 20);
        let piece = |i: usize| format!("{i:0>100}").into_bytes();
        let ids: Vec<u32> = (0..25).collect();
        let fits = (SPILL_BUDGET - 4 * SPILL_COPY) / (100 + 4 * ids.len());
        for i in 0..fits + 10 {
            cache.insert_piece(&piece(i), &ids);
        }
        let mut out = Vec::new();
        assert!(cache.extend_long(&piece(0), &mut out) && out == ids);
        assert!(cache.extend_long(&piece(fits - 1), &mut out));
        assert!(!cache.extend_long(&piece(fits), &mut out), "over the budget");
        cache.insert_piece(&[b'x'; MAX_LONG_PIECE + 1], &ids);
        assert!(!cache.extend_long(&[b'x'; MAX_LONG_PIECE + 1], &mut out), "too long");
        assert_eq!(cache.len(), fits, "a piece over the budget takes no entry");
    }

    #[test]
    fn long_pieces_are_told_apart_by_their_bytes() {
        let mut cache = PieceCache::new(100);
        let (a, b) =
            (b"a piece of more than fifteen bytes".as_slice(), b"a piece of more than fifteen BYTES".as_slice());
        assert_ne!(long_key(a), long_key(b));
        cache.insert_piece(a, &[1]);
        cache.insert_piece(b, &[2, 3]);
        let mut out = Vec::new();
        assert!(cache.extend_long(a, &mut out) && cache.extend_long(b, &mut out));
        assert_eq!(out, [1, 2, 3], "a long piece's ids are spilled even when few");
        assert!(!cache.extend_long(&a[1..], &mut out) && !cache.extend_long(&[a, b"!"].concat(), &mut out));
        // Two pieces of one key (a collision of the hash): the bytes kept with the entry tell them apart.
        let c = b"another piece, as long as the first".as_slice();
        let mut cache = PieceCache::new(100);
        cache.insert_entry(long_key(&c[1..]), &[4], a);
        assert!(!cache.extend_long(&c[1..], &mut out) && out == [1, 2, 3]);
    }

    #[test]
    fn long_keys_differ_where_pieces_differ_in_two_bytes() {
        let at = [0, 7, 8, 15, 23, 31, 39];
        for (i, &x) in at.iter().enumerate() {
            for &y in &at[i + 1..] {
                let mut keys = std::collections::HashSet::new();
                for (u, v) in (0..256).map(|uv| (b'a' + (uv >> 4) as u8, b'a' + (uv & 15) as u8)) {
                    let mut piece = [b'-'; 40];
                    (piece[x], piece[y]) = (u, v);
                    assert!(keys.insert(long_key(&piece)), "bytes {x} and {y}");
                }
            }
        }
    }

    #[test]
    fn ids_past_three_are_spilled_and_read_back_from_a_batch() {
        let pieces = ["über", " naïve", " ok", " ΑΒΓΔΕΖΗ", " 日本語テ", " Ωmega", " ünïcödé", "."].map(str::as_bytes);
        let text = pieces.concat();
        let ends: Vec<usize> = pieces.iter().scan(0, |end, p| Some(*end + p.len()).inspect(|e| *end = *e)).collect();
        let mut cache = PieceCache::new(100);
        let mut want = vec![7];
        for (k, piece) in pieces.iter().enumerate() {
            // As many ids as bytes, up to the most a short piece has (one per byte).
            let ids: Vec<u32> = (0..piece.len() as u32).map(|i| 100 * k as u32 + i).collect();
            cache.insert_piece(piece, &ids);
            want.extend(&ids);
        }
        assert!(pieces.iter().any(|p| p.len() == MAX_PIECE) && pieces.iter().filter(|p| p.len() > MAX_IDS).count() > 4);
        let mut out = Vec::with_capacity(want.len() + SPILL_COPY);
        out.push(7);
        cache.take_batch(&text, 0, &ends);
        assert_eq!(cache.extend_homes(0, ends.len(), &mut out), ends.len());
        assert_eq!(out, want);
        // Where `out` has no room for the block of spilled ids, it stops before growing; `extend` reads them too.
        let mut past = PieceCache::new(10);
        past.insert(key(b"x").unwrap(), &[1; SPILL_COPY + 1]);
        assert!(past.is_empty(), "more ids than one block copies");
        let mut tight = Vec::with_capacity(SPILL_COPY - 1);
        assert_eq!(cache.extend_homes(0, 1, &mut tight), 0);
        assert_eq!(tight.capacity(), SPILL_COPY - 1);
        assert!(cache.extend(cache.batch_key(0), &mut tight) && tight == want[1..=pieces[0].len()]);
    }

    #[test]
    fn a_batch_is_read_from_home_slots_up_to_the_first_miss() {
        let text = b"the cat sat on the mat, then a word too long for a key; our end";
        let ends = [3, 7, 11, 14, 18, 22, 23, 28, 54, 55, 59, 63];
        let mut cache = PieceCache::new(100);
        let mut want = vec![7];
        for (k, &end) in ends.iter().enumerate().filter(|&(k, _)| k != 7 && k != 8) {
            let ids: Vec<u32> = (0..k as u32 % 4).map(|i| 10 * k as u32 + i).collect();
            cache.insert(key(&text[if k == 0 { 0 } else { ends[k - 1] }..end]).unwrap(), &ids);
            want.extend(if k < 7 { &ids[..] } else { &[] });
        }
        let mut out = Vec::with_capacity(64);
        out.push(7);
        cache.take_batch(text, 0, &ends[..7]);
        assert_eq!(cache.extend_homes(0, 7, &mut out), 7);
        assert_eq!(out, want);
        // Room is made for one id per piece: where pieces have more, it stops before `out` would grow.
        let mut tight = vec![7];
        let done = cache.extend_homes(0, 7, &mut tight);
        assert!(done < 7 && tight.len() + MAX_IDS + 1 > tight.capacity() && want.starts_with(&tight), "{done}");
        // Then a miss (" then"), a piece too long for the table, and pieces read near the end of the text.
        cache.take_batch(text, 23, &ends[7..]);
        assert_eq!(cache.extend_homes(0, 5, &mut out), 0, "a miss stops it");
        assert_eq!((cache.batch_key(0), cache.batch_key(1)), (key(b" then").unwrap(), NO_KEY));
        assert_eq!(cache.extend_homes(1, 5, &mut out), 0, "so does a piece without a key");
        assert_eq!(cache.extend_homes(2, 5, &mut out), 3);
        want.extend([90, 100, 101, 110, 111, 112]);
        assert_eq!(out, want);
    }

    #[test]
    fn a_batch_reads_the_slot_after_home_too() {
        let mut cache = PieceCache::new(100);
        let piece = |i: usize| format!("p{i}").into_bytes();
        let home = |cache: &PieceCache, i: usize| cache.home(key(&piece(i)).unwrap());
        let same: Vec<usize> = (1..).filter(|&i| home(&cache, i) == home(&cache, 0)).take(2).collect();
        let text = [piece(0), piece(same[0]), piece(same[1])].concat();
        let ends = [2, 2 + piece(same[0]).len(), text.len()];
        for (k, i) in [0, same[0], same[1]].into_iter().enumerate() {
            cache.insert(key(&piece(i)).unwrap(), &[k as u32]);
        }
        let mut out = Vec::with_capacity(16);
        cache.take_batch(&text, 0, &ends);
        assert_eq!(cache.extend_homes(0, 3, &mut out), 2, "the third is two slots away");
        assert!(cache.extend(cache.batch_key(2), &mut out));
        assert_eq!(out, [0, 1, 2]);
    }

    #[test]
    fn an_entry_may_hold_no_ids() {
        let mut cache = PieceCache::new(10);
        cache.insert(key(b" ").unwrap(), &[]);
        assert_eq!(get(&cache, key(b" ").unwrap()), Some(vec![]));
    }

    #[test]
    fn holds_what_was_inserted_up_to_its_cap() {
        let mut cache = PieceCache::new(5000);
        for i in 0..10_000u32 {
            let ids: Vec<u32> = (1..=i % 5).collect();
            let k = key(format!("p{i}").as_bytes()).unwrap();
            cache.insert(k, &ids);
            assert_eq!(get(&cache, k), (i < 5000).then_some(ids), "p{i}");
        }
        assert_eq!(cache.len(), 5000);
        assert_eq!(get(&cache, key(b"p1").unwrap()), Some(vec![1u32]));
        cache.insert(key(b"none").unwrap(), &[]);
        assert_eq!(get(&cache, key(b"none").unwrap()), None, "full");
    }
}
