//! Python bindings of tokenforge-core: thin wrappers that convert arguments, release the GIL around
//! the work, and turn core errors into the exceptions of `tokenforge.errors`. One module per area, each
//! with a `register` function called below.
mod bpe;
mod convert;
mod counting;
mod encoder;
mod file_bytes;
mod hybrid;
mod interrupt;
mod less_is_better;
mod mixture;
mod model;
mod normalize;
mod pretokenize;
mod sentencepiece;
mod text;
mod unigram;
mod wordpiece;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    pretokenize::register(m)?;
    counting::register(m)?;
    bpe::register(m)?;
    wordpiece::register(m)?;
    encoder::register(m)?;
    mixture::register(m)?;
    normalize::register(m)?;
    text::register(m)?;
    unigram::register(m)?;
    sentencepiece::register(m)?;
    less_is_better::register(m)?;
    hybrid::register(m)?;
    Ok(())
}
