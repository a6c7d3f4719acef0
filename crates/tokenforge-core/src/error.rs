//! The one error type of the core; the binding crate maps each kind to a Python exception.
use std::fmt;

/// Everything that can go wrong in the core. Never a panic for bad input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A user-supplied pre-tokenizer regex does not compile.
    InvalidRegex(String),
    /// The regex engine gave up (backtracking limit) on some input.
    RegexLimit(String),
    /// Input that was required to be UTF-8 is not; `offset` is the byte offset of the first bad byte.
    InvalidUtf8 { offset: usize },
    /// A token id outside the vocabulary.
    UnknownId(u32),
    /// A vocabulary or merge list that does not describe a byte-level BPE model.
    InvalidModel(String),
    /// An argument out of range (vocabulary too small, ...).
    InvalidArgument(String),
    /// Stopped by [`crate::interrupt::request`] (Ctrl-C).
    Interrupted,
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRegex(m) => write!(f, "invalid pre-tokenizer regex: {m}"),
            Error::RegexLimit(m) => write!(f, "pre-tokenizer regex gave up on this input: {m}"),
            Error::InvalidUtf8 { offset } => write!(f, "invalid UTF-8 at byte offset {offset}"),
            Error::UnknownId(id) => write!(f, "token id {id} is not in the vocabulary"),
            Error::InvalidModel(m) => write!(f, "invalid tokenizer model: {m}"),
            Error::InvalidArgument(m) => write!(f, "{m}"),
            Error::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for Error {}
