//! Model families: each holds what encodes one pre-token to ids, its trainer and its checks.

pub mod bpe;
pub mod lib;
pub mod unigram;
