//! Binding of `tokenforge_core::model::lib`: the LiB learner (memorizer/forgetter) and its encoder.
use pyo3::prelude::*;

use tokenforge_core::model::lib::{self, Lib as CoreLib};

/// A LiB lexicon as an encoder: ids 0–255 the bytes, then the units by rank.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct Lib {
    inner: CoreLib,
}

#[pymethods]
impl Lib {
    /// The encoder of `units` (best first); `max_len`: the longest unit tried, in characters.
    #[new]
    fn new(units: Vec<String>, max_len: usize) -> Self {
        Lib { inner: CoreLib::new(&units, max_len) }
    }

    /// Ids of `text` (fewest units; bytes for characters outside the lexicon).
    fn encode(&self, py: Python<'_>, text: String) -> Vec<u32> {
        py.allow_threads(|| self.inner.encode(&text))
    }

    /// Ids of each text, on all cores.
    fn encode_batch(&self, py: Python<'_>, texts: Vec<String>) -> Vec<Vec<u32>> {
        py.allow_threads(|| self.inner.encode_batch(&texts))
    }
}

/// Learns `n_units` LiB units from `lines` (see the core's `model::lib::train`), best first.
#[pyfunction]
fn train_lib(
    py: Python<'_>,
    lines: Vec<String>,
    n_units: usize,
    max_len: usize,
    epochs: usize,
    seed: u64,
) -> Vec<String> {
    py.allow_threads(|| lib::train(&lines, n_units, max_len, epochs, seed))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Lib>()?;
    m.add_function(wrap_pyfunction!(train_lib, m)?)?;
    Ok(())
}
