//! WordPiece (BERT; Schuster and Nakajima 2012, Wu et al. 2016): the model (`model.rs`) and its trainer
//! (`trainer.rs`: the BPE merge loop with a continuing-subword prefix, as Hugging Face's `WordPieceTrainer`).

mod model;
pub mod trainer;

pub use model::WordPiece;
