//! Binding of `tokenforge_core::count`: pre-token counting, spilling, run files.
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use tokenforge_core::count::{Counter, Segment};
use tokenforge_core::pretokenize::Pretokenizer as CorePretokenizer;

use crate::convert::{as_bytes, to_py};
use crate::interrupt::interruptible;

/// Streams document segments into pre-token counts.
#[pyclass(module = "tokenforge._core")]
pub struct WordCounter {
    pub(crate) inner: Counter,
}

#[pymethods]
impl WordCounter {
    /// A counter; with `spill_dir`, its table goes to sorted runs there whenever it passes `spill_bytes`.
    #[new]
    #[pyo3(signature = (spec, spill_dir=None, spill_bytes=None))]
    fn new(spec: &str, spill_dir: Option<std::path::PathBuf>, spill_bytes: Option<usize>) -> PyResult<Self> {
        let pre = CorePretokenizer::new(spec).map_err(to_py)?;
        let inner = match spill_dir {
            Some(dir) => Counter::spilling(pre, dir, spill_bytes.unwrap_or(usize::MAX)),
            None => Counter::new(pre),
        };
        Ok(WordCounter { inner })
    }

    /// Runs spilled to disk so far.
    #[getter]
    fn runs(&self) -> usize {
        self.inner.runs()
    }

    /// Counts a batch of segments (str or bytes); `ends[i]` says whether segment i ends its document.
    fn feed(mut slf: PyRefMut<'_, Self>, segments: Vec<Bound<'_, PyAny>>, ends: Vec<bool>) -> PyResult<()> {
        let py = slf.py();
        feed_counters(py, vec![&mut slf.inner], &segments, &ends)
    }

    /// Counts what is still held back and merges spilled runs (call once, after the last segment); keeps only
    /// pre-tokens whose count reaches the smallest threshold whose merge phase fits in `limit` bytes. Returns
    /// the threshold (1: nothing pruned).
    #[pyo3(signature = (limit=None))]
    fn finish(&mut self, py: Python<'_>, limit: Option<usize>) -> PyResult<u64> {
        let inner = &mut self.inner;
        interruptible(py, || inner.finish_within(limit))
    }

    /// Saves the counts so far as a sorted run file (call between documents) and forgets them.
    fn save_run(&mut self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.save_run(&path)).map_err(to_py)
    }

    /// Adds the counts of a run file written by `save_run`.
    fn add_run(&mut self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.add_run(&path)).map_err(to_py)
    }

    /// Number of distinct pre-tokens.
    fn __len__(&self) -> usize {
        self.inner.counts().len()
    }

    /// Total number of pre-tokens counted.
    fn total(&self) -> u64 {
        self.inner.counts().iter().map(|(_, n)| n).sum()
    }

    /// The `n` most frequent pre-tokens as `(bytes, count)`, most frequent first.
    fn most_common<'py>(&self, py: Python<'py>, n: usize) -> Vec<(Bound<'py, PyBytes>, u64)> {
        let mut all: Vec<(&[u8], u64)> = self.inner.counts().iter().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        all.into_iter().take(n).map(|(k, v)| (PyBytes::new(py, k), v)).collect()
    }
}

/// Counts one batch of segments with every counter (one pre-tokenizer each): the segments are read once, and
/// the counters work side by side, so the serial part of one overlaps the parallel part of another.
#[pyfunction]
fn feed_all(
    py: Python<'_>,
    mut counters: Vec<PyRefMut<'_, WordCounter>>,
    segments: Vec<Bound<'_, PyAny>>,
    ends: Vec<bool>,
) -> PyResult<()> {
    feed_counters(py, counters.iter_mut().map(|c| &mut c.inner).collect(), &segments, &ends)
}

fn feed_counters(
    py: Python<'_>,
    mut counters: Vec<&mut Counter>,
    segments: &[Bound<'_, PyAny>],
    ends: &[bool],
) -> PyResult<()> {
    if segments.len() != ends.len() {
        return Err(pyo3::exceptions::PyValueError::new_err("segments and ends differ in length"));
    }
    let mut segs = Vec::with_capacity(segments.len());
    for (s, &e) in segments.iter().zip(ends) {
        segs.push(Segment { data: as_bytes(s)?, ends_document: e });
    }
    // Ctrl-C stops a batch part-way. One counter is fed on the helper thread itself, not on a pool thread:
    // its table's keys then come from one allocator arena, so memory freed when it spills is reused by the next
    // keys instead of piling up in other threads' arenas.
    interruptible(py, || match counters.as_mut_slice() {
        [one] => one.feed(&segs),
        all => all.par_iter_mut().try_for_each(|c| c.feed(&segs)),
    })
}

/// Adds `WordCounter` and `feed_all` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordCounter>()?;
    m.add_function(wrap_pyfunction!(feed_all, m)?)
}
