//! Byte-level BPE: the model and the one merge-list validator (`model.rs`), the one merge applier
//! (`apply.rs`), the trainer (`trainer.rs`) with its token rules (`rules.rs`), the replay of a base model's
//! merges before continued training (`replay.rs`), the merge priorities as flat tables (`ranks.rs`), reading a rank file (`rank_file.rs`) and recovering its merges (`recover.rs`); BPE-dropout (`dropout.rs`).

pub mod apply;
pub mod chars;
pub mod dropout;
mod model;
mod rank_file;
mod ranks;
mod recover;
pub(crate) mod replay;
pub mod rules;
pub mod trainer;

pub use model::{validate_merges, Bpe, BpeModel, Pair};
pub use rank_file::{RankFile, RankFileError};
pub use recover::{pair_ranks, recover_merges};
