//! Binding of `tokenforge_core::model::bpe::chars`: the spec of a SentencePiece-style BPE model.
use pyo3::prelude::*;

use tokenforge_core::model::bpe::chars::{CharBpe, Fallback};
use tokenforge_core::Result;

use crate::normalize::SpmNormalizer;

/// SentencePiece-style BPE (characters, byte fallback): `pieces[id]` the text of each id, `merges` as
/// `((left, right), new, rank)` (equal ranks: leftmost first), the user-defined ids, the ids of `<0x00>` …
/// `<0xFF>` (None: no byte fallback), the unknown id, whether consecutive unknowns fuse, and the normalizer run
/// on each pre-token.
#[pyclass(module = "tokenforge._core", frozen)]
pub struct CharBpeModel {
    pieces: Vec<String>,
    merges: Vec<((u32, u32), u32, u32)>,
    user_defined: Vec<u32>,
    fallback: Fallback,
    normalizer: Option<tokenforge_core::normalize::SpmNormalizer>,
}

#[pymethods]
impl CharBpeModel {
    #[new]
    #[pyo3(signature = (pieces, merges, user_defined, byte_ids, unk_id, fuse_unk, normalizer=None))]
    fn new(
        pieces: Vec<String>,
        merges: Vec<((u32, u32), u32, u32)>,
        user_defined: Vec<u32>,
        byte_ids: Option<[u32; 256]>,
        unk_id: Option<u32>,
        fuse_unk: bool,
        normalizer: Option<PyRef<'_, SpmNormalizer>>,
    ) -> Self {
        let fallback = Fallback { bytes: byte_ids, unk: unk_id, fuse_unk };
        CharBpeModel { pieces, merges, user_defined, fallback, normalizer: normalizer.map(|n| n.inner.clone()) }
    }
}

impl CharBpeModel {
    /// The core model.
    pub fn build(&self) -> Result<CharBpe> {
        CharBpe::new(&self.pieces, &self.merges, &self.user_defined, self.fallback, self.normalizer.clone())
    }
}

/// Adds the sentencepiece model specs to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CharBpeModel>()
}
