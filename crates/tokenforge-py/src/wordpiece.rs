//! Binding of `tokenforge_core::model::wordpiece`: the WordPiece model spec and its trainer.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use tokenforge_core::model::wordpiece::trainer::{self, WordPieceConfig};
use tokenforge_core::model::wordpiece::WordPiece;
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// A WordPiece model: the id of the unknown token, the continuing-subword prefix, the word length limit.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct WordPieceModel {
    unk: u32,
    prefix: String,
    max_chars: usize,
}

#[pymethods]
impl WordPieceModel {
    #[new]
    #[pyo3(signature = (unk, prefix="##".to_owned(), max_chars=100))]
    fn new(unk: u32, prefix: String, max_chars: usize) -> Self {
        WordPieceModel { unk, prefix, max_chars }
    }
}

impl WordPieceModel {
    /// The core model over `vocab`.
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        Ok(Model::WordPiece(WordPiece::new(vocab, self.unk, &self.prefix, self.max_chars)?))
    }
}

/// Learns a WordPiece vocabulary from the counts of `counter` (Hugging Face's `WordPieceTrainer`): the token
/// bytes by id, `specials` first.
#[pyfunction]
#[pyo3(signature = (counter, vocab_size, specials, min_frequency=0, limit_alphabet=None, prefix="##".to_owned(), progress=None))]
#[allow(clippy::too_many_arguments)]
fn train_wordpiece<'py>(
    py: Python<'py>,
    counter: PyRef<'py, WordCounter>,
    vocab_size: usize,
    specials: Vec<String>,
    min_frequency: u64,
    limit_alphabet: Option<usize>,
    prefix: String,
    progress: Option<PyObject>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let cfg = WordPieceConfig { vocab_size, min_frequency, specials, limit_alphabet, prefix };
    let counts = counter.inner.counts();
    let progress = Progress::new(progress);
    let trained = interruptible(py, || trainer::train(counts, &cfg, &mut |d, t| progress.report(d, t)));
    let vocab = progress.outcome(trained)?;
    Ok(vocab.iter().map(|t| PyBytes::new(py, t)).collect())
}

/// Adds `WordPieceModel` and `train_wordpiece` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordPieceModel>()?;
    m.add_function(wrap_pyfunction!(train_wordpiece, m)?)
}
