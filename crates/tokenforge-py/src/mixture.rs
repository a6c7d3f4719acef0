//! Binding of `tokenforge_core::mixture`: the pair-count history of category samples under a merge list.
use pyo3::prelude::*;

use tokenforge_core::mixture::History;
use tokenforge_core::model::bpe::BpeModel;

use crate::convert::{Merges, Tokens};
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// The pair counts of each category sample after every merge step of a target tokenizer (stored as deltas).
#[pyclass(module = "tokenforge._core", frozen)]
struct MergeHistory {
    inner: History,
}

#[pymethods]
impl MergeHistory {
    /// Replays the first `steps` merges of `(vocab, merges)` over the pre-token counts of each sample, calling
    /// `progress(merges replayed, steps)` now and then.
    #[new]
    #[pyo3(signature = (vocab, merges, samples, steps, progress=None))]
    fn new(
        py: Python<'_>,
        vocab: Tokens,
        merges: Merges,
        samples: Vec<PyRef<'_, WordCounter>>,
        steps: usize,
        progress: Option<PyObject>,
    ) -> PyResult<Self> {
        let model = BpeModel { vocab: vocab.0, merges };
        let counts: Vec<_> = samples.iter().map(|s| s.inner.counts()).collect();
        let progress = Progress::new(progress);
        let built =
            interruptible(py, || History::build_with_progress(&model, &counts, steps, &|d, t| progress.report(d, t)));
        Ok(MergeHistory { inner: progress.outcome(built)? })
    }

    /// Number of categories.
    #[getter]
    fn categories(&self) -> usize {
        self.inner.categories()
    }

    /// Number of merge steps replayed.
    #[getter]
    fn steps(&self) -> usize {
        self.inner.steps()
    }

    /// Number of distinct pairs ever counted.
    #[getter]
    fn num_pairs(&self) -> usize {
        self.inner.num_pairs()
    }

    /// Number of stored count changes (the history's size).
    #[getter]
    fn num_deltas(&self) -> usize {
        self.inner.num_deltas()
    }

    /// Total pair count of each category before the first merge.
    fn totals(&self) -> Vec<u64> {
        self.inner.totals().to_vec()
    }

    /// Flat `[t * categories + i]`: count of step t's merged pair in category i just before merge t.
    fn merged_counts(&self) -> Vec<i64> {
        self.inner.merged_counts().to_vec()
    }

    /// The `(left, right)` ids of an interned pair.
    fn pair(&self, id: u32) -> Option<(u32, u32)> {
        self.inner.pair(id)
    }

    /// Violated constraints for the weights and slacks: `(steps, pair ids, counts)` with `counts` flat,
    /// `[k * categories + i]`.
    fn scan(
        &self,
        py: Python<'_>,
        weights: Vec<f64>,
        step_slack: Vec<f64>,
        pair_slack: Vec<(u32, f64)>,
        per_step: usize,
        tol: f64,
    ) -> PyResult<(Vec<u32>, Vec<u32>, Vec<i64>)> {
        let v = interruptible(py, || self.inner.scan(&weights, &step_slack, &pair_slack, per_step, tol))?;
        Ok((v.steps, v.pairs, v.counts))
    }
}

/// Adds `MergeHistory` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MergeHistory>()
}
