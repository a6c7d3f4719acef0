//! Binding of `tokenforge_core::model::bpe`: training merges from pre-token counts.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use tokenforge_core::model::bpe::rules::TokenRules;
use tokenforge_core::model::bpe::trainer::{self, BpeConfig};
use tokenforge_core::model::bpe::BpeModel;

use crate::convert::Merges;
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

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
        Some((vocab, merges)) => BpeModel { vocab, merges },
        None => BpeModel::bytes_only(),
    };
    let counts = counter.inner.counts();
    let progress = Progress::new(progress);
    let trained = interruptible(py, || trainer::train_from(base, counts, &cfg, &mut |d, t| progress.report(d, t)));
    let model = progress.outcome(trained)?;
    let vocab = model.vocab.iter().map(|t| PyBytes::new(py, t)).collect();
    Ok((vocab, model.merges))
}

/// Adds `train_bpe` and GPT-2's byte order to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(train_bpe, m)?)?;
    m.add("BYTE_ORDER", PyBytes::new(m.py(), &tokenforge_core::bytes::BYTE_ORDER))
}
