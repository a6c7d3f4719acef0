//! Binding of `tokenforge_core::pretokenize`: presets, regexes, their exact patterns.
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use tokenforge_core::pretokenize::Pretokenizer as CorePretokenizer;

use crate::convert::{as_bytes, to_py};

/// A pre-tokenizer: a preset name (`gpt2`, `gpt4`, `o200k`, `none`) or a regex.
#[pyclass(module = "tokenforge._core", frozen)]
struct Pretokenizer {
    inner: CorePretokenizer,
}

#[pymethods]
impl Pretokenizer {
    #[new]
    fn new(spec: &str) -> PyResult<Self> {
        Ok(Pretokenizer { inner: CorePretokenizer::new(spec).map_err(to_py)? })
    }

    /// The preset name, `none` or `regex`.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// The exact pattern.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.pattern()
    }

    /// The exact patterns of its splits, in order (several for a sequence).
    #[getter]
    fn patterns(&self) -> Vec<String> {
        self.inner.patterns()
    }

    /// The pieces of `data` (str in, list of str out; bytes in, list of bytes out).
    fn split<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let raw = as_bytes(data)?;
        let mut pieces = Vec::new();
        self.inner.split_bytes(raw, &mut pieces).map_err(to_py)?;
        if data.is_instance_of::<PyString>() {
            let strs: Vec<&str> = pieces.iter().map(|p| std::str::from_utf8(p).expect("valid")).collect();
            PyList::new(py, strs)
        } else {
            PyList::new(py, pieces.iter().map(|p| PyBytes::new(py, p)))
        }
    }
}

/// Adds `Pretokenizer` and the preset patterns to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Pretokenizer>()?;
    m.add("GPT2_PATTERN", tokenforge_core::pretokenize::GPT2)?;
    m.add("SUPERBPE_STAGE1_PATTERN", tokenforge_core::pretokenize::SUPERBPE_STAGE1)?;
    m.add("SUPERBPE_STAGE2_PATTERN", tokenforge_core::pretokenize::SUPERBPE_STAGE2)?;
    m.add("CL100K_PATTERN", tokenforge_core::pretokenize::CL100K)?;
    m.add("QWEN2_PATTERN", tokenforge_core::pretokenize::QWEN2)?;
    m.add("O200K_PATTERN", tokenforge_core::pretokenize::O200K)?;
    m.add("DEEPSEEK_V3_PATTERN", tokenforge_core::pretokenize::DEEPSEEK_V3)?;
    m.add("BERT_PATTERN", tokenforge_core::pretokenize::BERT)
}
