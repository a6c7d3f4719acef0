//! The model families the encoder accepts: one variant per family, each a spec class of that family's binding
//! file, built over the vocabulary into the core's `Model`.
use pyo3::prelude::*;

use tokenforge_core::model::{Model, Vocab};
use tokenforge_core::Result;

use crate::bpe::BpeModel;
use crate::hybrid::HybridModel;
use crate::less_is_better::LibModel;
use crate::sentencepiece::CharBpeModel;
use crate::unigram::Unigram;
use crate::wordpiece::WordPieceModel;

/// A model spec of any family, as `Encoder` takes it.
#[derive(FromPyObject)]
pub enum ModelSpec<'py> {
    Bpe(PyRef<'py, BpeModel>),
    WordPiece(PyRef<'py, WordPieceModel>),
    Lib(PyRef<'py, LibModel>),
    Unigram(PyRef<'py, Unigram>),
    CharBpe(PyRef<'py, CharBpeModel>),
    Hybrid(PyRef<'py, HybridModel>),
}

impl ModelSpec<'_> {
    /// The core model over `vocab`.
    pub fn build(&self, vocab: &Vocab) -> Result<Model> {
        match self {
            ModelSpec::Bpe(m) => m.build(vocab),
            ModelSpec::WordPiece(m) => m.build(vocab),
            ModelSpec::Lib(m) => m.build(vocab),
            ModelSpec::Unigram(m) => Ok(m.build()),
            ModelSpec::CharBpe(m) => m.build(),
            ModelSpec::Hybrid(m) => m.build(vocab),
        }
    }
}
