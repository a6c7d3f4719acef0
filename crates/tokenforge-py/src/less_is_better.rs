//! Binding of `tokenforge_core::model::lib`: the LiB model spec and its learner (memorizer/forgetter).
use pyo3::prelude::*;

use tokenforge_core::model::lib::trainer::{self, LibConfig};
use tokenforge_core::model::lib::Lib;
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::counting::WordCounter;
use crate::interrupt::interruptible;

/// A LiB model: the longest unit tried, in characters (at least the longest unit of the vocabulary).
#[pyclass(module = "tokenforge._core", frozen)]
pub struct LibModel {
    max_len: usize,
}

#[pymethods]
impl LibModel {
    #[new]
    fn new(max_len: usize) -> Self {
        LibModel { max_len }
    }
}

impl LibModel {
    /// The core model over `vocab`.
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        Ok(Model::Lib(Lib::new(vocab, self.max_len)?))
    }
}

/// Learns `n_units` LiB units from the lines counted by `counter` (see the core's `model::lib::trainer`), best
/// first.
#[pyfunction]
fn train_lib(
    py: Python<'_>,
    counter: PyRef<'_, WordCounter>,
    n_units: usize,
    max_len: usize,
    epochs: usize,
    seed: u64,
) -> PyResult<Vec<String>> {
    let cfg = LibConfig { n_units, max_len, epochs, seed };
    let counts = counter.inner.counts();
    interruptible(py, || trainer::train_counts(counts, &cfg))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LibModel>()?;
    m.add_function(wrap_pyfunction!(train_lib, m)?)?;
    Ok(())
}
