//! Binding of `tokenforge_core::model::bpe`: the BPE model spec, training merges from pre-token counts,
//! `.tiktoken` rank files read and their merges recovered.
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyList, PyTuple};

use tokenforge_core::model::bpe::rules::TokenRules;
use tokenforge_core::model::bpe::trainer::{self, BpeConfig};
use tokenforge_core::model::bpe::{self as core_bpe, Bpe, RankFileError};
use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::convert::{error, to_py, Merges, Tokens};
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// A BPE model: the merges by rank (`((left, right), new_id)`), or none for tiktoken's rule over a rank file's
/// vocabulary (`by_rank`), and whether a pre-token that is a token is emitted whole.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct BpeModel {
    merges: Option<Merges>,
    ignore_merges: bool,
}

#[pymethods]
impl BpeModel {
    #[new]
    #[pyo3(signature = (merges, ignore_merges=true))]
    fn new(merges: Merges, ignore_merges: bool) -> Self {
        BpeModel { merges: Some(merges), ignore_merges }
    }

    /// tiktoken's rule over the vocabulary the encoder is given (rank = id, special and added tokens left
    /// out): any two adjacent parts whose concatenation is a token merge, lowest rank first.
    #[staticmethod]
    #[pyo3(signature = (ignore_merges=true))]
    fn by_rank(ignore_merges: bool) -> Self {
        BpeModel { merges: None, ignore_merges }
    }
}

impl BpeModel {
    /// The core model over `vocab` (its merges checked).
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        Ok(Model::Bpe(match &self.merges {
            Some(merges) => Bpe::new(vocab, merges, self.ignore_merges)?,
            None => Bpe::by_rank(vocab, self.ignore_merges),
        }))
    }
}

/// True when `merges` is a list of `((int, int), int)` tuples of exact ints: nothing for `BpeModel` to convert.
#[pyfunction]
fn exact_merges(merges: &Bound<'_, PyAny>) -> bool {
    let int = |x: &Bound<'_, PyAny>| x.is_exact_instance_of::<PyInt>();
    merges.downcast_exact::<PyList>().is_ok_and(|list| {
        list.iter().all(|m| {
            two(&m)
                .and_then(|(pair, new)| Some((two(&pair)?, new)))
                .is_some_and(|((a, b), new)| int(&a) && int(&b) && int(&new))
        })
    })
}

/// The items of a tuple of two (not a subclass's).
fn two<'py>(x: &Bound<'py, PyAny>) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let t = x.downcast_exact::<PyTuple>().ok()?;
    if t.len() != 2 {
        return None;
    }
    Some((t.get_item(0).ok()?, t.get_item(1).ok()?))
}

/// Checks a merge list against a vocabulary (`TokenizerFileError` naming the first bad merge).
#[pyfunction]
fn validate_merges(vocab: Tokens, merges: Merges) -> PyResult<()> {
    core_bpe::validate_merges(&vocab.0, &merges).map_err(to_py)
}

/// The merge list of rank-ordered BPE over `tokens` (bytes by rank, empty for unused ids): `((left, right), id)`
/// for each id the merge of two parts makes, in id order (none for single bytes, empty ids and tokens that no
/// two parts make).
#[pyfunction]
fn recover_merges(py: Python<'_>, tokens: Tokens) -> Merges {
    let parts = py.allow_threads(|| core_bpe::recover_merges(&tokens.0));
    parts.into_iter().zip(0..).filter_map(|(pair, id)| Some((pair?, id))).collect()
}

/// The tokens and ranks of a `.tiktoken` file's content (not compressed), read in the core; a malformed file
/// raises `TokenizerFileError` naming the line (`tokenforge.interop.tiktoken` adds the file's name).
#[pyclass(module = "tokenforge._core", frozen)]
struct RankFile {
    inner: core_bpe::RankFile,
}

#[pymethods]
impl RankFile {
    #[new]
    fn new(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let parsed = py.allow_threads(|| core_bpe::RankFile::parse(data));
        let message = match parsed {
            Ok(inner) => return Ok(RankFile { inner }),
            Err(RankFileError::NotALine { line, why }) => format!("line {line}: not a .tiktoken line ({why})"),
            Err(RankFileError::TokenTwice { line, token }) => {
                format!("line {line}: token {} is listed twice", PyBytes::new(py, &token).repr()?)
            }
            Err(RankFileError::RankTwice { line, rank, first }) => {
                format!("line {line}: rank {rank} is also on line {first}")
            }
        };
        Err(error("TokenizerFileError", message))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// True when a token has rank `rank` (any int).
    fn __contains__(&self, rank: &Bound<'_, PyAny>) -> bool {
        rank.extract::<u64>().is_ok_and(|r| self.inner.has_rank(r))
    }

    /// The highest rank (None without tokens).
    #[getter]
    fn max_rank(&self) -> Option<u64> {
        self.inner.max_rank()
    }

    /// Token bytes by rank for ids `0..size` (`b""` for a rank no token has).
    fn vocab<'py>(&self, py: Python<'py>, size: usize) -> Vec<Bound<'py, PyBytes>> {
        self.inner.by_rank(size).into_iter().map(|t| PyBytes::new(py, t)).collect()
    }
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
    base: Option<(Tokens, Merges)>,
    max_token_bytes: Option<usize>,
    max_token_chars: Option<usize>,
    max_words: Option<usize>,
    forbidden: Vec<Vec<u8>>,
) -> PyResult<(Vec<Bound<'py, PyBytes>>, Merges)> {
    let rules = TokenRules { max_bytes: max_token_bytes, max_chars: max_token_chars, max_words, forbidden };
    let cfg = BpeConfig { vocab_size, min_frequency, reserved, rules };
    let base = match base {
        Some((vocab, merges)) => core_bpe::BpeModel { vocab: vocab.0, merges },
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
    m.add_class::<RankFile>()?;
    m.add_function(wrap_pyfunction!(train_bpe, m)?)?;
    m.add_function(wrap_pyfunction!(validate_merges, m)?)?;
    m.add_function(wrap_pyfunction!(exact_merges, m)?)?;
    m.add_function(wrap_pyfunction!(recover_merges, m)?)?;
    m.add("BYTE_ORDER", PyBytes::new(m.py(), &tokenforge_core::bytes::BYTE_ORDER))
}
