//! Counting beyond memory: sorted runs of pre-token counts on disk, merged back exactly, then pruned by a
//! global count threshold when the merge phase could not hold every distinct pre-token.
//!
//! A run is a file of `(u32 length, bytes, u64 count)` records sorted by bytes. Merging the runs gives each
//! distinct pre-token once with its exact total, whatever the input order; pruning keeps the pre-tokens whose
//! count reaches the smallest threshold that fits, so it is deterministic too.
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::count::WordCounts;
use crate::error::{Error, Result};

/// Bytes of heap a pre-token's key of `len` bytes takes (rounded up to the allocator's 16-byte granules, with
/// its header).
pub fn key_cost(len: usize) -> usize {
    len.div_ceil(16) * 16 + 16
}

/// Bytes of memory a distinct pre-token of `len` bytes costs while counting: its key, the count, and its
/// hash-table slot at the table's lowest load.
pub fn counting_cost(len: usize) -> usize {
    key_cost(len) + 2 * (24 + 8 + 1)
}

/// Bytes of memory a distinct pre-token of `len` bytes costs during the merge loop (its counting entry, its
/// symbols with their links, its share of the pair index).
pub fn training_cost(len: usize) -> usize {
    counting_cost(len) + 40 * len + 64
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::InvalidArgument(format!("{}: {e}", path.display()))
}

/// Runs written so far in one directory.
#[derive(Debug)]
pub struct Runs {
    dir: PathBuf,
    files: Vec<PathBuf>,
    /// Runs written since the start, deleted ones included.
    written: usize,
}

impl Runs {
    /// Runs kept in `dir` (which must exist).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Runs { dir: dir.into(), files: Vec::new(), written: 0 }
    }

    /// Number of runs on disk now.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Number of runs written since the start (deleted ones included).
    pub fn written(&self) -> usize {
        self.written
    }

    /// True when nothing was spilled.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes `counts` as a sorted run and empties it.
    pub fn spill(&mut self, counts: &mut WordCounts) -> Result<()> {
        let path = self.dir.join(format!("run-{:05}.bin", self.written));
        self.written += 1;
        write_run(&path, counts)?;
        self.files.push(path);
        Ok(())
    }

    /// Visits every distinct pre-token of all runs once, in byte order, with its total count.
    pub fn merge(&self, mut visit: impl FnMut(&[u8], u64)) -> Result<()> {
        let mut readers = Vec::with_capacity(self.files.len());
        let mut heap = BinaryHeap::new();
        for (i, path) in self.files.iter().enumerate() {
            let mut r = RunReader { path: path.clone(), r: BufReader::new(File::open(path).map_err(|e| io(path, e))?) };
            if let Some(rec) = r.next()? {
                heap.push(std::cmp::Reverse((rec, i)));
            }
            readers.push(r);
        }
        let mut current: Option<(Vec<u8>, u64)> = None;
        while let Some(std::cmp::Reverse(((key, n), i))) = heap.pop() {
            crate::interrupt::check()?;
            match &mut current {
                Some((k, c)) if *k == key => *c += n,
                _ => {
                    if let Some((k, c)) = current.take() {
                        visit(&k, c);
                    }
                    current = Some((key, n));
                }
            }
            if let Some(rec) = readers[i].next()? {
                heap.push(std::cmp::Reverse((rec, i)));
            }
        }
        if let Some((k, c)) = current {
            visit(&k, c);
        }
        Ok(())
    }

    /// The merged counts, keeping only pre-tokens whose count reaches the smallest threshold at which their
    /// [`training_cost`] fits in `limit` bytes. Returns the counts and the threshold (1: nothing pruned).
    pub fn load(&self, limit: usize) -> Result<(WordCounts, u64)> {
        let mut cost_at: BTreeMap<u64, usize> = BTreeMap::new();
        self.merge(|k, c| *cost_at.entry(c).or_insert(0) += training_cost(k.len()))?;
        let mut threshold = 1;
        let mut total = 0usize;
        for (&count, &cost) in cost_at.iter().rev() {
            if total + cost > limit {
                threshold = count + 1;
                break;
            }
            total += cost;
        }
        let mut counts = WordCounts::default();
        self.merge(|k, c| {
            if c >= threshold {
                counts.add(k, c);
            }
        })?;
        Ok((counts, threshold))
    }
}

impl Runs {
    /// Deletes the run files.
    pub fn clear(&mut self) {
        for f in self.files.drain(..) {
            let _ = std::fs::remove_file(f);
        }
    }
}

impl Drop for Runs {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Writes `counts` to `path` as a sorted run (flushed to disk) and empties it.
pub fn write_run(path: &Path, counts: &mut WordCounts) -> Result<()> {
    let mut entries: Vec<(Vec<u8>, u64)> = counts.drain().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let file = File::create(path).map_err(|e| io(path, e))?;
    let mut w = BufWriter::new(file);
    for (k, v) in entries {
        let len = u32::try_from(k.len()).map_err(|_| Error::InvalidArgument("pre-token over 4 GiB".into()))?;
        w.write_all(&len.to_le_bytes()).map_err(|e| io(path, e))?;
        w.write_all(&k).map_err(|e| io(path, e))?;
        w.write_all(&v.to_le_bytes()).map_err(|e| io(path, e))?;
    }
    let file = w.into_inner().map_err(|e| io(path, e.into_error()))?;
    file.sync_all().map_err(|e| io(path, e))
}

/// Adds the counts of the run at `path` to `counts`.
pub fn read_run(path: &Path, counts: &mut WordCounts) -> Result<()> {
    let mut r = RunReader { path: path.to_owned(), r: BufReader::new(File::open(path).map_err(|e| io(path, e))?) };
    while let Some((k, n)) = r.next()? {
        counts.add(&k, n);
    }
    Ok(())
}

struct RunReader {
    path: PathBuf,
    r: BufReader<File>,
}

impl RunReader {
    fn next(&mut self) -> Result<Option<(Vec<u8>, u64)>> {
        let mut len = [0u8; 4];
        match self.r.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(io(&self.path, e)),
        }
        let mut key = vec![0u8; u32::from_le_bytes(len) as usize];
        self.r.read_exact(&mut key).map_err(|e| io(&self.path, e))?;
        let mut n = [0u8; 8];
        self.r.read_exact(&mut n).map_err(|e| io(&self.path, e))?;
        Ok(Some((key, u64::from_le_bytes(n))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_to_exact_totals_and_prune_by_threshold() {
        let dir = std::env::temp_dir().join(format!("tokenforge-spill-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut runs = Runs::new(&dir);
        runs.spill(&mut WordCounts::of(&[("b", 2), ("a", 1), ("c", 5)])).unwrap();
        runs.spill(&mut WordCounts::of(&[("c", 1), ("a", 3), ("d", 1)])).unwrap();
        let (all, t) = runs.load(usize::MAX).unwrap();
        assert_eq!(t, 1);
        assert_eq!(all.sorted(), WordCounts::of(&[("a", 4), ("b", 2), ("c", 6), ("d", 1)]).sorted());
        // Room for two one-byte words: the two most frequent stay.
        let (pruned, t) = runs.load(2 * training_cost(1)).unwrap();
        assert_eq!(t, 3);
        assert_eq!(pruned.sorted(), WordCounts::of(&[("a", 4), ("c", 6)]).sorted());
        drop(runs);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "runs are deleted");
        std::fs::remove_dir(&dir).unwrap();
    }
}
