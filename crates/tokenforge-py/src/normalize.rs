//! Binding of `tokenforge_core::normalize`: sentencepiece's normalizer and BERT's.
use pyo3::prelude::*;
use pyo3::types::PyString;

use tokenforge_core::normalize::{
    BertNormalizer as CoreBertNormalizer, Normalizer, SpmNormalizer as CoreSpmNormalizer, SpmOptions,
};

use crate::convert::{to_py, utf8};

/// sentencepiece's normalizer: a precompiled charsmap (empty bytes: none) and its whitespace rules.
#[pyclass(module = "tokenforge._core", frozen)]
pub(crate) struct SpmNormalizer {
    pub(crate) inner: CoreSpmNormalizer,
}

#[pymethods]
impl SpmNormalizer {
    #[new]
    #[allow(clippy::too_many_arguments)] // sentencepiece's NormalizerSpec, field by field, as Python keywords
    #[pyo3(signature = (charsmap, add_dummy_prefix=true, remove_extra_whitespaces=true, escape_whitespaces=true, treat_whitespace_as_suffix=false, user_defined=Vec::new(), prefix_unless_space=false, prefix_first_only=false))]
    fn new(
        charsmap: &[u8],
        add_dummy_prefix: bool,
        remove_extra_whitespaces: bool,
        escape_whitespaces: bool,
        treat_whitespace_as_suffix: bool,
        user_defined: Vec<String>,
        prefix_unless_space: bool,
        prefix_first_only: bool,
    ) -> PyResult<Self> {
        let options = SpmOptions {
            add_dummy_prefix,
            remove_extra_whitespaces,
            escape_whitespaces,
            treat_whitespace_as_suffix,
            prefix_unless_space,
            prefix_first_only,
        };
        Ok(SpmNormalizer { inner: CoreSpmNormalizer::new(charsmap, options, &user_defined).map_err(to_py)? })
    }

    /// The normalized form of `text`.
    fn normalize(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<String> {
        let text = utf8(text)?;
        Ok(py.allow_threads(|| self.inner.normalize(text)))
    }
}

/// Hugging Face's `BertNormalizer` (`lowercase`: accents stripped and lowercased too).
#[pyclass(module = "tokenforge._core", frozen)]
pub(crate) struct BertNormalizer {
    inner: CoreBertNormalizer,
}

#[pymethods]
impl BertNormalizer {
    #[new]
    fn new(lowercase: bool) -> Self {
        BertNormalizer { inner: CoreBertNormalizer { lowercase } }
    }

    /// The normalized form of `text`.
    fn normalize(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<String> {
        let text = utf8(text)?;
        Ok(py.allow_threads(|| self.inner.normalize(text)))
    }
}

/// A normalizer of either kind, as `Encoder` takes it.
#[derive(FromPyObject)]
pub(crate) enum NormalizerSpec<'py> {
    Spm(PyRef<'py, SpmNormalizer>),
    Bert(PyRef<'py, BertNormalizer>),
}

impl NormalizerSpec<'_> {
    /// The core's normalizer.
    pub(crate) fn build(&self) -> Normalizer {
        match self {
            NormalizerSpec::Spm(n) => Normalizer::Spm(Box::new(n.inner.clone())),
            NormalizerSpec::Bert(n) => Normalizer::Bert(n.inner),
        }
    }
}

/// Adds the normalizer classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SpmNormalizer>()?;
    m.add_class::<BertNormalizer>()
}
