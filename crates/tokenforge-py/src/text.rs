//! Text helpers for the corpus readers and metrics: UTF-8 checks and repair, Unicode scripts.
use pyo3::prelude::*;

/// The scripts of a character by Script_Extensions (`["Latin"]`, `["Hiragana", "Katakana"]` for `ー`;
/// `["Other"]` for Common, Inherited and rare scripts).
#[pyfunction]
fn char_scripts(c: char) -> Vec<&'static str> {
    tokenforge_core::script::scripts_of(c)
}

/// Offset of the first byte that is not valid UTF-8, or None.
#[pyfunction]
fn utf8_error_offset(py: Python<'_>, data: &[u8]) -> Option<usize> {
    py.allow_threads(|| std::str::from_utf8(data).err().map(|e| e.valid_up_to()))
}

/// Decodes UTF-8, replacing (`replace`: U+FFFD) or dropping (`skip`) invalid bytes; returns the text and
/// how many bytes were invalid.
#[pyfunction]
fn repair_utf8(data: &[u8], mode: &str) -> PyResult<(String, usize)> {
    let mut out = String::with_capacity(data.len());
    let mut bad = 0;
    for chunk in data.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            bad += chunk.invalid().len();
            match mode {
                "replace" => out.push('\u{FFFD}'),
                "skip" => {}
                _ => return Err(pyo3::exceptions::PyValueError::new_err(format!("unknown mode {mode:?}"))),
            }
        }
    }
    Ok((out, bad))
}

/// Adds the text helpers to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(utf8_error_offset, m)?)?;
    m.add_function(wrap_pyfunction!(char_scripts, m)?)?;
    m.add_function(wrap_pyfunction!(repair_utf8, m)?)
}
