//! Unigram LM (sentencepiece's default model): the model with its lattice, and its trainer.
mod lattice;
pub mod model;
pub mod trainer;

pub(crate) use lattice::uniform;
pub use model::{PieceKind, Unigram};
