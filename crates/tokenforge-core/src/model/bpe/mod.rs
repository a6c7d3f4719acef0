//! Byte-level BPE: the model (`model.rs`), the one merge applier (`apply.rs`), the trainer (`trainer.rs`)
//! with its token rules (`rules.rs`) and the replay of a base model's merges before continued training
//! (`replay.rs`).

pub mod apply;
pub mod chars;
mod model;
pub(crate) mod replay;
pub mod rules;
pub mod trainer;

pub use model::{BpeModel, Pair};
