//! Binding of `tokenforge_core::model::bpe::chars`: the spec of a SentencePiece-style BPE model, and
//! sentencepiece's merges of a BPE `.model`.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use tokenforge_core::model::bpe::chars::{self, CharBpe, Fallback};
use tokenforge_core::model::wordpiece::trainer::{self, WordPieceConfig};
use tokenforge_core::model::Model;
use tokenforge_core::Result;

use crate::convert::Merges;
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// Merges as `((left, right), new, rank)`.
type RankedMerges = Vec<((u32, u32), u32, u32)>;

/// SentencePiece-style BPE (characters, byte fallback): `pieces[id]` the text of each id, `merges` as
/// `((left, right), new, rank)` (equal ranks: leftmost first), the user-defined ids, the ids of `<0x00>` …
/// `<0xFF>` (None: no byte fallback), the unknown id and whether consecutive unknowns fuse.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct CharBpeModel {
    pieces: Vec<String>,
    merges: RankedMerges,
    user_defined: Vec<u32>,
    fallback: Fallback,
}

#[pymethods]
impl CharBpeModel {
    #[new]
    #[pyo3(signature = (pieces, merges, user_defined, byte_ids, unk_id, fuse_unk))]
    fn new(
        pieces: Vec<String>,
        merges: RankedMerges,
        user_defined: Vec<u32>,
        byte_ids: Option<[u32; 256]>,
        unk_id: Option<u32>,
        fuse_unk: bool,
    ) -> Self {
        CharBpeModel { pieces, merges, user_defined, fallback: Fallback { bytes: byte_ids, unk: unk_id, fuse_unk } }
    }
}

impl CharBpeModel {
    /// The core model.
    pub fn build(&self) -> Result<Model> {
        Ok(Model::CharBpe(CharBpe::new(&self.pieces, &self.merges, &self.user_defined, self.fallback)?))
    }
}

/// sentencepiece's merges of a BPE model: every split of a piece of `mergeable` into two pieces, as
/// `((left, right), new, rank)`, ranked by the new piece's score (highest first, equal scores equal ranks).
#[pyfunction]
fn merges_from_scores(py: Python<'_>, pieces: Vec<String>, scores: Vec<f32>, mergeable: Vec<bool>) -> RankedMerges {
    py.allow_threads(|| chars::merges_from_scores(&pieces, &scores, &mergeable))
}

/// Learns SentencePiece-style BPE from the counts of the `metaspace` pre-tokenizer on raw text (Hugging Face's
/// `BpeTrainer` over the characters of `Metaspace` words): returns the token bytes by id (`specials` first, then
/// the alphabet in code point order, then the merged tokens) and the merges by rank, `((left, right), new)`.
#[pyfunction]
#[pyo3(signature = (counter, vocab_size, specials, min_frequency=0, progress=None))]
fn train_char_bpe<'py>(
    py: Python<'py>,
    counter: PyRef<'py, WordCounter>,
    vocab_size: usize,
    specials: Vec<String>,
    min_frequency: u64,
    progress: Option<PyObject>,
) -> PyResult<(Vec<Bound<'py, PyBytes>>, Merges)> {
    let cfg = WordPieceConfig { vocab_size, min_frequency, specials, limit_alphabet: None, prefix: String::new() };
    let counts = counter.inner.counts();
    let words = py.allow_threads(|| chars::metaspace_words(counts));
    let progress = Progress::new(progress);
    let trained = interruptible(py, || trainer::train_model(&words, &cfg, &mut |d, t| progress.report(d, t)));
    let model = progress.outcome(trained)?;
    Ok((model.vocab.iter().map(|t| PyBytes::new(py, t)).collect(), model.merges))
}

/// Adds the sentencepiece model specs and the SentencePiece-style BPE trainer to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CharBpeModel>()?;
    m.add_function(wrap_pyfunction!(merges_from_scores, m)?)?;
    m.add_function(wrap_pyfunction!(train_char_bpe, m)?)
}
