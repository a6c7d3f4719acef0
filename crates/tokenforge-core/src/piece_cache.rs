//! A pre-token → ids cache for short pieces: most pre-tokens are short and repeat (Zipf), so after a
//! warm-up nearly every piece is one probe of a flat table instead of a hash of a byte string plus BPE.
//!
//! A piece of 1–15 bytes is packed into a `u128` key (its bytes little-endian, its length in the top
//! byte, so no key is 0, the empty slot). An entry is 32 bytes — the key and up to three ids inline — so a
//! probe reads one entry and never follows a pointer. Open addressing with linear probing; the table
//! doubles at half load (so that nearly every piece is in its home slot or the next: at 3/4 a quarter of
//! gpt2's were not) and stops taking entries at its cap (memory stays bounded whatever the input).
//! Pieces of more than three ids, and longer pieces (up to [`MAX_LONG_PIECE`] bytes: code, rules of dashes,
//! long words), go to a hash map beside it, within a byte budget. One cache belongs to one
//! thread at a time: the encoder keeps a pool and hands each call (each batch worker) its own.
use rustc_hash::FxHashMap;

use crate::pretokenize::BATCH;

/// Longest piece the cache holds, in bytes.
pub const MAX_PIECE: usize = 15;
/// Most ids an entry holds.
const MAX_IDS: usize = 3;
/// Longest piece the map of long pieces holds, in bytes.
pub const MAX_LONG_PIECE: usize = 128;
/// Bytes of pieces and ids the map of long pieces holds at most.
const LONG_BUDGET: usize = 8 << 20;

#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Entry {
    key: u128,
    /// The ids, then their count: copied to the output as one 16-byte store.
    ids: [u32; MAX_IDS + 1],
}

/// Open-addressing table from packed pieces to their ids (see the module docs).
pub struct PieceCache {
    slots: Vec<Entry>,
    /// log2 of `slots.len()`.
    bits: u32,
    len: usize,
    /// Most entries ever held.
    cap: usize,
    /// Pieces of [`MAX_PIECE`] + 1 to [`MAX_LONG_PIECE`] bytes and their ids.
    long: FxHashMap<Box<[u8]>, Box<[u32]>>,
    /// Bytes of pieces and ids in `long`.
    long_bytes: usize,
    /// The keys and hashes of the batch of pieces being encoded (see [`take_batch`](Self::take_batch)).
    batch: Box<[(u128, u64); BATCH]>,
}

impl Clone for PieceCache {
    fn clone(&self) -> Self {
        let mut slots = room(self.slots.len());
        slots.extend_from_slice(&self.slots);
        PieceCache { slots, long: self.long.clone(), batch: self.batch.clone(), ..*self }
    }
}

/// `len` empty slots (see [`room`]).
fn table(len: usize) -> Vec<Entry> {
    let mut slots = room(len);
    slots.resize(len, Entry::default());
    slots
}

/// Room for `len` slots, not yet written. On Linux the kernel is asked to back it with huge pages (2 MiB)
/// before it is first written: a table of several MiB in 4 KiB pages misses the TLB on most probes.
fn room(len: usize) -> Vec<Entry> {
    let slots = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    if len * std::mem::size_of::<Entry>() >= 2 << 20 {
        extern "C" {
            fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        let start = slots.as_ptr() as usize;
        let from = start.next_multiple_of(4096);
        let end = start + len * std::mem::size_of::<Entry>();
        // SAFETY: the range lies within the allocation of `slots`; the advice changes no contents.
        unsafe { madvise(from as *mut std::ffi::c_void, end - from, MADV_HUGEPAGE) };
    }
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
fn prefetch(p: *const Entry) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch does not access memory; any address may be given.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[inline(always)]
fn hash(key: u128) -> u64 {
    let (lo, hi) = (key as u64, (key >> 64) as u64);
    (lo ^ hi).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl PieceCache {
    /// An empty cache that will hold at most `cap` entries.
    pub fn new(cap: usize) -> Self {
        let bits = 12;
        PieceCache {
            slots: table(1 << bits),
            bits,
            len: 0,
            cap,
            long: FxHashMap::default(),
            long_bytes: 0,
            batch: Box::new([(0, 0); BATCH]),
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
        let (slots, shift, mask) = (self.slots.as_ptr(), 64 - self.bits, self.slots.len() - 1);
        let mut done = 0;
        for &(key, h) in batch {
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
            if len + MAX_IDS + 1 > cap {
                break;
            }
            // SAFETY: the 4 slots from `len` are within the capacity (checked above); the count lands past the ids.
            unsafe { dst.add(len).cast::<[u32; MAX_IDS + 1]>().write_unaligned(e.ids) };
            len += e.ids[MAX_IDS] as usize;
            done += 1;
        }
        // SAFETY: the ids up to `len` were there before or written above.
        unsafe { out.set_len(len) };
        done
    }

    /// Appends the ids of the piece with `key` to `out`; false if it is not cached.
    #[inline]
    pub fn extend(&self, key: u128, out: &mut Vec<u32>) -> bool {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let e = &self.slots[i];
            if e.key == key {
                out.extend_from_slice(&e.ids[..e.ids[MAX_IDS] as usize]);
                return true;
            }
            if e.key == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Caches the ids of the piece with `key` (not cached: more than three ids, or the cache is full).
    pub fn insert(&mut self, key: u128, ids: &[u32]) {
        if ids.len() > MAX_IDS || self.len >= self.cap {
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mut e = Entry { key, ids: [0; MAX_IDS + 1] };
        e.ids[..ids.len()].copy_from_slice(ids);
        e.ids[MAX_IDS] = ids.len() as u32;
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != 0 {
            if self.slots[i].key == key {
                return;
            }
            i = (i + 1) & mask;
        }
        self.slots[i] = e;
        self.len += 1;
    }

    /// Caches the ids of a piece: in the table if it fits there, else in the map.
    pub fn insert_piece(&mut self, piece: &[u8], ids: &[u32]) {
        match key(piece) {
            Some(k) if ids.len() <= MAX_IDS => self.insert(k, ids),
            _ => self.insert_long(piece, ids),
        }
    }

    /// Appends the ids of a piece in the map to `out`; false if it is not there.
    #[inline]
    pub fn extend_long(&self, piece: &[u8], out: &mut Vec<u32>) -> bool {
        if piece.len() > MAX_LONG_PIECE {
            return false;
        }
        self.long.get(piece).map(|ids| out.extend_from_slice(ids)).is_some()
    }

    /// Caches the ids of a piece in the map (not cached: over [`MAX_LONG_PIECE`] bytes, or the budget is spent).
    fn insert_long(&mut self, piece: &[u8], ids: &[u32]) {
        let size = piece.len() + 4 * ids.len();
        if piece.len() > MAX_LONG_PIECE || self.long_bytes + size > LONG_BUDGET {
            return;
        }
        if self.long.insert(piece.into(), ids.into()).is_none() {
            self.long_bytes += size;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(&mut self.slots, table(2 << self.bits));
        self.bits += 1;
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
        let mut cache = PieceCache::new(10);
        let piece = |i: usize| format!("{i:0>100}").into_bytes();
        let ids: Vec<u32> = (0..25).collect();
        let fits = LONG_BUDGET / (100 + 4 * ids.len());
        for i in 0..fits + 10 {
            cache.insert_long(&piece(i), &ids);
        }
        let mut out = Vec::new();
        assert!(cache.extend_long(&piece(0), &mut out) && out == ids);
        assert!(cache.extend_long(&piece(fits - 1), &mut out));
        assert!(!cache.extend_long(&piece(fits), &mut out), "over the budget");
        cache.insert_long(&[b'x'; MAX_LONG_PIECE + 1], &ids);
        assert!(!cache.extend_long(&[b'x'; MAX_LONG_PIECE + 1], &mut out), "too long");
        let mut cache = PieceCache::new(10);
        cache.insert_piece(b"short", &[1, 2, 3, 4]);
        cache.insert_piece(b"fits", &[1, 2, 3]);
        assert!(cache.extend_long(b"short", &mut out), "four ids: in the map");
        assert!(!cache.extend_long(b"fits", &mut out) && get(&cache, key(b"fits").unwrap()) == Some(vec![1, 2, 3]));
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
        let mut kept = 0;
        for i in 0..10_000u32 {
            let ids: Vec<u32> = (1..=i % 5).collect();
            let k = key(format!("p{i}").as_bytes()).unwrap();
            cache.insert(k, &ids);
            let expect_kept = ids.len() <= MAX_IDS && kept < 5000;
            kept += expect_kept as usize;
            assert_eq!(get(&cache, k), expect_kept.then_some(ids), "p{i}");
        }
        assert_eq!(cache.len(), 5000);
        assert_eq!(get(&cache, key(b"p1").unwrap()), Some(vec![1u32]));
        cache.insert(key(b"none").unwrap(), &[]);
        assert_eq!(get(&cache, key(b"none").unwrap()), None, "full");
    }
}
