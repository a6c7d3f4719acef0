//! Conversions shared by the bindings: core errors to `tokenforge.errors`, str/bytes arguments.
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use tokenforge_core::Error;

/// A merge list as Python sees it: `((left, right), new_id)` by rank.
pub type Merges = Vec<((u32, u32), u32)>;

/// Token bytes by id from a sequence of `bytes` (each read whole: pyo3's `Vec<Vec<u8>>` reads bytes one int
/// at a time, a tenth of a second for a 200,000-token vocabulary); other byte sequences as pyo3 reads them.
pub struct Tokens(pub Vec<Vec<u8>>);

impl<'py> FromPyObject<'py> for Tokens {
    fn extract_bound(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err("Can't extract `str` to `Vec`"));
        }
        let mut tokens = Vec::with_capacity(obj.len().unwrap_or(0));
        for item in obj.try_iter()? {
            let item = item?;
            tokens.push(match item.downcast::<PyBytes>() {
                Ok(b) => b.as_bytes().to_vec(),
                Err(_) => item.extract()?,
            });
        }
        Ok(Tokens(tokens))
    }
}

/// An exception of `tokenforge.errors` by class name.
pub fn error(class: &str, message: String) -> PyErr {
    Python::with_gil(|py| match py.import("tokenforge.errors").and_then(|m| m.getattr(class)) {
        Ok(cls) => PyErr::from_value(match cls.call1((message,)) {
            Ok(e) => e,
            Err(e) => e.into_value(py).into_bound(py).into_any(),
        }),
        Err(e) => e,
    })
}

/// Raises the `tokenforge.errors` exception that matches a core error.
pub fn to_py(err: Error) -> PyErr {
    let class = match &err {
        Error::Interrupted => return pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted"),
        Error::InvalidRegex(_) | Error::RegexLimit(_) => "PretokenizerError",
        Error::InvalidUtf8 { .. } => "CorpusError",
        Error::InvalidModel(_) => "TokenizerFileError",
        Error::UnknownId(_) | Error::InvalidArgument(_) => "ConfigError",
    };
    error(class, err.to_string())
}

/// The UTF-8 of a str, or our error for a str that has none (a lone surrogate).
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    s.to_str().map_err(|_| error("CorpusError", "text holds a lone surrogate, which has no UTF-8 form".to_owned()))
}

/// Borrowed bytes of a `bytes` or `str` object.
pub fn as_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(b) = obj.downcast::<PyBytes>() {
        Ok(b.as_bytes())
    } else if let Ok(s) = obj.downcast::<PyString>() {
        Ok(utf8(s)?.as_bytes())
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(format!("expected str or bytes, got {}", obj.get_type().name()?)))
    }
}
