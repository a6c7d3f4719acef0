//! Binding of `tokenforge_core::model::hybrid`: the hybrid model spec and its trainer.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use tokenforge_core::model::hybrid::trainer::{self, HybridConfig};
use tokenforge_core::model::hybrid::{Casing, Hybrid};
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::convert::Merges;
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// A hybrid model: how many roots follow the two specials, the affix groups (allomorphs), the BPE part's size
/// and merges (ids counted from its first token), and whether casing and harmony are Turkish.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct HybridModel {
    n_roots: usize,
    groups: Vec<Vec<String>>,
    bpe_size: usize,
    merges: Merges,
    turkish: bool,
}

#[pymethods]
impl HybridModel {
    #[new]
    fn new(n_roots: usize, groups: Vec<Vec<String>>, bpe_size: usize, merges: Merges, turkish: bool) -> Self {
        HybridModel { n_roots, groups, bpe_size, merges, turkish }
    }
}

impl HybridModel {
    /// The core model over `vocab`.
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        let casing = Casing { turkish: self.turkish };
        let model = Hybrid::new(vocab, self.n_roots, self.groups.clone(), self.bpe_size, &self.merges, casing)?;
        Ok(Model::Hybrid(model))
    }
}

/// What `train_hybrid` returns: the kept roots, the affix groups, the BPE part's token bytes and merges.
type Trained<'py> = (Vec<String>, Vec<Vec<String>>, Vec<Bound<'py, PyBytes>>, Merges);

/// Trains the hybrid on the words and gaps counted by `counter` (see the core's `model::hybrid::trainer`).
#[pyfunction]
#[pyo3(signature = (counter, roots, affixes, vocab_size, reserved=0, min_frequency=0, turkish=true, progress=None))]
#[allow(clippy::too_many_arguments)]
fn train_hybrid<'py>(
    py: Python<'py>,
    counter: PyRef<'py, WordCounter>,
    roots: Vec<String>,
    affixes: Vec<String>,
    vocab_size: usize,
    reserved: usize,
    min_frequency: u64,
    turkish: bool,
    progress: Option<PyObject>,
) -> PyResult<Trained<'py>> {
    let cfg = HybridConfig { vocab_size, reserved, min_frequency, casing: Casing { turkish }, harmony: turkish };
    let counts = counter.inner.counts();
    let progress = Progress::new(progress);
    let trained =
        interruptible(py, || trainer::train(counts, &roots, &affixes, &cfg, &mut |d, t| progress.report(d, t)));
    let m = progress.outcome(trained)?;
    let vocab = m.bpe.vocab.iter().map(|t| PyBytes::new(py, t)).collect();
    Ok((m.roots, m.groups, vocab, m.bpe.merges))
}

/// Adds `HybridModel` and `train_hybrid` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<HybridModel>()?;
    m.add_function(wrap_pyfunction!(train_hybrid, m)?)
}
