//! Vocabulary learners. Each takes pre-token counts and returns an ordered merge list.

pub mod bpe;
pub mod rules;
