//! Counting pre-tokens: documents in, `{piece bytes: count}` out, on all cores.
//!
//! Documents may arrive in segments (a huge text file is streamed in blocks). A segment that does not
//! end its document holds back its last piece, which is re-split together with the next segment, so a
//! segment boundary never changes the pieces: splitting from a piece start depends only on the text
//! after it, so once the re-split reaches a piece start of the next segment's own split, both agree.
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::pretokenize::Pretokenizer;
use crate::spill::{training_cost, Runs};

/// Pre-token counts: the input of BPE training. Counts are 64-bit.
#[derive(Debug, Default, Clone)]
pub struct WordCounts {
    map: FxHashMap<Vec<u8>, u64>,
    /// Heap memory of the keys ([`crate::spill::key_cost`] of each).
    keys: usize,
}

/// Bytes of one slot of the table: a key's handle, its count and a control byte.
const SLOT: usize = std::mem::size_of::<(Vec<u8>, u64)>() + 1;

/// Bytes of a hash table's slots at `capacity` entries (hashbrown: a power of two of buckets, 7/8 usable).
fn table_bytes(capacity: usize) -> usize {
    if capacity == 0 {
        0
    } else {
        (capacity * 8 / 7).next_power_of_two() * SLOT
    }
}

impl WordCounts {
    /// Adds `n` occurrences of `piece`.
    pub fn add(&mut self, piece: &[u8], n: u64) {
        if let Some(c) = self.map.get_mut(piece) {
            *c += n;
        } else {
            self.keys += crate::spill::key_cost(piece.len());
            self.map.insert(piece.to_vec(), n);
        }
    }

    /// Adds all counts of `other`.
    pub fn merge(&mut self, other: WordCounts) {
        let (mut into, from) = if other.map.len() > self.map.len() {
            (other, std::mem::take(self))
        } else {
            (std::mem::take(self), other)
        };
        for (k, v) in from.map {
            match into.map.entry(k) {
                std::collections::hash_map::Entry::Occupied(mut e) => *e.get_mut() += v,
                std::collections::hash_map::Entry::Vacant(e) => {
                    into.keys += crate::spill::key_cost(e.key().len());
                    e.insert(v);
                }
            }
        }
        *self = into;
    }

    /// Memory the table may need, in bytes: its keys, and twice its slots (room to grow, or to write it out as
    /// a sorted run).
    pub fn bytes(&self) -> usize {
        self.keys + 2 * table_bytes(self.map.capacity())
    }

    /// Adds `n` occurrences of `piece`, unless it is new and would take [`bytes`](Self::bytes) past `at`;
    /// returns whether it was added.
    fn add_within(&mut self, piece: &[u8], n: u64, at: usize) -> bool {
        if let Some(c) = self.map.get_mut(piece) {
            *c += n;
            return true;
        }
        let len = self.map.len();
        let capacity = if len < self.map.capacity() { self.map.capacity() } else { len + 1 };
        let key = crate::spill::key_cost(piece.len());
        if len > 0 && self.keys + key + 2 * table_bytes(capacity) > at {
            return false;
        }
        self.keys += key;
        self.map.insert(piece.to_vec(), n);
        true
    }

    /// Empties the table (keeping its slots for what comes next), yielding its entries.
    pub fn drain(&mut self) -> impl Iterator<Item = (Vec<u8>, u64)> + '_ {
        self.keys = 0;
        self.map.drain()
    }

    /// Counts from `(word, count)` pairs (tests).
    #[cfg(test)]
    pub(crate) fn of(words: &[(&str, u64)]) -> WordCounts {
        let mut c = WordCounts::default();
        for (w, n) in words {
            c.add(w.as_bytes(), *n);
        }
        c
    }

    /// The counts as sorted `(bytes, count)` pairs (tests).
    #[cfg(test)]
    pub(crate) fn sorted(&self) -> Vec<(Vec<u8>, u64)> {
        let mut v: Vec<_> = self.iter().map(|(k, n)| (k.to_vec(), n)).collect();
        v.sort();
        v
    }

    /// Number of distinct pieces.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `(piece, count)` pairs in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.map.iter().map(|(k, &v)| (k.as_slice(), v))
    }
}

/// One segment of a document: its bytes, and whether the document ends with it.
pub struct Segment<'a> {
    pub data: &'a [u8],
    pub ends_document: bool,
}

/// Segments longer than this are split in parts on all cores.
const PART_BYTES: usize = 1 << 20;

/// Streams segments into [`WordCounts`] with one pre-tokenizer.
pub struct Counter {
    pre: Pretokenizer,
    counts: WordCounts,
    /// Held-back text of an unfinished document; it starts at a piece start.
    pending: Vec<u8>,
    /// Sorted runs on disk, and the table size that triggers the next one.
    spill: Option<(Runs, usize)>,
}

impl Counter {
    /// An empty counter.
    pub fn new(pre: Pretokenizer) -> Self {
        Counter { pre, counts: WordCounts::default(), pending: Vec::new(), spill: None }
    }

    /// A counter that writes its table to a sorted run in `dir` whenever it holds more than `spill_at` bytes.
    pub fn spilling(pre: Pretokenizer, dir: impl Into<std::path::PathBuf>, spill_at: usize) -> Self {
        Counter { spill: Some((Runs::new(dir), spill_at)), ..Counter::new(pre) }
    }

    /// Number of runs spilled to disk so far.
    pub fn runs(&self) -> usize {
        self.spill.as_ref().map_or(0, |(r, _)| r.written())
    }

    /// Adds `n` occurrences of `piece`; a spilling counter first writes its table to a run when the piece
    /// would take the table past its size (so the table never holds more, whatever a batch brings).
    fn add_bounded(&mut self, piece: &[u8], n: u64) -> Result<()> {
        let Some((runs, at)) = &mut self.spill else {
            self.counts.add(piece, n);
            return Ok(());
        };
        if !self.counts.add_within(piece, n, *at) {
            runs.spill(&mut self.counts)?;
            self.counts.add(piece, n);
        }
        Ok(())
    }

    /// Counts a batch of segments (in order): splits them in parallel, stitches the boundaries, counts in
    /// parallel.
    pub fn feed(&mut self, segments: &[Segment<'_>]) -> Result<()> {
        let mut splits = self.split_parallel(segments)?;
        let mut ranges = Vec::with_capacity(segments.len());
        for (seg, starts) in segments.iter().zip(splits.iter_mut()) {
            let len = seg.data.len();
            let first = if self.pending.is_empty() { 0 } else { self.stitch(seg, starts)? };
            let hold = if seg.ends_document || first == len {
                len
            } else {
                // Hold back from the last piece start that is settled whatever the next segment holds.
                let pre = &self.pre;
                let limit = len.saturating_sub(pre.margin());
                let i = starts.partition_point(|&s| s <= limit);
                starts[..i]
                    .iter()
                    .rev()
                    .take_while(|&&s| s > first)
                    .find(|&&s| pre.settled(seg.data, s))
                    .copied()
                    .unwrap_or(first)
            };
            self.pending.extend_from_slice(&seg.data[hold..]);
            starts.push(len);
            let lo = starts.partition_point(|&s| s < first);
            let hi = starts.partition_point(|&s| s <= hold);
            ranges.push((lo, hi));
        }
        // One map per rayon job, keyed by slices of the segments (no allocation per piece); then one insertion
        // per distinct piece into the global counts, which allocates only keys it has never seen.
        let locals: Vec<FxHashMap<&[u8], u64>> = segments
            .par_iter()
            .zip(splits.par_iter().zip(ranges.par_iter()))
            .fold(FxHashMap::default, |mut m: FxHashMap<&[u8], u64>, (seg, (starts, &(lo, hi)))| {
                for w in starts[lo..hi].windows(2) {
                    *m.entry(&seg.data[w[0]..w[1]]).or_insert(0) += 1;
                }
                m
            })
            .collect();
        for local in locals {
            crate::interrupt::check()?;
            if self.spill.is_none() {
                self.counts.map.reserve(local.len() / 2);
            }
            for (piece, n) in local {
                self.add_bounded(piece, n)?;
            }
        }
        Ok(())
    }

    /// The piece starts of each segment, split on all cores: long segments in parts of [`PART_BYTES`]
    /// (see [`Pretokenizer::parts`]).
    fn split_parallel(&self, segments: &[Segment<'_>]) -> Result<Vec<Vec<usize>>> {
        let mut parts: Vec<(usize, usize, usize)> = Vec::with_capacity(segments.len());
        for (k, s) in segments.iter().enumerate() {
            if s.data.len() <= PART_BYTES {
                // One part (what `parts` gives), without a vector per segment.
                parts.push((k, 0, s.data.len()));
            } else {
                parts.extend(self.pre.parts(s.data, PART_BYTES).windows(2).map(|w| (k, w[0], w[1])));
            }
        }
        let starts: Vec<Result<Vec<usize>>> = parts
            .par_iter()
            .map(|&(k, lo, hi)| {
                crate::interrupt::check()?;
                let mut starts = piece_starts(&self.pre, &segments[k].data[lo..hi])?;
                starts.iter_mut().for_each(|s| *s += lo);
                Ok(starts)
            })
            .collect();
        let mut splits = vec![Vec::new(); segments.len()];
        for (&(k, _, _), s) in parts.iter().zip(starts) {
            // A segment's first part is moved, not copied (most segments have one part).
            if splits[k].is_empty() {
                splits[k] = s?;
            } else {
                splits[k].extend(s?);
            }
        }
        Ok(splits)
    }

    /// Re-splits the held-back text together with the start of `seg`, counts the joined pieces up to the
    /// first piece start that `seg`'s own split shares (from there both are splits of the same text), and
    /// returns that offset into `seg`. Without such a start, the whole segment joins the held-back text.
    fn stitch(&mut self, seg: &Segment<'_>, starts: &[usize]) -> Result<usize> {
        let data = seg.data;
        let tail = self.pending.len();
        let margin = self.pre.margin();
        let mut window = (4 * margin).min(data.len());
        loop {
            let whole = window == data.len();
            let last = whole && seg.ends_document;
            // Joined pieces are certain only if they end at a settled start, `margin` bytes before the window's end.
            let reliable = if last { Some(data.len()) } else { window.checked_sub(margin) };
            self.pending.extend_from_slice(&data[..window]);
            let mut pieces = Vec::new();
            self.pre.split_bytes(&self.pending, &mut pieces)?;
            let mut off = 0;
            let mut sync = None;
            for (i, p) in pieces.iter().enumerate() {
                if off >= tail {
                    let at = off - tail;
                    if reliable.is_none_or(|r| at > r) {
                        break;
                    }
                    if starts.binary_search(&at).is_ok() && (last || self.pre.settled(&self.pending, off)) {
                        sync = Some((i, at));
                        break;
                    }
                }
                off += p.len();
            }
            if sync.is_none() && last {
                sync = Some((pieces.len(), data.len()));
            }
            if let Some((i, at)) = sync {
                for p in &pieces[..i] {
                    self.counts.add(p, 1);
                }
                self.pending.clear();
                return Ok(at);
            }
            if whole {
                return Ok(data.len());
            }
            self.pending.truncate(tail);
            window = (window * 4).min(data.len());
        }
    }

    /// Saves the counts so far (held-back text excluded: call between documents) as a sorted run at `path`,
    /// then forgets them; [`add_run`](Self::add_run) brings them back.
    pub fn save_run(&mut self, path: &std::path::Path) -> Result<()> {
        crate::spill::write_run(path, &mut self.counts)
    }

    /// Adds the counts of a run saved by [`save_run`](Self::save_run).
    pub fn add_run(&mut self, path: &std::path::Path) -> Result<()> {
        crate::spill::read_run(path, &mut self.counts)
    }

    /// Ends the stream: counts whatever is still held back; with spilled runs, merges them back. When the
    /// merge phase would need more than `limit` bytes ([`crate::spill::training_cost`]), keeps only the
    /// pre-tokens whose count reaches the smallest threshold that fits (needs a spilling counter). Returns the
    /// threshold (1: nothing pruned).
    pub fn finish_within(&mut self, limit: Option<usize>) -> Result<u64> {
        self.finish()?;
        let limit = limit.unwrap_or(usize::MAX);
        let Some((runs, _)) = &mut self.spill else { return Ok(1) };
        let over = || self.counts.iter().map(|(k, _)| training_cost(k.len())).sum::<usize>() > limit;
        if runs.is_empty() && !over() {
            return Ok(1);
        }
        runs.spill(&mut self.counts)?;
        self.counts = WordCounts::default(); // its slots go before the merged counts come
        let (counts, threshold) = runs.load(limit)?;
        runs.clear();
        self.counts = counts;
        Ok(threshold)
    }

    /// Ends the stream: counts whatever is still held back.
    pub fn finish(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let c = count_range(&self.pre, &pending)?;
        self.counts.merge(c);
        Ok(())
    }

    /// The counts so far (call [`finish`](Self::finish) first to include a held-back tail).
    pub fn counts(&self) -> &WordCounts {
        &self.counts
    }

    /// Consumes the counter, returning its counts.
    pub fn into_counts(self) -> WordCounts {
        self.counts
    }
}

/// Byte offsets at which the pieces of `data` start, with room for one more (`feed` appends the end).
fn piece_starts(pre: &Pretokenizer, data: &[u8]) -> Result<Vec<usize>> {
    let mut pieces = Vec::new();
    pre.split_bytes(data, &mut pieces)?;
    let mut starts = Vec::with_capacity(pieces.len() + 1);
    let mut off = 0;
    starts.extend(pieces.iter().map(|p| {
        let s = off;
        off += p.len();
        s
    }));
    Ok(starts)
}

/// Counts the pieces of `data` (assumed to start at a piece start).
pub fn count_range(pre: &Pretokenizer, data: &[u8]) -> Result<WordCounts> {
    let mut counts = WordCounts::default();
    let mut pieces = Vec::new();
    pre.split_bytes(data, &mut pieces)?;
    for p in pieces {
        counts.add(p, 1);
    }
    Ok(counts)
}

/// Counts whole documents in parallel.
pub fn count_documents(pre: &Pretokenizer, docs: &[&[u8]]) -> Result<WordCounts> {
    docs.par_iter().map(|d| count_range(pre, d)).try_reduce(WordCounts::default, |mut a, b| {
        a.merge(b);
        Ok(a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_segments_count_like_whole(text: &str, specs: &[&str], cuts: &[usize]) {
        for spec in specs {
            let pre = Pretokenizer::new(spec).unwrap();
            let whole = count_documents(&pre, &[text.as_bytes()]).unwrap();
            for &cut in cuts {
                let bytes = text.as_bytes();
                let segs: Vec<Segment> = bytes
                    .chunks(cut)
                    .enumerate()
                    .map(|(i, c)| Segment { data: c, ends_document: (i + 1) * cut >= bytes.len() })
                    .collect();
                let mut counter = Counter::new(pre.clone());
                for batch in segs.chunks(3) {
                    counter.feed(batch).unwrap();
                }
                counter.finish().unwrap();
                assert_eq!(counter.counts().sorted(), whole.sorted(), "spec {spec} cut {cut}");
            }
        }
    }

    #[test]
    fn segments_count_like_the_whole_document() {
        let text = "Hello  world\n\n  foo's bar 12345\n\tbaz   \n\nqux!!  ".repeat(7);
        assert_segments_count_like_whole(
            &text,
            &["gpt2", "gpt4", "o200k", "none", r"\w+|\s+"],
            &[1, 2, 3, 5, 7, 13, 50],
        );
    }

    #[test]
    fn spilled_counts_are_exact() {
        let text = "the cat and the hat, the bat and the mat; 12345 6789 ".repeat(50);
        let pre = Pretokenizer::new("gpt4").unwrap();
        let whole = count_documents(&pre, &[text.as_bytes()]).unwrap();
        let dir = std::env::temp_dir().join(format!("tokenforge-count-spill-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut counter = Counter::spilling(pre, &dir, 1);
        for chunk in text.as_bytes().chunks(100) {
            counter.feed(&[Segment { data: chunk, ends_document: false }]).unwrap();
        }
        assert!(counter.runs() > 5);
        assert_eq!(counter.finish_within(None).unwrap(), 1);
        assert_eq!(counter.counts().sorted(), whole.sorted());
        drop(counter);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn far_reaching_pieces_are_stitched_exactly() {
        // A white-space run whose split depends on a line break 5000 bytes on; an o200k word whose split
        // depends on the lower-case letter after 5000 capitals.
        let spaces = format!("x\n{}\ny z", " ".repeat(5000));
        let capitals = format!("x \u{2b0}{}a b", "A".repeat(5000));
        let cuts = [7, 1000, 3001, 4999, 5003];
        assert_segments_count_like_whole(&spaces, &["gpt2", "gpt4", "o200k"], &cuts);
        assert_segments_count_like_whole(&capitals, &["gpt2", "gpt4", "o200k"], &cuts);
    }
}
