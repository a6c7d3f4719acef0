//! Vocabulary learners. Each takes pre-token counts and returns an ordered merge list.

pub mod bpe;
pub(crate) mod replay;
pub mod rules;
