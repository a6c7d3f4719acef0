//! Binding of `tokenforge_core::model::bpe`: the BPE model spec, training merges from pre-token counts,
//! merges recovered from a rank file.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use tokenforge_core::model::bpe::rules::TokenRules;
use tokenforge_core::model::bpe::trainer::{self, BpeConfig};
use tokenforge_core::model::bpe::{self as core_bpe, Bpe};
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::convert::{to_py, Merges};
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// A BPE model: the merges by rank (`((left, right), new_id)`), and whether a pre-token that is a token is
/// emitted whole.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct BpeModel {
    merges: Merges,
    ignore_merges: bool,
}

#[pymethods]
impl BpeModel {
    #[new]
    #[pyo3(signature = (merges, ignore_merges=true))]
    fn new(merges: Merges, ignore_merges: bool) -> Self {
        BpeModel { merges, ignore_merges }
    }
}

impl BpeModel {
    /// The core model over `vocab` (its merges checked).
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        Ok(Model::Bpe(Bpe::new(vocab, &self.merges, self.ignore_merges)?))
    }
}

/// Checks a merge list against a vocabulary (`TokenizerFileError` naming the first bad merge).
#[pyfunction]
fn validate_merges(vocab: Vec<Vec<u8>>, merges: Merges) -> PyResult<()> {
    core_bpe::validate_merges(&vocab, &merges).map_err(to_py)
}

/// For each id of `tokens` (bytes by rank, empty for unused ids), the `(left, right)` pair whose merge makes it,
/// or None (single bytes, empty ids, tokens the lower ranks' merges do not leave in two parts).
#[pyfunction]
fn recover_merges(py: Python<'_>, tokens: Vec<Vec<u8>>) -> Vec<Option<(u32, u32)>> {
    py.allow_threads(|| core_bpe::recover_merges(&tokens))
}

/// Learns byte-level BPE merges from the counts of `counter`: returns `(vocab, merges)`, `vocab` a list of token bytes (ids 0–255
/// the bytes in GPT-2 order unless `base` says otherwise) and `merges` a list of `((left, right), new_id)`
/// by rank. `base = (vocab, merges)` continues an existing model, keeping its merges verbatim. The
/// `max_*` and `forbidden` rules limit the tokens merges may create.
#[pyfunction]
#[pyo3(signature = (
    counter, vocab_size, min_frequency=0, reserved=0, progress=None, base=None,
    max_token_bytes=None, max_token_chars=None, max_words=None, forbidden=Vec::new(),
))]
#[allow(clippy::too_many_arguments)]
fn train_bpe<'py>(
    py: Python<'py>,
    counter: PyRef<'py, WordCounter>,
    vocab_size: usize,
    min_frequency: u64,
    reserved: usize,
    progress: Option<PyObject>,
    base: Option<(Vec<Vec<u8>>, Merges)>,
    max_token_bytes: Option<usize>,
    max_token_chars: Option<usize>,
    max_words: Option<usize>,
    forbidden: Vec<Vec<u8>>,
) -> PyResult<(Vec<Bound<'py, PyBytes>>, Merges)> {
    let rules = TokenRules { max_bytes: max_token_bytes, max_chars: max_token_chars, max_words, forbidden };
    let cfg = BpeConfig { vocab_size, min_frequency, reserved, rules };
    let base = match base {
        Some((vocab, merges)) => core_bpe::BpeModel { vocab, merges },
        None => core_bpe::BpeModel::bytes_only(),
    };
    let counts = counter.inner.counts();
    let progress = Progress::new(progress);
    let trained = interruptible(py, || trainer::train_from(base, counts, &cfg, &mut |d, t| progress.report(d, t)));
    let model = progress.outcome(trained)?;
    let vocab = model.vocab.iter().map(|t| PyBytes::new(py, t)).collect();
    Ok((vocab, model.merges))
}

/// Adds the BPE model, its functions and GPT-2's byte order to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BpeModel>()?;
    m.add_function(wrap_pyfunction!(train_bpe, m)?)?;
    m.add_function(wrap_pyfunction!(validate_merges, m)?)?;
    m.add_function(wrap_pyfunction!(recover_merges, m)?)?;
    m.add("BYTE_ORDER", PyBytes::new(m.py(), &tokenforge_core::bytes::BYTE_ORDER))
}
