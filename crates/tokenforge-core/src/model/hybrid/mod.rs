//! The morphology-aware hybrid tokenizer (Bayram et al. 2025, "Tokens with Meaning: A Hybrid Tokenization
//! Approach for NLP"): words are segmented by a lexicon into a root and affixes, affixes that differ only by vowel
//! harmony or consonant assimilation share one id (the decoder picks the surface from the word before it), case
//! and the space between words are special tokens (`<uppercase>`, `<space>`), and byte-level BPE covers the
//! rest. Decoding restores the text exactly: the encoder uses a shared affix id or `<uppercase>` only where the
//! decoder's rule gives back the very same characters, and BPE otherwise.
//!
//! `lexicon.rs` segments text (shared by the model and the trainer), `harmony.rs` holds Turkish casing and
//! harmony, `model.rs` encodes and decodes, `trainer.rs` keeps the roots the corpus uses and trains BPE on the
//! rest.

mod harmony;
mod lexicon;
mod model;
pub mod trainer;

pub use lexicon::{Casing, Lexicon, Part};
pub use model::Hybrid;

/// Id of `<uppercase>`: the next word starts with a capital.
pub const UPPER: u32 = 0;
/// Id of `<space>`: one space between two words.
pub const SPACE: u32 = 1;
/// Ids before the roots.
pub const N_SPECIALS: u32 = 2;
