//! tokenforge-core: the hot loops of byte-level BPE.
//!
//! The data flow is `pretokenize` → `count` → `model` (train: merges) → `encode`.
//! This crate knows nothing of files or Python: it takes bytes and strings and returns ids.

pub mod bytes;
pub mod count;
pub mod encode;
pub mod error;
pub mod huge_pages;
pub mod interrupt;
pub mod mixture;
pub mod model;
pub mod normalize;
pub mod piece_cache;
pub mod pretokenize;
pub mod script;
pub mod spill;

pub use error::{Error, Result};
