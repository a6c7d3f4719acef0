//! Python bindings of tokenforge-core: thin wrappers that convert arguments, release the GIL around
//! the work, and turn core errors into the exceptions of `tokenforge.errors`.
mod mixture;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use rayon::prelude::*;

use tokenforge_core::count::{Counter, Segment};
use tokenforge_core::encode::{Encoder as CoreEncoder, SpecialMatcher};
use tokenforge_core::pretokenize::Pretokenizer as CorePretokenizer;
use tokenforge_core::train::bpe::{self, BpeConfig, BpeModel};
use tokenforge_core::train::rules::TokenRules;
use tokenforge_core::Error;

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

/// A merge list as Python sees it: `((left, right), new_id)` by rank.
type Merges = Vec<((u32, u32), u32)>;

/// An exception of `tokenforge.errors` by class name.
fn error(class: &str, message: String) -> PyErr {
    Python::with_gil(|py| match py.import("tokenforge.errors").and_then(|m| m.getattr(class)) {
        Ok(cls) => PyErr::from_value(match cls.call1((message,)) {
            Ok(e) => e,
            Err(e) => e.into_value(py).into_bound(py).into_any(),
        }),
        Err(e) => e,
    })
}

/// Raises the `tokenforge.errors` exception that matches a core error.
fn to_py(err: Error) -> PyErr {
    let class = match &err {
        Error::InvalidRegex(_) | Error::RegexLimit(_) => "PretokenizerError",
        Error::InvalidUtf8 { .. } => "CorpusError",
        Error::InvalidModel(_) => "TokenizerFileError",
        Error::UnknownId(_) | Error::InvalidArgument(_) => "ConfigError",
    };
    error(class, err.to_string())
}

/// The UTF-8 of a str, or our error for a str that has none (a lone surrogate).
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    s.to_str().map_err(|_| error("CorpusError", "text holds a lone surrogate, which has no UTF-8 form".to_owned()))
}

/// Borrowed bytes of a `bytes` or `str` object.
fn as_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(b) = obj.downcast::<PyBytes>() {
        Ok(b.as_bytes())
    } else if let Ok(s) = obj.downcast::<PyString>() {
        Ok(utf8(s)?.as_bytes())
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(format!("expected str or bytes, got {}", obj.get_type().name()?)))
    }
}

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

/// Streams document segments into pre-token counts.
#[pyclass(module = "tokenforge._core")]
struct WordCounter {
    inner: Counter,
}

#[pymethods]
impl WordCounter {
    /// A counter; with `spill_dir`, its table goes to sorted runs there whenever it passes `spill_bytes`.
    #[new]
    #[pyo3(signature = (spec, spill_dir=None, spill_bytes=None))]
    fn new(spec: &str, spill_dir: Option<std::path::PathBuf>, spill_bytes: Option<usize>) -> PyResult<Self> {
        let pre = CorePretokenizer::new(spec).map_err(to_py)?;
        let inner = match spill_dir {
            Some(dir) => Counter::spilling(pre, dir, spill_bytes.unwrap_or(usize::MAX)),
            None => Counter::new(pre),
        };
        Ok(WordCounter { inner })
    }

    /// Runs spilled to disk so far.
    #[getter]
    fn runs(&self) -> usize {
        self.inner.runs()
    }

    /// Counts a batch of segments (str or bytes); `ends[i]` says whether segment i ends its document.
    fn feed(mut slf: PyRefMut<'_, Self>, segments: Vec<Bound<'_, PyAny>>, ends: Vec<bool>) -> PyResult<()> {
        let py = slf.py();
        feed_counters(py, vec![&mut slf.inner], &segments, &ends)
    }

    /// Counts what is still held back and merges spilled runs (call once, after the last segment); keeps only
    /// pre-tokens whose count reaches the smallest threshold whose merge phase fits in `limit` bytes. Returns
    /// the threshold (1: nothing pruned).
    #[pyo3(signature = (limit=None))]
    fn finish(&mut self, py: Python<'_>, limit: Option<usize>) -> PyResult<u64> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.finish_within(limit)).map_err(to_py)
    }

    /// Saves the counts so far as a sorted run file (call between documents) and forgets them.
    fn save_run(&mut self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.save_run(&path)).map_err(to_py)
    }

    /// Adds the counts of a run file written by `save_run`.
    fn add_run(&mut self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.add_run(&path)).map_err(to_py)
    }

    /// Number of distinct pre-tokens.
    fn __len__(&self) -> usize {
        self.inner.counts().len()
    }

    /// Total number of pre-tokens counted.
    fn total(&self) -> u64 {
        self.inner.counts().iter().map(|(_, n)| n).sum()
    }

    /// The `n` most frequent pre-tokens as `(bytes, count)`, most frequent first.
    fn most_common<'py>(&self, py: Python<'py>, n: usize) -> Vec<(Bound<'py, PyBytes>, u64)> {
        let mut all: Vec<(&[u8], u64)> = self.inner.counts().iter().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        all.into_iter().take(n).map(|(k, v)| (PyBytes::new(py, k), v)).collect()
    }

    /// Learns byte-level BPE merges: returns `(vocab, merges)`, `vocab` a list of token bytes (ids 0–255
    /// the bytes in GPT-2 order unless `base` says otherwise) and `merges` a list of `((left, right), new_id)`
    /// by rank. `base = (vocab, merges)` continues an existing model, keeping its merges verbatim. The
    /// `max_*` and `forbidden` rules limit the tokens merges may create.
    #[pyo3(signature = (
        vocab_size, min_frequency=0, reserved=0, progress=None, base=None,
        max_token_bytes=None, max_token_chars=None, max_words=None, forbidden=Vec::new(),
    ))]
    #[allow(clippy::too_many_arguments)]
    fn train_bpe<'py>(
        &self,
        py: Python<'py>,
        vocab_size: usize,
        min_frequency: u64,
        reserved: usize,
        progress: Option<PyObject>,
        base: Option<(Vec<Vec<u8>>, Merges)>,
        max_token_bytes: Option<usize>,
        max_token_chars: Option<usize>,
        max_words: Option<usize>,
        forbidden: Vec<Vec<u8>>,
    ) -> PyResult<(Vec<Bound<'py, PyBytes>>, Merges)> {
        let rules = TokenRules { max_bytes: max_token_bytes, max_chars: max_token_chars, max_words, forbidden };
        let cfg = BpeConfig { vocab_size, min_frequency, reserved, rules };
        let base = match base {
            Some((vocab, merges)) => BpeModel { vocab, merges },
            None => BpeModel::bytes_only(),
        };
        let counts = self.inner.counts();
        let model = py
            .allow_threads(|| {
                let mut report = |done: usize, total: usize| {
                    if let Some(cb) = &progress {
                        Python::with_gil(|py| {
                            let _ = cb.call1(py, (done, total));
                        });
                    }
                };
                bpe::train_from(base, counts, &cfg, &mut report)
            })
            .map_err(to_py)?;
        let vocab = model.vocab.iter().map(|t| PyBytes::new(py, t)).collect();
        Ok((vocab, model.merges))
    }
}

/// A byte-level BPE encoder.
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
    #[new]
    #[pyo3(signature = (vocab, merges, pretokenizer, specials, added, ignore_merges=true))]
    fn new(
        py: Python<'_>,
        vocab: Vec<Vec<u8>>,
        merges: Vec<((u32, u32), u32)>,
        pretokenizer: &str,
        specials: Vec<u32>,
        added: Vec<u32>,
        ignore_merges: bool,
    ) -> PyResult<Self> {
        let pre = CorePretokenizer::new(pretokenizer).map_err(to_py)?;
        let inner = CoreEncoder::new(vocab, &merges, pre, &specials, &added, ignore_merges).map_err(to_py)?;
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
        let ids = self
            .with_matcher(allowed, all_special, |m| py.allow_threads(|| self.inner.encode(text, m)).map_err(to_py))?;
        Ok(self.to_list(py, &ids))
    }

    /// Ids of a text, special-token strings as plain text (the fast path of `Tokenizer.encode`).
    fn encode_ordinary<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyList>> {
        let ids = py.allow_threads(|| self.inner.encode(text, &self.ordinary)).map_err(to_py)?;
        Ok(self.to_list(py, &ids))
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

/// Counts one batch of segments with every counter (one pre-tokenizer each): the segments are read once, and
/// the counters work side by side, so the serial part of one overlaps the parallel part of another.
#[pyfunction]
fn feed_all(
    py: Python<'_>,
    mut counters: Vec<PyRefMut<'_, WordCounter>>,
    segments: Vec<Bound<'_, PyAny>>,
    ends: Vec<bool>,
) -> PyResult<()> {
    feed_counters(py, counters.iter_mut().map(|c| &mut c.inner).collect(), &segments, &ends)
}

fn feed_counters(
    py: Python<'_>,
    mut counters: Vec<&mut Counter>,
    segments: &[Bound<'_, PyAny>],
    ends: &[bool],
) -> PyResult<()> {
    if segments.len() != ends.len() {
        return Err(pyo3::exceptions::PyValueError::new_err("segments and ends differ in length"));
    }
    let mut segs = Vec::with_capacity(segments.len());
    for (s, &e) in segments.iter().zip(ends) {
        segs.push(Segment { data: as_bytes(s)?, ends_document: e });
    }
    py.allow_threads(|| counters.par_iter_mut().try_for_each(|c| c.feed(&segs))).map_err(to_py)
}

/// The Unicode Script of a character (`Latin`, `Han`, ...; `Other` for Common, Inherited and rare scripts).
#[pyfunction]
fn char_script(c: char) -> &'static str {
    tokenforge_core::script::script_of(c)
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

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Pretokenizer>()?;
    m.add_class::<WordCounter>()?;
    m.add_class::<Encoder>()?;
    mixture::register(m)?;
    m.add_function(wrap_pyfunction!(feed_all, m)?)?;
    m.add_function(wrap_pyfunction!(utf8_error_offset, m)?)?;
    m.add_function(wrap_pyfunction!(char_script, m)?)?;
    m.add_function(wrap_pyfunction!(repair_utf8, m)?)?;
    m.add("GPT2_PATTERN", tokenforge_core::pretokenize::GPT2)?;
    m.add("SUPERBPE_STAGE1_PATTERN", tokenforge_core::pretokenize::SUPERBPE_STAGE1)?;
    m.add("SUPERBPE_STAGE2_PATTERN", tokenforge_core::pretokenize::SUPERBPE_STAGE2)?;
    m.add("BYTE_ORDER", PyBytes::new(m.py(), &tokenforge_core::bytes::BYTE_ORDER))?;
    m.add("CL100K_PATTERN", tokenforge_core::pretokenize::CL100K)?;
    m.add("O200K_PATTERN", tokenforge_core::pretokenize::O200K)?;
    Ok(())
}
