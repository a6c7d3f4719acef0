//! Binding of `tokenforge_core::model::unigram`: the Unigram model (encode, n-best, sampling) and its trainer.
use std::sync::Arc;

use pyo3::prelude::*;
use rayon::prelude::*;

use tokenforge_core::model::unigram::model::{sampler, Sampler};
use tokenforge_core::model::unigram::trainer::{self, UnigramConfig};
use tokenforge_core::model::unigram::{PieceKind, Unigram as CoreUnigram};
use tokenforge_core::model::Model;
use tokenforge_core::Error;

use crate::convert::{to_py, utf8};
use crate::counting::WordCounter;
use crate::interrupt::{interruptible, Progress};

/// sentencepiece's piece type numbers (`ModelProto.SentencePiece.Type`) and our kinds.
const KINDS: [(i32, PieceKind); 6] = [
    (1, PieceKind::Normal),
    (2, PieceKind::Unknown),
    (3, PieceKind::Control),
    (4, PieceKind::UserDefined),
    (5, PieceKind::Unused),
    (6, PieceKind::Byte),
];

fn kind_of(code: i32) -> PyResult<PieceKind> {
    KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, k)| *k)
        .ok_or_else(|| to_py(Error::InvalidModel(format!("piece type {code} is not one of sentencepiece's types 1-6"))))
}

fn code_of(kind: PieceKind) -> i32 {
    KINDS.iter().find(|(_, k)| *k == kind).map(|(c, _)| *c).expect("every kind has a code")
}

/// A Unigram language model: pieces with log-probability scores; ids are sentencepiece's for the same model.
/// It is also the model spec `Encoder` takes (the encoder shares the model).
#[pyclass(module = "tokenforge._core", frozen)]
pub struct Unigram {
    pub inner: Arc<CoreUnigram>,
}

impl Unigram {
    /// The core model, shared.
    pub fn build(&self) -> Model {
        Model::Unigram(Arc::clone(&self.inner))
    }
}

#[pymethods]
impl Unigram {
    /// A model from its pieces and scores by id; `kinds` are sentencepiece's type numbers (1 normal,
    /// 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; all normal when omitted).
    #[new]
    #[pyo3(signature = (pieces, scores, unk_id, byte_fallback=false, kinds=None))]
    fn new(
        pieces: Vec<String>,
        scores: Vec<f32>,
        unk_id: u32,
        byte_fallback: bool,
        kinds: Option<Vec<i32>>,
    ) -> PyResult<Self> {
        let n = pieces.len();
        let kinds = match kinds {
            Some(k) => k.into_iter().map(kind_of).collect::<PyResult<Vec<_>>>()?,
            None => vec![PieceKind::Normal; n],
        };
        if scores.len() != n || kinds.len() != n {
            return Err(to_py(Error::InvalidModel(format!(
                "{n} pieces but {} scores and {} kinds",
                scores.len(),
                kinds.len()
            ))));
        }
        let all = pieces.into_iter().zip(scores).zip(kinds).map(|((p, s), k)| (p, s, k)).collect();
        Ok(Unigram { inner: Arc::new(CoreUnigram::new(all, unk_id, byte_fallback).map_err(to_py)?) })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The unknown piece's id.
    #[getter]
    fn unk_id(&self) -> u32 {
        self.inner.unk_id()
    }

    /// Whether unknown text becomes `<0xXX>` byte pieces.
    #[getter]
    fn byte_fallback(&self) -> bool {
        self.inner.byte_fallback()
    }

    /// `(piece, score, kind)` of every id, kinds as sentencepiece's type numbers.
    fn pieces(&self) -> Vec<(String, f32, i32)> {
        (0..self.inner.len() as u32)
            .filter_map(|i| self.inner.piece(i))
            .map(|(p, s, k)| (p.to_owned(), s, code_of(k)))
            .collect()
    }

    /// The ids of the best segmentation of `text` (one pre-token, already normalized).
    fn encode(&self, py: Python<'_>, text: &Bound<'_, pyo3::types::PyString>) -> PyResult<Vec<u32>> {
        let text = utf8(text)?;
        let mut out = Vec::new();
        py.allow_threads(|| self.inner.encode(text, &mut out));
        Ok(out)
    }

    /// The ids of each pre-token of a batch (all cores, the GIL released).
    fn encode_batch(&self, py: Python<'_>, texts: Vec<String>) -> Vec<Vec<u32>> {
        py.allow_threads(|| {
            texts
                .par_iter()
                .map(|t| {
                    let mut ids = Vec::new();
                    self.inner.encode(t, &mut ids);
                    ids
                })
                .collect()
        })
    }

    /// The `n` best segmentations of `text` as `(ids, score)`, best first.
    fn nbest(
        &self,
        py: Python<'_>,
        text: &Bound<'_, pyo3::types::PyString>,
        n: usize,
    ) -> PyResult<Vec<(Vec<u32>, f32)>> {
        let text = utf8(text)?;
        py.allow_threads(|| self.inner.nbest(text, n)).map_err(to_py)
    }

    /// One sampled segmentation of each text (sentencepiece's `SampleEncode`), reproducible for a `seed`.
    fn sample_batch(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        alpha: f64,
        nbest_size: i64,
        seed: u64,
    ) -> PyResult<Vec<Vec<u32>>> {
        sample_each(py, &texts, seed, |t, rng| {
            let mut ids = Vec::new();
            self.inner.sample(t, alpha, nbest_size, rng, &mut ids)?;
            Ok(ids)
        })
    }
}

/// `draw(text, rng)` of each text on all cores (the GIL released), text `k` drawing from `sampler(seed, k)`:
/// the same draws however the batch is scheduled.
pub fn sample_each(
    py: Python<'_>,
    texts: &[String],
    seed: u64,
    draw: impl Fn(&str, &mut Sampler) -> Result<Vec<u32>, Error> + Sync,
) -> PyResult<Vec<Vec<u32>>> {
    py.allow_threads(|| {
        texts.par_iter().enumerate().map(|(k, t)| draw(t, &mut sampler(seed, k as u64))).collect::<Result<Vec<_>, _>>()
    })
    .map_err(to_py)
}

/// Learns a Unigram model from pre-token counts (sentencepiece's trainer): returns the model's pieces as
/// `(piece, score)`, most probable first (no meta pieces). `progress(done, total)`: seed pieces dropped; Ctrl-C
/// stops it.
#[pyfunction]
#[pyo3(signature = (
    counter, vocab_size, meta_pieces=3, shrinking_factor=0.75, num_sub_iterations=2, max_piece_length=16,
    character_coverage=0.9995, split_digits=false, split_by_number=true, split_by_script=true,
    required_chars=String::new(), seed_size=1_000_000, prefix=String::new(), progress=None,
))]
#[allow(clippy::too_many_arguments)]
pub fn train_unigram(
    py: Python<'_>,
    counter: PyRef<'_, WordCounter>,
    vocab_size: usize,
    meta_pieces: usize,
    shrinking_factor: f64,
    num_sub_iterations: usize,
    max_piece_length: usize,
    character_coverage: f64,
    split_digits: bool,
    split_by_number: bool,
    split_by_script: bool,
    required_chars: String,
    seed_size: usize,
    prefix: String,
    progress: Option<PyObject>,
) -> PyResult<Vec<(String, f32)>> {
    let config = UnigramConfig {
        vocab_size,
        meta_pieces,
        shrinking_factor,
        num_sub_iterations,
        max_piece_length,
        character_coverage,
        split_digits,
        split_by_number,
        split_by_script,
        required_chars: required_chars.chars().collect(),
        seed_size,
        prefix,
    };
    let counts = counter.inner.counts();
    let progress = Progress::new(progress);
    let trained = interruptible(py, || trainer::train(counts, &config, &mut |d, t| progress.report(d, t)));
    progress.outcome(trained)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Unigram>()?;
    m.add_function(wrap_pyfunction!(train_unigram, m)?)
}
