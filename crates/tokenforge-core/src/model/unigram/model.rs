//! The Unigram language model (Kudo 2018, "Subword Regularization"): pieces with log-probabilities; a
//! pre-token is split into the most probable sequence of pieces (Viterbi), or into one of the n best, or
//! into one sampled from the lattice (subword regularization). Ids are sentencepiece's for the same model:
//! a character no one-character piece covers becomes the unknown piece with score `min score − 10`, a run of
//! unknown characters is one unknown token, and with byte fallback it becomes `<0xXX>` byte pieces instead.
use std::cell::RefCell;

use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustc_hash::FxHashMap;

use super::lattice::{self, Best, Node, Pieces};
use crate::error::{Error, Result};

/// What a piece is, as sentencepiece's model file says (`ModelProto.SentencePiece.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PieceKind {
    /// A piece of the language model: matched in text, scored by its log-probability.
    Normal,
    /// The unknown piece.
    Unknown,
    /// A control symbol (`<s>`, `</s>`): never produced from text.
    Control,
    /// Always kept whole where it occurs (its score beats any split).
    UserDefined,
    /// In the vocabulary but never produced.
    Unused,
    /// A byte `<0xXX>`, produced only by byte fallback.
    Byte,
}

/// The penalty of an unknown character below the lowest piece score (sentencepiece's `kUnkPenalty`).
pub const UNK_PENALTY: f32 = 10.0;

/// Most n-best segmentations a caller may ask for (sentencepiece's bound).
pub const MAX_NBEST: usize = 512;

/// A Unigram model: the pieces (id = position), their scores and kinds, the unknown piece, byte fallback.
pub struct Unigram {
    pieces: Vec<String>,
    scores: Vec<f32>,
    kinds: Vec<PieceKind>,
    unk_id: u32,
    byte_fallback: bool,
    /// The id of each byte's `<0xXX>` piece (the unknown piece where there is none).
    byte_ids: [u32; 256],
    lattice: Pieces,
}

thread_local! {
    /// Lattice buffers reused by every encode on this thread.
    static BUFFERS: RefCell<(Vec<Node>, Best)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The random generator of sampling.
pub type Sampler = Xoshiro256PlusPlus;

/// The generator for item `index` of a batch sampled with `seed`: the same draws however the batch is
/// scheduled over threads.
pub fn sampler(seed: u64, index: u64) -> Sampler {
    Sampler::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The byte a `<0xXX>` piece stands for.
pub fn byte_of_piece(piece: &str) -> Option<u8> {
    let hex = piece.strip_prefix("<0x")?.strip_suffix('>')?;
    (hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()))
        .then(|| u8::from_str_radix(hex, 16).ok())?
}

impl Unigram {
    /// A model from `(piece, score, kind)` by id. `unk_id` names the unknown piece (whatever its kind says);
    /// with `byte_fallback`, unknown text becomes the `<0xXX>` pieces of its UTF-8 bytes.
    pub fn new(pieces: Vec<(String, f32, PieceKind)>, unk_id: u32, byte_fallback: bool) -> Result<Self> {
        let n = pieces.len();
        if unk_id as usize >= n {
            return Err(Error::InvalidModel(format!("unknown piece id {unk_id} is not below the {n} pieces")));
        }
        if n > u32::MAX as usize / 2 {
            return Err(Error::InvalidModel(format!("{n} pieces are too many")));
        }
        let mut seen: FxHashMap<&str, u32> = FxHashMap::default();
        for (id, (p, score, _)) in pieces.iter().enumerate() {
            if !score.is_finite() {
                return Err(Error::InvalidModel(format!("piece {id} ({p:?}) has the score {score}")));
            }
            if let Some(first) = seen.insert(p.as_str(), id as u32) {
                return Err(Error::InvalidModel(format!("piece {p:?} appears twice (ids {first} and {id})")));
            }
        }
        let mut kinds: Vec<PieceKind> = pieces.iter().map(|p| p.2).collect();
        kinds[unk_id as usize] = PieceKind::Unknown;
        let normal = || pieces.iter().zip(&kinds).filter(|(_, k)| **k == PieceKind::Normal).map(|(p, _)| p.1);
        // sentencepiece starts its maximum at FLT_MIN (the smallest positive float), not at -FLT_MAX.
        let min_score = normal().fold(f32::MAX, f32::min);
        let max_score = normal().fold(f32::MIN_POSITIVE, f32::max);
        let scores: Vec<f32> = pieces
            .iter()
            .zip(&kinds)
            .map(|((p, s, _), k)| if *k == PieceKind::UserDefined { p.len() as f32 * max_score - 0.1 } else { *s })
            .collect();
        let mut byte_ids = [unk_id; 256];
        for (id, ((p, _, _), k)) in pieces.iter().zip(&kinds).enumerate() {
            if *k == PieceKind::Byte {
                let b = byte_of_piece(p)
                    .ok_or_else(|| Error::InvalidModel(format!("byte piece {id} is {p:?}, not <0xXX>")))?;
                byte_ids[b as usize] = id as u32;
            }
        }
        let matched = pieces
            .iter()
            .zip(&kinds)
            .enumerate()
            .filter(|(_, (_, k))| matches!(k, PieceKind::Normal | PieceKind::UserDefined))
            .map(|(id, ((p, _, _), _))| (p.as_str(), id as u32));
        let lattice = Pieces { matcher: Pieces::matcher(matched), scores, unk_id, unk_score: min_score - UNK_PENALTY };
        let (pieces, scores) = pieces.into_iter().map(|(p, s, _)| (p, s)).unzip();
        Ok(Unigram { pieces, scores, kinds, unk_id, byte_fallback, byte_ids, lattice })
    }

    /// Number of pieces.
    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    /// Whether the model has no pieces (never: the unknown piece is required).
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The piece, score and kind of `id`.
    pub fn piece(&self, id: u32) -> Option<(&str, f32, PieceKind)> {
        let i = id as usize;
        Some((self.pieces.get(i)?.as_str(), self.scores[i], self.kinds[i]))
    }

    /// The unknown piece's id.
    pub fn unk_id(&self) -> u32 {
        self.unk_id
    }

    /// Whether unknown text becomes byte pieces.
    pub fn byte_fallback(&self) -> bool {
        self.byte_fallback
    }

    /// Runs `f` on the lattice of `text` (nodes sorted by end, then start).
    fn with_lattice<T>(&self, text: &str, f: impl FnOnce(&[Node], &mut Best) -> T) -> T {
        BUFFERS.with(|b| {
            let (nodes, best) = &mut *b.borrow_mut();
            self.lattice.lattice(text, nodes);
            f(nodes, best)
        })
    }

    /// Hands `push` each token of a path with its byte span in `text`: a run of unknown characters is one
    /// unknown token, or with byte fallback the pieces of its bytes, one byte each.
    #[inline]
    fn emit(&self, text: &str, nodes: &[Node], path: &[usize], mut push: impl FnMut(u32, usize, usize)) {
        let mut k = 0;
        while k < path.len() {
            let n = &nodes[path[k]];
            let (start, mut end) = (n.start as usize, n.end as usize);
            k += 1;
            if n.id != self.unk_id {
                push(n.id, start, end);
                continue;
            }
            while let Some(next) = path.get(k).map(|&j| &nodes[j]).filter(|m| m.id == self.unk_id) {
                end = next.end as usize;
                k += 1;
            }
            if self.byte_fallback {
                for (i, &b) in text.as_bytes()[start..end].iter().enumerate() {
                    push(self.byte_ids[b as usize], start + i, start + i + 1);
                }
            } else {
                push(self.unk_id, start, end);
            }
        }
    }

    /// Appends the ids of the best segmentation of `text` to `out`.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) {
        if text.is_empty() {
            return;
        }
        self.with_lattice(text, |nodes, best| {
            let path = lattice::viterbi(nodes, text.len(), best);
            self.emit(text, nodes, &path, |id, _, _| out.push(id));
        })
    }

    /// Appends the ids of the best segmentation of `text` to `ids` and their byte spans, where `text` starts at
    /// byte `at`, to `spans` (a byte-fallback piece spans its byte).
    pub fn encode_spans(&self, text: &str, at: usize, ids: &mut Vec<u32>, spans: &mut Vec<(usize, usize)>) {
        if text.is_empty() {
            return;
        }
        self.with_lattice(text, |nodes, best| {
            let path = lattice::viterbi(nodes, text.len(), best);
            self.emit(text, nodes, &path, |id, start, end| {
                ids.push(id);
                spans.push((at + start, at + end));
            });
        })
    }

    /// Appends the ids of one pre-token; bytes that are not UTF-8 are read as U+FFFD.
    #[inline]
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        match std::str::from_utf8(piece) {
            Ok(text) => self.encode(text, out),
            Err(_) => self.encode(&String::from_utf8_lossy(piece), out),
        }
        Ok(())
    }

    /// The `n` best segmentations of `text` with their scores, best first (`n` at most [`MAX_NBEST`]).
    pub fn nbest(&self, text: &str, n: usize) -> Result<Vec<(Vec<u32>, f32)>> {
        if n > MAX_NBEST {
            return Err(Error::InvalidArgument(format!("nbest_size must be at most {MAX_NBEST}, got {n}")));
        }
        if text.is_empty() {
            return Ok(vec![(Vec::new(), 0.0)]);
        }
        Ok(self.with_lattice(text, |nodes, _| {
            lattice::nbest(nodes, text.len(), n)
                .into_iter()
                .map(|(path, score)| {
                    let mut ids = Vec::new();
                    self.emit(text, nodes, &path, |id, _, _| ids.push(id));
                    (ids, score)
                })
                .collect()
        }))
    }

    /// Appends the ids of a sampled segmentation (sentencepiece's `SampleEncode`): with `nbest_size` < 0 a
    /// path of the whole lattice drawn with probability ∝ `exp(alpha · score)`; with `nbest_size` > 1 one of
    /// the n best drawn the same way; with 0 or 1 the best path.
    pub fn sample(
        &self,
        text: &str,
        alpha: f64,
        nbest_size: i64,
        rng: &mut impl Rng,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        if !alpha.is_finite() {
            return Err(Error::InvalidArgument(format!("alpha must be a finite number, got {alpha}")));
        }
        match nbest_size {
            0 | 1 => self.encode(text, out),
            n if n < 0 => {
                if !text.is_empty() {
                    self.with_lattice(text, |nodes, _| {
                        let path = lattice::sample(nodes, text.len(), alpha, rng);
                        self.emit(text, nodes, &path, |id, _, _| out.push(id));
                    })
                }
            }
            n => {
                let best = self.nbest(text, usize::try_from(n).unwrap_or(usize::MAX))?;
                let top = best.iter().map(|b| alpha * b.1 as f64).fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = best.iter().map(|b| (alpha * b.1 as f64 - top).exp()).collect();
                out.extend_from_slice(&best[lattice::draw(&weights, rng)].0);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pieces: &[(&str, f32)], byte_fallback: bool) -> Unigram {
        let mut all = vec![("<unk>".to_owned(), 0.0, PieceKind::Unknown)];
        all.extend(pieces.iter().map(|(p, s)| (p.to_string(), *s, PieceKind::Normal)));
        if byte_fallback {
            all.extend((0..=255u8).map(|b| (format!("<0x{b:02X}>"), 0.0, PieceKind::Byte)));
        }
        Unigram::new(all, 0, byte_fallback).unwrap()
    }

    fn ids(m: &Unigram, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        m.encode(text, &mut out);
        out
    }

    #[test]
    fn viterbi_prefers_the_likelier_split() {
        let m = model(&[("a", -1.0), ("b", -1.0), ("ab", -1.5), ("abc", -5.0), ("c", -1.0)], false);
        assert_eq!(ids(&m, "ab"), [3]);
        assert_eq!(ids(&m, "abc"), [3, 5]);
        assert_eq!(ids(&m, ""), Vec::<u32>::new());
    }

    #[test]
    fn unknown_runs_fuse_and_bytes_fall_back() {
        let m = model(&[("a", -1.0), ("b", -2.0)], false);
        assert_eq!(ids(&m, "aéζb"), [1, 0, 2]);
        assert_eq!(ids(&m, "éaζ"), [0, 1, 0]);
        let m = model(&[("a", -1.0), ("b", -2.0)], true);
        let bytes: Vec<u32> = "é".bytes().map(|b| 3 + b as u32).collect();
        assert_eq!(ids(&m, "aé"), [vec![1], bytes].concat());
    }

    #[test]
    fn ties_keep_the_piece_that_starts_first() {
        // "ab"+"c" and "a"+"bc" score the same: sentencepiece keeps the path whose last piece starts first.
        let m = model(&[("a", -1.0), ("ab", -2.0), ("bc", -2.0), ("c", -1.0), ("b", -9.0)], false);
        assert_eq!(ids(&m, "abc"), [1, 3], "a + bc: bc starts before c");
    }

    #[test]
    fn nbest_is_ordered_and_sampling_is_reproducible() {
        let m = model(&[("a", -1.0), ("b", -1.0), ("ab", -1.5)], false);
        let best = m.nbest("ab", 5).unwrap();
        assert_eq!(best, vec![(vec![3], -1.5), (vec![1, 2], -2.0)], "every path, best first");
        let draw = |seed| {
            let mut rng = sampler(seed, 0);
            let mut out = Vec::new();
            for _ in 0..20 {
                m.sample("abab", 0.5, -1, &mut rng, &mut out).unwrap();
            }
            out
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn bad_models_are_refused() {
        let p = |s: &str| (s.to_owned(), 0.0, PieceKind::Normal);
        assert!(Unigram::new(vec![p("a"), p("a")], 0, false).is_err());
        assert!(Unigram::new(vec![p("a")], 1, false).is_err());
        assert!(Unigram::new(vec![p("a"), ("<0x4G>".into(), 0.0, PieceKind::Byte)], 0, false).is_err());
        assert_eq!(byte_of_piece("<0x4F>"), Some(0x4f));
        assert_eq!(byte_of_piece("<0x4f>"), None);
    }
}
