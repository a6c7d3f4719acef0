//! The encoding pipeline, the same for every model family: special and added tokens are matched in the raw
//! text, the text between them is normalized (sentencepiece's or BERT's normalizer, when the encoder has one) and
//! pre-tokenized, and the [`Model`] turns each pre-token into ids (where that happens:
//! `model/<family>/model.rs`), through a cache of short pieces. Batches run on all cores; decoding
//! concatenates token bytes.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::model::unigram::model::Sampler;
use crate::model::{Model, Vocab};
use crate::normalize::{BertNormalizer, Normalizer};
use crate::piece_cache::{self, PieceCache};
use crate::pretokenize::Pretokenizer;

/// How [`Encoder::sample`] draws a segmentation.
#[derive(Debug, Clone, Copy)]
pub enum Sampling {
    /// Unigram models: sentencepiece's `SampleEncode` (see [`Unigram::sample`](crate::model::unigram::Unigram::sample)).
    Lattice { alpha: f64, nbest_size: i64 },
    /// BPE models: BPE-dropout with this probability (see [`merge_with_dropout`](crate::model::bpe::dropout::merge_with_dropout)).
    Dropout(f64),
}

/// An encoder: vocabulary, model, normalizer, pre-tokenizer and the special and added tokens.
pub struct Encoder {
    vocab: Vocab,
    model: Model,
    /// Runs on the text between special and added tokens, before pre-tokenization.
    normalizer: Option<Normalizer>,
    pre: Pretokenizer,
    /// Special tokens, matched in raw text before pre-tokenization when allowed: `(text, id)`.
    specials: Vec<(String, u32)>,
    /// Added (non-special) tokens, always matched before pre-tokenization (Hugging Face semantics).
    added: Vec<(String, u32)>,
    /// Matches the added tokens alone.
    ordinary: SpecialMatcher,
    /// The short tokens themselves (when the model emits them whole), shared: a cache that misses a piece
    /// looks here before running the model, and keeps what it found. (Each cache used to start as a copy of
    /// it: 8-16 MiB per cache, most of it tokens a text never uses, so every probe ranged over a table
    /// several times larger than the pieces seen.)
    seed: PieceCache,
    /// Whether `seed` holds every token of up to 15 bytes (then a short piece the cache misses is no token).
    seeded: bool,
    /// Piece caches not in use: a call (a batch worker) takes one and gives it back, so what one call
    /// learned serves the next.
    caches: Mutex<Vec<PieceCache>>,
}

/// Room for the ids of `bytes` bytes of text: 3 per 8 bytes (and a few). gpt2 gives more than 1 per 3 bytes
/// on half of heldout_5M's 100 KB items, and a `Vec` outgrowing its room is copied whole (callgrind: ~2% of
/// such a call).
fn id_room(bytes: usize) -> usize {
    bytes * 3 / 8 + 16
}

/// Most pieces one cache holds (32 bytes each, in a table of at most twice as many slots).
const CACHE_ENTRIES: usize = 1 << 19;

impl Encoder {
    /// Builds an encoder. `vocab` holds every token (specials included, as their UTF-8), `model` was built over
    /// it, `normalizer` (if any) rewrites text before `pre` splits it. `specials` lists the ids of special tokens (matched only when allowed), `added` those of added tokens
    /// (always matched, as Hugging Face's non-special added tokens); `vocab` must have been made with both as
    /// its reserved ids.
    pub fn new(
        vocab: Vocab,
        model: Model,
        normalizer: Option<Normalizer>,
        pre: Pretokenizer,
        specials: &[u32],
        added: &[u32],
    ) -> Result<Self> {
        let as_text = |list: &[u32]| -> Result<Vec<(String, u32)>> {
            list.iter()
                .map(|&s| {
                    let tok = vocab.token(s)?;
                    let text = String::from_utf8(tok.to_vec())
                        .map_err(|_| Error::InvalidModel(format!("added token {s} is not UTF-8")))?;
                    if text.is_empty() {
                        return Err(Error::InvalidModel(format!("added token {s} is empty")));
                    }
                    Ok((text, s))
                })
                .collect()
        };
        let specials = as_text(specials)?;
        let added = as_text(added)?;
        let ordinary = SpecialMatcher::new(added.iter())?;
        let mut seed = PieceCache::new(CACHE_ENTRIES);
        let mut short_tokens = 0;
        if model.emits_tokens_whole() {
            let firsts: Vec<(u128, u32)> = (vocab.tokens().iter().zip(0..))
                .filter(|&(_, id)| vocab.is_first(id))
                .filter_map(|(tok, id)| Some((piece_cache::key(tok)?, id)))
                .collect();
            short_tokens = firsts.len();
            seed.insert_all(&firsts);
        }
        let seeded = model.emits_tokens_whole() && seed.len() == short_tokens;
        let caches = Mutex::new(Vec::new());
        Ok(Encoder { vocab, model, normalizer, pre, specials, added, ordinary, seed, seeded, caches })
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The bytes of token `id`.
    pub fn token_bytes(&self, id: u32) -> Result<&[u8]> {
        self.vocab.token(id)
    }

    /// The id of a (non-special) token's bytes.
    pub fn token_id(&self, bytes: &[u8]) -> Option<u32> {
        self.vocab.id(bytes)
    }

    /// The pre-tokenizer.
    pub fn pretokenizer(&self) -> &Pretokenizer {
        &self.pre
    }

    /// Encodes text, special-token strings included as plain text (added tokens are still matched).
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        self.encode(text, &self.ordinary)
    }

    /// Encodes arbitrary bytes, no special or added tokens (exact round trip through [`decode`](Self::decode)
    /// for byte-level models; with a normalizer, bytes that are not UTF-8 are read as U+FFFD).
    pub fn encode_bytes(&self, data: &[u8]) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(id_room(data.len()));
        self.encode_into(data, &mut out)?;
        Ok(out)
    }

    /// A sampled segmentation of `text` (subword regularization): normalized and pre-tokenized as by
    /// [`encode_ordinary`](Self::encode_ordinary) (special and added token strings as plain text), each
    /// pre-token drawn as `how` says, which the model's family must offer.
    pub fn sample(&self, text: &str, how: Sampling, rng: &mut Sampler) -> Result<Vec<u32>> {
        let normalized;
        let text = match &self.normalizer {
            Some(n) => {
                normalized = n.normalize(text);
                normalized.as_str()
            }
            None => text,
        };
        let mut pieces = Vec::new();
        self.pre.split(text, &mut pieces)?;
        let mut out = Vec::with_capacity(text.len() / 3);
        for piece in pieces {
            match (&self.model, how) {
                (Model::Unigram(m), Sampling::Lattice { alpha, nbest_size }) => {
                    m.sample(piece, alpha, nbest_size, rng, &mut out)?
                }
                (Model::Bpe(m), Sampling::Dropout(p)) => {
                    m.encode_piece_dropout(&self.vocab, piece.as_bytes(), p, rng, &mut out)?
                }
                (Model::CharBpe(m), Sampling::Dropout(p)) => {
                    m.encode_piece_dropout(piece.as_bytes(), p, rng, &mut out)?
                }
                (_, Sampling::Lattice { .. }) => {
                    return Err(Error::InvalidArgument(
                        "sampling with alpha and nbest_size needs a Unigram model".into(),
                    ))
                }
                (_, Sampling::Dropout(_)) => {
                    return Err(Error::InvalidArgument("BPE-dropout needs a BPE model".into()))
                }
            }
        }
        Ok(out)
    }

    /// Encodes text, mapping the tokens `allowed` matches (see [`special_matcher`](Self::special_matcher)).
    pub fn encode(&self, text: &str, allowed: &SpecialMatcher) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(id_room(text.len()));
        self.with_cache(|cache| self.encode_with(text, allowed, &mut out, &mut Scratch::new(cache)))?;
        Ok(out)
    }

    /// Runs `f` with a piece cache of the pool (a new one if all are in use), then gives it back.
    fn with_cache<T>(&self, f: impl FnOnce(&mut PieceCache) -> T) -> T {
        f(&mut self.cache())
    }

    /// A piece cache of the pool (a new, empty one if all are in use), given back when dropped.
    fn cache(&self) -> CacheGuard<'_> {
        let taken = self.caches.lock().map(|mut pool| pool.pop()).unwrap_or(None);
        CacheGuard { pool: &self.caches, cache: Some(taken.unwrap_or_else(|| PieceCache::new(CACHE_ENTRIES))) }
    }

    /// Encodes many documents on all cores into one flat buffer (see [`Flat`]). Documents are taken in tasks
    /// of about [`TASK_BYTES`], in order ([`in_order`](Self::in_order)); when `allowed` matches nothing, a long
    /// document is cut into parts at safe pre-token boundaries ([`Pretokenizer::parts`]), so that even one
    /// document uses every core. A document that is not UTF-8 is encoded as bytes
    /// ([`encode_bytes`](Self::encode_bytes)).
    pub fn encode_flat(&self, docs: &[&[u8]], allowed: &SpecialMatcher) -> Result<Flat> {
        // Normalizing parts is not normalizing the whole (a dummy prefix for each, spaces dropped at the ends).
        let cut = allowed.ac.is_none() && self.normalizer.is_none();
        let mut units: Vec<(usize, usize, usize)> = Vec::with_capacity(docs.len());
        for (k, doc) in docs.iter().enumerate() {
            if cut && doc.len() > TASK_BYTES {
                units.extend(self.pre.parts(doc, TASK_BYTES).windows(2).map(|w| (k, w[0], w[1])));
            } else {
                units.push((k, 0, doc.len()));
            }
        }
        let mut tasks = vec![0];
        let mut bytes = 0;
        for (i, &(_, lo, hi)) in units.iter().enumerate() {
            bytes += hi - lo;
            if bytes >= TASK_BYTES {
                tasks.push(i + 1);
                bytes = 0;
            }
        }
        if *tasks.last().unwrap_or(&0) < units.len() {
            tasks.push(units.len());
        }
        let done = self.in_order(tasks.len().saturating_sub(1), |t, cache| {
            let units = &units[tasks[t]..tasks[t + 1]];
            let bytes: usize = units.iter().map(|&(_, lo, hi)| hi - lo).sum();
            let mut ids = Vec::with_capacity(id_room(bytes));
            let mut ends = Vec::with_capacity(units.len());
            let mut scratch = Scratch::new(cache);
            for &(k, lo, hi) in units {
                match std::str::from_utf8(&docs[k][lo..hi]) {
                    Ok(text) => self.encode_with(text, allowed, &mut ids, &mut scratch)?,
                    Err(_) => self.encode_into(&docs[k][lo..hi], &mut ids)?,
                }
                ends.push(ids.len());
            }
            Ok((ids, ends))
        })?;
        let mut offsets = vec![0; docs.len() + 1];
        let (mut base, mut unit) = (0, 0);
        for (ids, ends) in &done {
            for end in ends {
                offsets[units[unit].0 + 1] = (base + end) as i64;
                unit += 1;
            }
            base += ids.len();
        }
        Ok(Flat { ids: concat(done.into_iter().map(|(ids, _)| ids).collect()), offsets })
    }

    /// `work(t, cache)` for the tasks `0..tasks`, results in task order (see [`each_task`](Self::each_task)).
    fn in_order<T: Send>(
        &self,
        tasks: usize,
        work: impl Fn(usize, &mut PieceCache) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let done = Mutex::new(Vec::with_capacity(tasks));
        self.each_task(tasks, |t, cache| {
            let result = work(t, cache);
            done.lock().unwrap_or_else(PoisonError::into_inner).push((t, result));
            true
        });
        let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
        done.sort_unstable_by_key(|&(t, _)| t);
        done.into_iter().map(|(_, r)| r).collect()
    }

    /// Runs `work(t, cache)` for the tasks `0..tasks` on all cores until it returns false. Every core takes the
    /// next task when it is done with one (each with a piece cache of the pool), so tasks start in about their
    /// order and the cores finish within about one task of each other; rayon's halving of an index range leaves
    /// a core a run of several tasks that the other, idle, cannot take.
    fn each_task(&self, tasks: usize, work: impl Fn(usize, &mut PieceCache) -> bool + Sync) {
        let next = AtomicUsize::new(0);
        rayon::scope(|s| {
            for _ in 0..rayon::current_num_threads().min(tasks) {
                s.spawn(|_| {
                    self.with_cache(|cache| loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        if t >= tasks || !work(t, cache) {
                            break;
                        }
                    })
                });
            }
        });
    }

    /// Appends the ids of `text` to `out`.
    fn encode_with<'a>(
        &self,
        text: &'a str,
        allowed: &SpecialMatcher,
        out: &mut Vec<u32>,
        scratch: &mut Scratch<'a, '_>,
    ) -> Result<()> {
        let Some(ac) = &allowed.ac else {
            return self.encode_segment(text, true, out, scratch);
        };
        let mut last = 0;
        for m in ac.find_iter(text) {
            self.encode_segment(&text[last..m.start()], last == 0, out, scratch)?;
            out.push(allowed.ids[m.pattern().as_usize()]);
            last = m.end();
        }
        self.encode_segment(&text[last..], last == 0, out, scratch)
    }

    /// Appends the ids of text between special tokens (`at_start`: the first, at the start of its document):
    /// normalized (with a normalizer), then pre-tokenized.
    fn encode_segment<'a>(
        &self,
        text: &'a str,
        at_start: bool,
        out: &mut Vec<u32>,
        scratch: &mut Scratch<'a, '_>,
    ) -> Result<()> {
        let Some(normalizer) = &self.normalizer else {
            return self.encode_text_into(text, out, scratch);
        };
        let mut normalized = std::mem::take(&mut scratch.normalized);
        normalized.clear();
        normalizer.normalize_into(text, at_start, &mut normalized);
        let done = self.encode_text_into(&normalized, out, &mut Scratch::new(scratch.cache));
        scratch.normalized = normalized;
        done
    }

    /// A matcher for the added tokens and the special tokens in `names` (`None`: all of them).
    pub fn special_matcher(&self, names: Option<&[String]>) -> Result<SpecialMatcher> {
        let chosen: Vec<&(String, u32)> = match names {
            None => self.specials.iter().collect(),
            Some(names) => {
                let mut v = Vec::new();
                for n in names {
                    let s = self.specials.iter().find(|(t, _)| t == n).ok_or_else(|| {
                        Error::InvalidArgument(format!("{n:?} is not a special token of this tokenizer"))
                    })?;
                    v.push(s);
                }
                v
            }
        };
        SpecialMatcher::new(chosen.into_iter().chain(&self.added))
    }

    /// Encodes many texts on all cores, in the runs of consecutive texts that `bounds` (from
    /// [`run_bounds`](Self::run_bounds)) gives, and hands run `k` to `deliver(k, run)` from the thread that
    /// encoded it. The cores take runs one after the other, so runs arrive in about their order; `deliver`
    /// returning false stops the work.
    pub fn encode_runs(
        &self,
        texts: &[&str],
        bounds: &[usize],
        allowed: &SpecialMatcher,
        deliver: impl Fn(usize, Result<Run>) -> bool + Sync,
    ) {
        self.each_task(bounds.len().saturating_sub(1), |k, cache| {
            deliver(k, self.encode_run(&texts[bounds[k]..bounds[k + 1]], allowed, cache))
        });
    }

    /// Where `texts` is cut into runs of consecutive texts of about [`RUN_BYTES`] (a long text closes its run):
    /// run `k` is `texts[bounds[k]..bounds[k + 1]]`. A run is encoded into one buffer.
    pub fn run_bounds(texts: &[&str]) -> Vec<usize> {
        let mut bounds = vec![0];
        let mut bytes = 0;
        for (i, t) in texts.iter().enumerate() {
            bytes += t.len();
            if bytes >= RUN_BYTES {
                bounds.push(i + 1);
                bytes = 0;
            }
        }
        if *bounds.last().unwrap_or(&0) < texts.len() {
            bounds.push(texts.len());
        }
        bounds
    }

    /// The ids of consecutive texts, one after the other in one buffer.
    fn encode_run(&self, texts: &[&str], allowed: &SpecialMatcher, cache: &mut PieceCache) -> Result<Run> {
        let size: usize = texts.iter().map(|t| t.len()).sum();
        let mut run = Run { ids: Vec::with_capacity(id_room(size)), ends: Vec::with_capacity(texts.len()) };
        let mut scratch = Scratch::new(cache);
        for t in texts {
            self.encode_with(t, allowed, &mut run.ids, &mut scratch)?;
            run.ends.push(run.ids.len());
        }
        Ok(run)
    }

    /// The bytes behind `ids` (the model's decoding: the tokens' bytes for most families).
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<u8>> {
        self.model.decode(&self.vocab, ids)
    }

    /// Text is already UTF-8: split it as such, without re-validating it. A preset hands its pieces to the
    /// cache in batches (no list of pieces).
    fn encode_text_into<'a>(&self, text: &'a str, out: &mut Vec<u32>, scratch: &mut Scratch<'a, '_>) -> Result<()> {
        let Scratch { pieces, cache, .. } = scratch;
        let bytes = text.as_bytes();
        if let Pretokenizer::Preset(preset) = &self.pre {
            return preset.scan_batches(text, |start, ends| self.encode_batch(bytes, start, ends, out, cache));
        }
        pieces.clear();
        self.pre.split(text, pieces)?;
        for piece in pieces.iter() {
            let start = piece.as_ptr() as usize - bytes.as_ptr() as usize;
            let end = start + piece.len();
            self.encode_cached(bytes, start, end, piece_cache::key_in(bytes, start, end), out, cache)?;
        }
        Ok(())
    }

    /// The ids of the pieces `text[start..ends[0]]`, `text[ends[0]..ends[1]]`, ...: their keys first (with the
    /// table's lines prefetched), then one probe of each key's home slot while they hit; a piece that does not
    /// goes through [`encode_cached`](Self::encode_cached).
    #[inline(always)]
    fn encode_batch(
        &self,
        text: &[u8],
        start: usize,
        ends: &[usize],
        out: &mut Vec<u32>,
        cache: &mut PieceCache,
    ) -> Result<()> {
        cache.take_batch(text, start, ends);
        // While the cache is learning tokens, the shared table's slots are probed too: ask for them now.
        if std::mem::take(&mut cache.learning) {
            for k in 0..ends.len() {
                self.seed.prefetch_hash(cache.batch_hash(k));
            }
        }
        let mut k = 0;
        loop {
            k += cache.extend_homes(k, ends.len(), out);
            let Some(&end) = ends.get(k) else {
                return Ok(());
            };
            let from = if k == 0 { start } else { ends[k - 1] };
            self.encode_cached(text, from, end, cache.batch_key(k), out, cache)?;
            k += 1;
        }
    }

    /// The ids of the piece `text[start..end]` with cache key `key` (see `piece_cache::key_in`; a longer piece
    /// is looked up by its bytes), then in the shared table of short tokens: the model runs only on a miss of
    /// both; the cache keeps what was found either way.
    #[inline(never)]
    fn encode_cached(
        &self,
        text: &[u8],
        start: usize,
        end: usize,
        key: u128,
        out: &mut Vec<u32>,
        cache: &mut PieceCache,
    ) -> Result<()> {
        let piece = &text[start..end];
        let found = if key == piece_cache::NO_KEY { cache.extend_long(piece, out) } else { cache.extend(key, out) };
        if found {
            return Ok(());
        }
        let at = out.len();
        if key == piece_cache::NO_KEY {
            self.encode_piece(piece, out)?;
        } else if self.seed.extend(key, out) {
            cache.learning = true;
        } else if self.seeded {
            self.model.encode_non_token(&self.vocab, piece, out)?;
        } else {
            self.encode_piece(piece, out)?;
        }
        cache.insert_piece(piece, &out[at..]);
        Ok(())
    }

    fn encode_into(&self, data: &[u8], out: &mut Vec<u32>) -> Result<()> {
        if self.normalizer.is_some() {
            let text = String::from_utf8_lossy(data);
            return self.with_cache(|cache| self.encode_segment(&text, true, out, &mut Scratch::new(cache)));
        }
        let mut pieces = Vec::new();
        self.pre.split_bytes(data, &mut pieces)?;
        for piece in pieces {
            self.encode_piece(piece, out)?;
        }
        Ok(())
    }

    /// Encodes `text` as [`encode`](Self::encode) does, with the span of each token as character offsets into
    /// `text`: a token holding part of a character spans all of it, a special or added token its match; through
    /// sentencepiece's normalizer, sentencepiece's offsets (see [`segment_spans`](Self::segment_spans)). A walk
    /// of its own (no piece cache), so that plain encoding pays nothing for offsets.
    pub fn encode_with_offsets(&self, text: &str, allowed: &SpecialMatcher) -> Result<(Vec<u32>, Spans)> {
        let mut ids = Vec::with_capacity(text.len() / 3);
        let mut spans = Vec::with_capacity(text.len() / 3);
        let mut last = 0;
        for m in allowed.ac.iter().flat_map(|ac| ac.find_iter(text)) {
            self.segment_spans(&text[last..m.start()], last, &mut ids, &mut spans)?;
            ids.push(allowed.ids[m.pattern().as_usize()]);
            spans.push((m.start(), m.end()));
            last = m.end();
        }
        self.segment_spans(&text[last..], last, &mut ids, &mut spans)?;
        char_spans(text, &mut spans);
        Ok((ids, spans))
    }

    /// The ids of `segment` (text between special tokens, at byte `at` of its text) and their byte spans in
    /// that text. Through sentencepiece's normalizer a token spanning normalized bytes `s..e` spans
    /// `align[s]..align[e]` (sentencepiece's `norm_to_orig`): the dummy prefix and a piece ending inside a
    /// character's replacement point where the character starts, so they may be empty. Through
    /// `BertNormalizer`, which acts one character at a time, a token spans the characters its bytes came from.
    fn segment_spans(&self, segment: &str, at: usize, ids: &mut Vec<u32>, spans: &mut Spans) -> Result<()> {
        let first = spans.len();
        match &self.normalizer {
            None => self.pieces_spans(segment, at, ids, spans)?,
            Some(Normalizer::Spm(normalizer)) => {
                let (normalized, align) = normalizer.normalize_with_alignment(segment, at == 0);
                self.pieces_spans(&normalized, 0, ids, spans)?;
                for (start, end) in &mut spans[first..] {
                    (*start, *end) = (at + align[*start], at + align[*end]);
                }
            }
            Some(Normalizer::Bert(normalizer)) => {
                let (normalized, chars) = bert_aligned(normalizer, segment);
                self.pieces_spans(&normalized, 0, ids, spans)?;
                for (start, end) in &mut spans[first..] {
                    (*start, *end) = match chars.get(*start) {
                        Some(&(from, _)) if end > start => (at + from, at + chars[*end - 1].1),
                        _ => (at + segment.len(), at + segment.len()),
                    };
                }
            }
        }
        Ok(())
    }

    /// The ids of `text` (pre-tokenized, then the model) and their byte spans, `text` starting at byte `at`.
    fn pieces_spans(&self, text: &str, at: usize, ids: &mut Vec<u32>, spans: &mut Spans) -> Result<()> {
        let mut pieces = Vec::new();
        self.pre.split(text, &mut pieces)?;
        for piece in pieces {
            let start = at + (piece.as_ptr() as usize - text.as_ptr() as usize);
            self.model.encode_spans(&self.vocab, piece, start, ids, spans)?;
        }
        Ok(())
    }

    /// The model's ids of one pre-token.
    #[inline]
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        self.model.encode_piece(&self.vocab, piece, out)
    }
}

/// `(start, end)` of each token in its text.
pub type Spans = Vec<(usize, usize)>;

/// `text` through `normalizer` one character at a time, and the byte span in `text` of the character each
/// normalized byte came from.
fn bert_aligned(normalizer: &BertNormalizer, text: &str) -> (String, Vec<(usize, usize)>) {
    let mut normalized = String::with_capacity(text.len() + 8);
    let mut chars = Vec::with_capacity(text.len() + 8);
    let mut buf = [0u8; 4];
    for (i, c) in text.char_indices() {
        normalizer.normalize_into(c.encode_utf8(&mut buf), &mut normalized);
        chars.resize(normalized.len(), (i, i + c.len_utf8()));
    }
    (normalized, chars)
}

/// Byte spans of `text` as character spans; a span that starts or ends inside a character covers it whole.
fn char_spans(text: &str, spans: &mut [(usize, usize)]) {
    // before[b]: how many characters start before byte b.
    let mut before = Vec::with_capacity(text.len() + 1);
    before.push(0);
    let mut n = 0;
    for b in text.bytes() {
        n += usize::from((b as i8) >= -0x40);
        before.push(n);
    }
    for (start, end) in spans.iter_mut() {
        *start = before[*start] - usize::from(!text.is_char_boundary(*start));
        *end = before[*end];
    }
}

/// The parts one after the other, copied on all cores into one buffer that is not zeroed first (a single part
/// is moved, not copied).
fn concat(mut parts: Vec<Vec<u32>>) -> Vec<u32> {
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    let total = parts.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut rest = &mut out.spare_capacity_mut()[..total];
    let mut slots = Vec::with_capacity(parts.len());
    for part in &parts {
        let (slot, tail) = std::mem::take(&mut rest).split_at_mut(part.len());
        slots.push(slot);
        rest = tail;
    }
    slots.into_par_iter().zip(&parts).for_each(|(slot, part)| {
        for (to, &id) in slot.iter_mut().zip(part) {
            to.write(id);
        }
    });
    // SAFETY: the slots cover the first `total` elements of the capacity, and each was written above.
    unsafe { out.set_len(total) };
    out
}

/// The ids of many documents in one buffer: document `i` is `ids[offsets[i]..offsets[i + 1]]`.
pub struct Flat {
    pub ids: Vec<u32>,
    pub offsets: Vec<i64>,
}

/// The documents of a buffer: the pieces between occurrences of `separator`, empty ones dropped (no
/// separator: the whole buffer, if not empty), as one left-to-right scan finds them. A long buffer is split on
/// all cores, in chunks of about [`TASK_BYTES`] that start at an occurrence no other occurrence overlaps from
/// the left ([`chunk_start`]): the scan of the whole buffer finds that one too, so the chunks' scans agree with it.
pub fn split_documents<'a>(data: &'a [u8], separator: Option<&[u8]>) -> Result<Vec<&'a [u8]>> {
    let sep = match separator {
        None => return Ok(if data.is_empty() { vec![] } else { vec![data] }),
        Some([]) => return Err(Error::InvalidArgument("the separator is empty".into())),
        Some(sep) => sep,
    };
    let finder = AhoCorasick::new([sep]).map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let mut bounds = vec![0];
    while let Some(start) = chunk_start(&finder, data, sep, bounds[bounds.len() - 1] + TASK_BYTES) {
        bounds.push(start);
    }
    bounds.push(data.len());
    let chunks: Vec<Vec<&[u8]>> = bounds.par_windows(2).map(|w| pieces_between(&finder, &data[w[0]..w[1]])).collect();
    Ok(chunks.concat())
}

/// The first occurrence of `sep` at or after `from` that no occurrence starting less than `sep.len()` bytes
/// before it overlaps (in "\n\n\n" the second "\n\n" is not one: a scan from the left takes the first).
fn chunk_start(finder: &AhoCorasick, data: &[u8], sep: &[u8], mut from: usize) -> Option<usize> {
    while from < data.len() {
        let at = finder.find(aho_corasick::Input::new(data).range(from..))?.start();
        if !(1..sep.len()).any(|d| at >= d && data[at - d..].starts_with(sep)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The non-empty pieces of `data` between the occurrences `finder` finds, left to right.
fn pieces_between<'a>(finder: &AhoCorasick, data: &'a [u8]) -> Vec<&'a [u8]> {
    let mut docs = Vec::new();
    let mut last = 0;
    for m in finder.find_iter(data) {
        if m.start() > last {
            docs.push(&data[last..m.start()]);
        }
        last = m.end();
    }
    if last < data.len() {
        docs.push(&data[last..]);
    }
    docs
}

/// Documents per task of [`Encoder::encode_flat`] are gathered up to this many bytes, and longer documents
/// cut into parts of about this size.
pub const TASK_BYTES: usize = 64 << 10;

/// A piece cache taken from the encoder's pool, given back when dropped.
struct CacheGuard<'e> {
    pool: &'e Mutex<Vec<PieceCache>>,
    cache: Option<PieceCache>,
}

impl std::ops::Deref for CacheGuard<'_> {
    type Target = PieceCache;
    fn deref(&self) -> &PieceCache {
        self.cache.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for CacheGuard<'_> {
    fn deref_mut(&mut self) -> &mut PieceCache {
        self.cache.as_mut().expect("held until dropped")
    }
}

impl Drop for CacheGuard<'_> {
    fn drop(&mut self) {
        if let (Some(cache), Ok(mut pool)) = (self.cache.take(), self.pool.lock()) {
            pool.push(cache);
        }
    }
}

/// What encoding one text needs besides the encoder: the pieces buffer, the normalized text's buffer and the
/// worker's piece cache.
struct Scratch<'a, 'c> {
    pieces: Vec<&'a str>,
    normalized: String,
    cache: &'c mut PieceCache,
}

impl<'a, 'c> Scratch<'a, 'c> {
    fn new(cache: &'c mut PieceCache) -> Self {
        Scratch { pieces: Vec::new(), normalized: String::new(), cache }
    }
}

/// Texts per run of [`Encoder::encode_runs`] are gathered up to this many bytes.
pub const RUN_BYTES: usize = 8 << 10;

/// The ids of consecutive texts, one after the other: text `i` of the run ends at `ends[i]`.
pub struct Run {
    pub ids: Vec<u32>,
    pub ends: Vec<usize>,
}

impl Run {
    /// The ids of each text of the run, in order.
    pub fn texts(&self) -> impl Iterator<Item = &[u32]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.ids[a..b])
    }
}

/// The special tokens one `encode` call may map (an Aho-Corasick automaton, leftmost-longest).
pub struct SpecialMatcher {
    ac: Option<AhoCorasick>,
    ids: Vec<u32>,
}

impl SpecialMatcher {
    /// A matcher that maps nothing.
    pub fn none() -> Self {
        SpecialMatcher { ac: None, ids: Vec::new() }
    }

    fn new<'a>(tokens: impl Iterator<Item = &'a (String, u32)>) -> Result<Self> {
        let tokens: Vec<&(String, u32)> = tokens.collect();
        if tokens.is_empty() {
            return Ok(Self::none());
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(tokens.iter().map(|(t, _)| t.as_str()))
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        Ok(SpecialMatcher { ac: Some(ac), ids: tokens.iter().map(|(_, id)| *id).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::WordCounts;
    use crate::model::bpe::trainer::{train, BpeConfig};
    use crate::model::bpe::Bpe;

    fn trained(text: &str, vocab_size: usize) -> Encoder {
        let pre = Pretokenizer::new("gpt2").unwrap();
        let mut counts = WordCounts::default();
        let mut pieces = Vec::new();
        pre.split(text, &mut pieces).unwrap();
        for p in pieces {
            counts.add(p.as_bytes(), 1);
        }
        let m = train(
            &counts,
            &BpeConfig { vocab_size, min_frequency: 0, reserved: 0, rules: Default::default() },
            &mut |_, _| {},
        )
        .unwrap();
        let vocab = Vocab::new(m.vocab, &[]);
        let model = Model::Bpe(Bpe::new(&vocab, &m.merges, true).unwrap());
        Encoder::new(vocab, model, None, pre, &[], &[]).unwrap()
    }

    #[test]
    fn batch_runs_hold_each_text_as_encode_gives_it() {
        let enc = trained("the cat sat on the mat, the end. ", 300);
        let long = "the mat sat on the cat ".repeat(RUN_BYTES / 10);
        let mut texts: Vec<String> = (0..500).map(|i| "the cat ".repeat(i % 7)).collect();
        texts.insert(250, long.clone());
        texts.push(long);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let none = SpecialMatcher::none();
        let runs = std::sync::Mutex::new(std::collections::BTreeMap::new());
        let bounds = Encoder::run_bounds(&refs);
        let n = bounds.len() - 1;
        enc.encode_runs(&refs, &bounds, &none, |k, run| runs.lock().unwrap().insert(k, run.unwrap()).is_none());
        let runs = runs.into_inner().unwrap();
        assert!(n > 1 && runs.len() == n, "a run closes once it holds RUN_BYTES, each run is delivered once");
        let got: Vec<Vec<u32>> = runs.values().flat_map(|r| r.texts().map(<[u32]>::to_vec)).collect();
        let want: Vec<Vec<u32>> = refs.iter().map(|t| enc.encode(t, &none).unwrap()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn flat_output_holds_each_document_as_encode_gives_it() {
        let enc = trained("the cat sat on the mat, the end. ", 300);
        let long = "the mat sat on the cat ".repeat(3 * TASK_BYTES / 20);
        let mut docs: Vec<Vec<u8>> = (0..300).map(|i| "the cat ".repeat(i % 7).into_bytes()).collect();
        docs.insert(100, long.clone().into_bytes());
        docs.insert(200, b"caf\xc3 \xff the".to_vec());
        docs.push(long.into_bytes());
        let refs: Vec<&[u8]> = docs.iter().map(Vec::as_slice).collect();
        let flat = enc.encode_flat(&refs, &SpecialMatcher::none()).unwrap();
        assert_eq!(flat.offsets.len(), docs.len() + 1);
        for (k, doc) in docs.iter().enumerate() {
            let got = &flat.ids[flat.offsets[k] as usize..flat.offsets[k + 1] as usize];
            let want = match std::str::from_utf8(doc) {
                Ok(text) => enc.encode_ordinary(text).unwrap(),
                Err(_) => enc.encode_bytes(doc).unwrap(),
            };
            assert_eq!(got, want.as_slice(), "document {k}");
        }
    }

    #[test]
    fn documents_are_the_non_empty_pieces_between_separators() {
        let docs = split_documents(b"\n\na\n\nbc\n\n\n\nd\n", Some(b"\n\n")).unwrap();
        assert_eq!(docs, [&b"a"[..], b"bc", b"d\n"]);
        assert_eq!(split_documents(b"abc", None).unwrap(), [b"abc"]);
        assert!(split_documents(b"", None).unwrap().is_empty());
        assert!(split_documents(b"abc", Some(b"")).is_err());
    }

    #[test]
    fn a_long_buffer_split_in_chunks_gives_the_pieces_of_one_scan() {
        // Runs of 1 to 37 newlines, so that chunks would start inside runs: an occurrence that another
        // overlaps from the left must not start one ("\n\n\n" is one separator and the document "\n").
        let mut data = Vec::new();
        for k in 0.. {
            if data.len() > 3 * TASK_BYTES {
                break;
            }
            data.push(b'a');
            data.extend(std::iter::repeat_n(b'\n', 1 + k % 37));
        }
        for shift in 0..8 {
            for sep in [&b"\n\n"[..], b"\n\n\n", b"\na\n", b"\n"] {
                let finder = AhoCorasick::new([sep]).unwrap();
                let want = pieces_between(&finder, &data[shift..]);
                assert_eq!(split_documents(&data[shift..], Some(sep)).unwrap(), want, "{sep:?}");
            }
        }
    }

    #[test]
    fn offsets_are_the_characters_each_token_spells() {
        let enc = trained("the cat sat on the mat, the end. ", 300);
        let text = "the cat é😀 sat<|x|>the";
        let (ids, spans) = enc.encode_with_offsets(text, &SpecialMatcher::none()).unwrap();
        assert_eq!(ids, enc.encode_ordinary(text).unwrap());
        let chars: Vec<char> = text.chars().collect();
        let mut bytes = Vec::new();
        for (&id, &(start, end)) in ids.iter().zip(&spans) {
            let tok = enc.token_bytes(id).unwrap();
            let covered: String = chars[start..end].iter().collect();
            assert!(covered.as_bytes().windows(tok.len()).any(|w| w == tok), "{tok:?} in {covered:?}");
            bytes.extend_from_slice(tok);
        }
        assert_eq!(bytes, text.as_bytes());
        let emoji = chars.iter().position(|&c| c == '😀').unwrap();
        assert!(spans.iter().filter(|s| **s == (emoji, emoji + 1)).count() >= 2, "a split character spans whole");
    }

    #[test]
    fn round_trip_and_compression() {
        let text = "the cat sat on the mat with the hat ".repeat(20);
        let enc = trained(&text, 300);
        let ids = enc.encode_ordinary(&text).unwrap();
        assert!(ids.len() < text.len() / 3);
        assert_eq!(enc.decode(&ids).unwrap(), text.as_bytes());
        let raw = b"\x00\xff\xfe caf\xc3\xa9 \xe2\x82";
        assert_eq!(enc.decode(&enc.encode_bytes(raw).unwrap()).unwrap(), raw);
    }
}
