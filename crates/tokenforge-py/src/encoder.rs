//! Binding of `tokenforge_core::encode`: text to ids, batches on all cores, decoding.
use std::path::PathBuf;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use numpy::{IntoPyArray, PyArray1};
use rayon::prelude::*;
use tokenforge_core::encode::{split_documents, Encoder as CoreEncoder, Flat, Sampling, Spans, SpecialMatcher};
use tokenforge_core::model::Vocab;
use tokenforge_core::pretokenize::Pretokenizer as CorePretokenizer;

use crate::convert::{as_bytes, to_py, utf8, Tokens};
use crate::file_bytes::read_file;
use crate::model::ModelSpec;
use crate::normalize::NormalizerSpec;
use crate::unigram::sample_each;

/// Texts shorter than this are encoded with the GIL held: handing it over and taking it back costs more than
/// a short text's encoding (a ~90-byte paragraph: ~1 µs in all), and other threads wait at most that long.
const GIL_RELEASE_BYTES: usize = 4096;

/// `f`, without the GIL when the text is `len` bytes long or more ([`GIL_RELEASE_BYTES`]).
fn detached<T: Send>(py: Python<'_>, len: usize, f: impl FnOnce() -> T + Send) -> T {
    if len >= GIL_RELEASE_BYTES {
        py.allow_threads(f)
    } else {
        f()
    }
}

/// Keeps Python's cyclic garbage collector off while a batch of id lists is built, and turns it back on (if it
/// was on) when dropped. Lists of ints cannot form cycles, but every few hundred new lists trigger a
/// collection, and the older generations' collections traverse every list built so far, again and again: on
/// short items that was a seventh of the time, all of it in the serial part of a batch.
struct GcPaused(bool);

impl GcPaused {
    fn new(_py: Python<'_>) -> Self {
        // SAFETY: called with the GIL held (the `Python` token); the collector is a process-wide switch.
        GcPaused(unsafe { pyo3::ffi::PyGC_Disable() } == 1)
    }
}

impl Drop for GcPaused {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: dropped in the scope that made it, where the GIL is held.
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}

/// Ids and each token's character offsets.
type Offsets = (Vec<u32>, Spans);

/// Flat ids and their offsets, as numpy arrays.
type FlatArrays<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>);

/// An encoder of any model family: special tokens, pre-tokenizer, model.
#[pyclass(module = "tokenforge._core", frozen)]
struct Encoder {
    inner: CoreEncoder,
    all_specials: SpecialMatcher,
    /// Added tokens alone: what plain `encode` matches.
    ordinary: SpecialMatcher,
    /// The Python int of every id, so that id lists are built without allocating ints.
    ints: Vec<PyObject>,
}

impl Encoder {
    /// Runs `f` with the matcher that `allowed` / `all_special` ask for.
    fn with_matcher<T>(
        &self,
        allowed: Option<Vec<String>>,
        all_special: bool,
        f: impl FnOnce(&SpecialMatcher) -> PyResult<T>,
    ) -> PyResult<T> {
        if all_special {
            return f(&self.all_specials);
        }
        match allowed {
            None => f(&self.ordinary),
            Some(names) => f(&self.inner.special_matcher(Some(&names)).map_err(to_py)?),
        }
    }

    /// The ids of `text`, special tokens as in [`with_matcher`](Self::with_matcher); without the GIL when it is long.
    fn ids(&self, py: Python<'_>, text: &str, allowed: Option<Vec<String>>, all_special: bool) -> PyResult<Vec<u32>> {
        self.with_matcher(allowed, all_special, |m| {
            detached(py, text.len(), || self.inner.encode(text, m)).map_err(to_py)
        })
    }

    /// The flat encoding of `docs`, computed without the GIL, as numpy arrays (handed over without a copy).
    fn flat<'py>(
        &self,
        py: Python<'py>,
        docs: &[&[u8]],
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<FlatArrays<'py>> {
        let Flat { ids, offsets } = self.with_matcher(allowed, all_special, |m| {
            py.allow_threads(|| self.inner.encode_flat(docs, m)).map_err(to_py)
        })?;
        Ok((ids.into_pyarray(py), offsets.into_pyarray(py)))
    }

    /// A Python list of ids, built from the cached ints.
    fn to_list<'py>(&self, py: Python<'py>, ids: &[u32]) -> Bound<'py, PyList> {
        // SAFETY: the list is created with `ids.len()` slots and every slot is set exactly once with a new
        // reference (ids come from this encoder, so they index `ints`).
        unsafe {
            let list = pyo3::ffi::PyList_New(ids.len() as pyo3::ffi::Py_ssize_t);
            if list.is_null() {
                panic!("out of memory creating a list");
            }
            for (i, &id) in ids.iter().enumerate() {
                let obj = self.ints[id as usize].as_ptr();
                pyo3::ffi::Py_INCREF(obj);
                pyo3::ffi::PyList_SET_ITEM(list, i as pyo3::ffi::Py_ssize_t, obj);
            }
            Bound::from_owned_ptr(py, list).downcast_into_unchecked()
        }
    }
}

#[pymethods]
impl Encoder {
    /// `vocab` holds every token's bytes (specials included), `model` is one family's model spec
    /// (`BpeModel`, `WordPieceModel`, `Unigram`, `CharBpeModel`), `normalizer` (if any) runs in the core
    /// before pre-tokenization.
    #[new]
    #[pyo3(signature = (vocab, model, pretokenizer, specials, added, normalizer=None))]
    fn new(
        py: Python<'_>,
        vocab: Tokens,
        model: ModelSpec<'_>,
        pretokenizer: &str,
        specials: Vec<u32>,
        added: Vec<u32>,
        normalizer: Option<NormalizerSpec<'_>>,
    ) -> PyResult<Self> {
        let pre = CorePretokenizer::new(pretokenizer).map_err(to_py)?;
        let reserved: Vec<u32> = specials.iter().chain(&added).copied().collect();
        let vocab = Vocab::new(vocab.0, &reserved);
        let model = model.build(&vocab).map_err(to_py)?;
        let normalizer = normalizer.map(|n| n.build());
        let inner = CoreEncoder::new(vocab, model, normalizer, pre, &specials, &added).map_err(to_py)?;
        let all_specials = inner.special_matcher(None).map_err(to_py)?;
        let ordinary = inner.special_matcher(Some(&[])).map_err(to_py)?;
        let ints = (0..inner.vocab_size())
            .map(|i| match i.into_pyobject(py) {
                Ok(o) => o.into_any().unbind(),
            })
            .collect();
        Ok(Encoder { inner, all_specials, ordinary, ints })
    }

    /// Number of ids.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    /// Ids of a text; `allowed` names the special tokens to map (`None`: none, `["*"]` is not special).
    #[pyo3(signature = (text, allowed=None, all_special=false))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = self.ids(py, text, allowed, all_special)?;
        Ok(self.to_list(py, &ids))
    }

    /// Ids of a text as a numpy `uint32` array (handed over without a copy, no Python int per id); `allowed`
    /// and `all_special` as in [`encode`](Self::encode).
    #[pyo3(signature = (text, allowed=None, all_special=false))]
    fn encode_array<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let ids = self.ids(py, text, allowed, all_special)?;
        Ok(ids.into_pyarray(py))
    }

    /// One sampled segmentation of each text (subword regularization; Unigram models), on all cores;
    /// the same `seed` gives the same draws.
    fn sample_batch(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        alpha: f64,
        nbest_size: i64,
        seed: u64,
    ) -> PyResult<Vec<Vec<u32>>> {
        sample_each(py, &texts, seed, |t, rng| self.inner.sample(t, Sampling::Lattice { alpha, nbest_size }, rng))
    }

    /// Each text with BPE-dropout `p` (BPE models), on all cores; the same `seed` gives the same draws.
    fn dropout_batch(&self, py: Python<'_>, texts: Vec<String>, p: f64, seed: u64) -> PyResult<Vec<Vec<u32>>> {
        sample_each(py, &texts, seed, |t, rng| self.inner.sample(t, Sampling::Dropout(p), rng))
    }

    /// Ids of each text and each token's `(start, end)` character offsets into it, on all cores.
    #[pyo3(signature = (texts, allowed=None, all_special=false))]
    fn encode_offsets_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Bound<'_, PyString>>,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<Vec<Offsets>> {
        let strs = texts.iter().map(utf8).collect::<PyResult<Vec<_>>>()?;
        self.with_matcher(allowed, all_special, |m| {
            py.allow_threads(|| {
                strs.par_iter().map(|t| self.inner.encode_with_offsets(t, m)).collect::<Result<Vec<_>, _>>()
            })
            .map_err(to_py)
        })
    }

    /// Ids of arbitrary bytes.
    fn encode_bytes<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let ids = py.allow_threads(|| self.inner.encode_bytes(data)).map_err(to_py)?;
        Ok(self.to_list(py, &ids))
    }

    /// Ids of many texts, on all cores.
    #[pyo3(signature = (texts, allowed=None, all_special=false))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyAny>>,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut strs = Vec::with_capacity(texts.len());
        for t in &texts {
            strs.push(utf8(t.downcast::<PyString>()?)?);
        }
        // The cores take runs of texts one after the other (so they finish in about that order) while this
        // thread, holding the GIL, turns finished runs into Python lists in order: the serial part overlaps
        // the parallel one all along.
        let _gc = GcPaused::new(py);
        let out = PyList::empty(py);
        let bounds = CoreEncoder::run_bounds(&strs);
        let runs = bounds.len() - 1;
        self.with_matcher(allowed, all_special, |m| {
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::channel();
                let (inner, strs, bounds) = (&self.inner, &strs, &bounds);
                scope.spawn(move || inner.encode_runs(strs, bounds, m, |k, run| tx.send((k, run)).is_ok()));
                let (mut rx, mut waiting, mut k) = (rx, std::collections::HashMap::new(), 0);
                while k < runs {
                    let run = match waiting.remove(&k) {
                        Some(run) => run,
                        None => {
                            // The receiver moves into the GIL-free wait and back (it is Send, not Sync).
                            let (got, back) = py.allow_threads(move || (rx.recv(), rx));
                            rx = back;
                            let Ok((at, run)) = got else {
                                return Err(pyo3::exceptions::PyRuntimeError::new_err("encoding stopped early"));
                            };
                            if at != k {
                                waiting.insert(at, run);
                                continue;
                            }
                            run
                        }
                    };
                    for ids in run.map_err(to_py)?.texts() {
                        out.append(self.to_list(py, ids))?;
                    }
                    k += 1;
                }
                Ok(())
            })
        })?;
        Ok(out)
    }

    /// Ids of many texts (str or bytes) on all cores, as `(ids, offsets)` numpy arrays: text `i` is
    /// `ids[offsets[i]:offsets[i + 1]]` (uint32 and int64, no Python list).
    #[pyo3(signature = (texts, allowed=None, all_special=false))]
    fn encode_flat<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyAny>>,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<FlatArrays<'py>> {
        let docs = texts.iter().map(as_bytes).collect::<PyResult<Vec<_>>>()?;
        self.flat(py, &docs, allowed, all_special)
    }

    /// Ids of the documents of a buffer (the non-empty pieces between occurrences of `separator`; without
    /// one, the whole buffer), as [`encode_flat`](Self::encode_flat) gives them.
    #[pyo3(signature = (data, separator=None, allowed=None, all_special=false))]
    fn encode_buffer<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        separator: Option<&[u8]>,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<FlatArrays<'py>> {
        let docs = py.allow_threads(|| split_documents(data, separator)).map_err(to_py)?;
        self.flat(py, &docs, allowed, all_special)
    }

    /// Ids of the documents of a file, as [`encode_buffer`](Self::encode_buffer) gives them for its bytes
    /// (read, split and encoded on all cores without the GIL). An unreadable file raises `OSError`.
    #[pyo3(signature = (path, separator=None, allowed=None, all_special=false))]
    fn encode_file<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        separator: Option<&[u8]>,
        allowed: Option<Vec<String>>,
        all_special: bool,
    ) -> PyResult<FlatArrays<'py>> {
        let data = py.allow_threads(|| read_file(&path))?;
        self.encode_buffer(py, &data, separator, allowed, all_special)
    }

    /// The bytes behind `ids`.
    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<u32>) -> PyResult<Bound<'py, PyBytes>> {
        let out = py.allow_threads(|| self.inner.decode(&ids)).map_err(to_py)?;
        Ok(PyBytes::new(py, &out))
    }

    /// The bytes of token `id`.
    fn token_bytes<'py>(&self, py: Python<'py>, id: u32) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, self.inner.token_bytes(id).map_err(to_py)?))
    }

    /// The id of a (non-special) token's bytes, or None.
    fn token_id(&self, data: &[u8]) -> Option<u32> {
        self.inner.token_id(data)
    }
}

/// The base class of `tokenforge.Tokenizer`. Its `encode` takes the common call (one text, at most `output=`)
/// in the core, without a Python frame: through a Python method that call cost ~0.25 µs more, a quarter of a
/// ~90-byte text's encoding. Any other call goes to the Python method `_encode`.
#[pyclass(module = "tokenforge._core", subclass)]
struct TokenizerBase;

#[pymethods]
impl TokenizerBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        TokenizerBase
    }

    /// Token ids of `text`. Special-token strings are plain text unless `allowed_special` names them
    /// (or is `"all"`), so untrusted text cannot inject control tokens. Lone surrogates encode as U+FFFD.
    /// `add_special_tokens=True` puts the post-processor's tokens around the ids (of `text`, or of `text` and
    /// `pair`: Hugging Face's `encode(text, pair)`); without it, a pair's ids are simply concatenated.
    ///
    /// `sample=True` (Unigram models): sentencepiece's subword regularization, a segmentation drawn with
    /// probability ∝ exp(alpha · score) from the whole lattice (`nbest_size=-1`) or from the `nbest_size` best;
    /// the same `seed` gives the same draw (none: a fresh one each call). BPE models (byte-level and
    /// SentencePiece-style) sample with `dropout=p` instead: BPE-dropout as Hugging Face's `BPE(dropout=p)`,
    /// each candidate merge skipped with probability p at each step (p=0: plain `encode`; p=1: no merges).
    ///
    /// `offsets=True` returns an `Encoding` (ids, tokens, character offsets into `text`, type ids) instead.
    /// `output="numpy"` returns the ids as a `uint32` array, made without a Python int per id.
    #[pyo3(
        signature = (text, *args, **kwargs),
        text_signature = "(self, text, allowed_special=None, *, pair=None, add_special_tokens=False, sample=False, \
                          alpha=0.1, nbest_size=-1, dropout=None, seed=None, offsets=False, output='list')"
    )]
    fn encode<'py>(
        slf: &Bound<'py, Self>,
        text: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let (true, Some(numpy), Ok(text)) = (args.is_empty(), numpy_output(kwargs)?, text.downcast::<PyString>()) {
            // Lone surrogates have no UTF-8: `_encode` replaces them.
            if let (true, Ok(text)) = (slf.getattr(intern!(py, "_py_normalizer"))?.is_none(), text.to_str()) {
                let encoder = slf.getattr(intern!(py, "_encoder"))?;
                let encoder = encoder.downcast::<Encoder>()?.get();
                return Ok(match numpy {
                    true => encoder.encode_array(py, text, None, false)?.into_any(),
                    false => encoder.encode(py, text, None, false)?.into_any(),
                });
            }
        }
        let args = PyTuple::new(py, std::iter::once(text.clone()).chain(args).collect::<Vec<_>>())?;
        slf.call_method(intern!(py, "_encode"), args, kwargs)
    }
}

/// Whether the keyword arguments of a common `encode` call ask for numpy output; `None` when they are not
/// those of a common call (no keywords, or only `output` with "list" or "numpy").
fn numpy_output(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Option<bool>> {
    let Some(kwargs) = kwargs else { return Ok(Some(false)) };
    if kwargs.len() != 1 {
        return Ok(None);
    }
    let Some(output) = kwargs.get_item(intern!(kwargs.py(), "output"))? else { return Ok(None) };
    Ok(match output.downcast::<PyString>().map(|s| s.to_str()) {
        Ok(Ok("list")) => Some(false),
        Ok(Ok("numpy")) => Some(true),
        _ => None,
    })
}

/// Adds `Encoder` and `TokenizerBase` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Encoder>()?;
    m.add_class::<TokenizerBase>()
}
