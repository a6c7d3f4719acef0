//! Model families: what turns one pre-token into ids. Each family has a folder holding its model, its
//! trainer and its checks; [`Model`] is the seam the encoding pipeline (`encode.rs`) calls, once per
//! pre-token, with static dispatch.
//!
//! Adding a family: a folder `model/<family>/` with a struct that has
//! `encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) -> Result<()>`, one variant below and
//! its arm in [`Model::encode_piece`]; the binding gets a file in `crates/tokenforge-py/src/` (see
//! `docs/models.md`).

pub mod bpe;
pub mod hybrid;
pub mod lib;
pub mod unigram;
pub mod wordpiece;

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};

/// Token bytes by id, and the id of each ordinary token's bytes (special and added tokens are matched in the
/// text before pre-tokenization, never looked up here; of several ids with the same bytes the first wins).
pub struct Vocab {
    tokens: Vec<Vec<u8>>,
    ids: FxHashMap<Vec<u8>, u32>,
    /// Whether looking up each id's bytes gives that id.
    firsts: Vec<bool>,
}

impl Vocab {
    /// The vocabulary `tokens`, whose ids in `reserved` (special and added tokens) are not looked up.
    pub fn new(tokens: Vec<Vec<u8>>, reserved: &[u32]) -> Self {
        let reserved: FxHashSet<u32> = reserved.iter().copied().collect();
        let mut ids = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        let mut firsts = vec![false; tokens.len()];
        for (id, tok) in tokens.iter().enumerate() {
            if !reserved.contains(&(id as u32)) {
                firsts[id] = *ids.entry(tok.clone()).or_insert(id as u32) == id as u32;
            }
        }
        Vocab { tokens, ids, firsts }
    }

    /// True when looking up the bytes of token `id` gives `id`: an ordinary token, no lower id with its bytes.
    pub fn is_first(&self, id: u32) -> bool {
        self.firsts.get(id as usize).copied().unwrap_or(false)
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when there is no id.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The bytes of token `id`.
    pub fn token(&self, id: u32) -> Result<&[u8]> {
        self.tokens.get(id as usize).map(|v| v.as_slice()).ok_or(Error::UnknownId(id))
    }

    /// Token bytes by id.
    pub fn tokens(&self) -> &[Vec<u8>] {
        &self.tokens
    }

    /// The id of an ordinary token's bytes.
    #[inline]
    pub fn id(&self, bytes: &[u8]) -> Option<u32> {
        self.ids.get(bytes).copied()
    }
}

/// A model of one family: encodes one pre-token to ids. (An encoder holds one: the size of the largest
/// variant costs nothing, a box would cost an indirection per pre-token.)
#[allow(clippy::large_enum_variant)]
pub enum Model {
    /// Rank-ordered BPE with an ordered merge list (byte-level).
    Bpe(bpe::Bpe),
    /// Greedy longest-match-first WordPiece (BERT).
    WordPiece(wordpiece::WordPiece),
    /// LiB: the fewest-unit segmentation over a lexicon of subword and multiword units.
    Lib(lib::Lib),
    /// The Unigram language model (sentencepiece): the most probable split (Viterbi). Shared with the
    /// binding's `Unigram`, which also samples and gives n-best splits.
    Unigram(Arc<unigram::Unigram>),
    /// SentencePiece-style BPE over characters, with byte fallback (Llama-2, Mistral, Gemma).
    CharBpe(bpe::chars::CharBpe),
    /// Morphology-aware hybrid: roots and affix groups from a lexicon, case and space tokens, BPE for the rest.
    Hybrid(hybrid::Hybrid),
}

impl Model {
    /// True when a pre-token that is a token always gives that token alone (so it may be cached as such).
    pub fn emits_tokens_whole(&self) -> bool {
        match self {
            Model::Bpe(m) => m.emits_tokens_whole(),
            Model::WordPiece(_) | Model::Lib(_) => true,
            // A token may have a likelier split (Unigram) or not be the merges' result (CharBpe).
            Model::Unigram(_) | Model::CharBpe(_) => false,
            Model::Hybrid(_) => false,
        }
    }

    /// Appends the ids of one pre-token to `out`.
    #[inline]
    pub fn encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        match self {
            Model::Bpe(m) => m.encode_piece(vocab, piece, out),
            Model::WordPiece(m) => m.encode_piece(vocab, piece, out),
            Model::Lib(m) => m.encode_piece(vocab, piece, out),
            Model::Unigram(m) => m.encode_piece(piece, out),
            Model::CharBpe(m) => m.encode_piece(piece, out),
            Model::Hybrid(m) => m.encode_piece(piece, out),
        }
    }

    /// Appends the ids of a pre-token that is not a token (the encoder's cache answers every short token that
    /// the model emits whole): byte-level BPE skips its whole-token lookup; other families as
    /// [`encode_piece`](Self::encode_piece).
    #[inline]
    pub fn encode_non_token(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        match self {
            Model::Bpe(m) => m.merge_piece(piece, out),
            _ => self.encode_piece(vocab, piece, out),
        }
    }

    /// The bytes behind `ids`: the tokens' bytes, except where a model decodes otherwise (the hybrid).
    pub fn decode(&self, vocab: &Vocab, ids: &[u32]) -> Result<Vec<u8>> {
        if let Model::Hybrid(m) = self {
            return m.decode(vocab, ids);
        }
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            out.extend_from_slice(vocab.token(id)?);
        }
        Ok(out)
    }

    /// Appends the ids of one pre-token to `ids` (as [`encode_piece`](Self::encode_piece)) and the byte span of
    /// each in the text where `piece` starts at byte `at` to `spans`.
    pub fn encode_spans(
        &self,
        vocab: &Vocab,
        piece: &str,
        at: usize,
        ids: &mut Vec<u32>,
        spans: &mut Vec<(usize, usize)>,
    ) -> Result<()> {
        let first = ids.len();
        match self {
            Model::Unigram(m) => {
                m.encode_spans(piece, at, ids, spans);
                return Ok(());
            }
            Model::CharBpe(m) => return m.encode_spans(vocab, piece, at, ids, spans),
            _ => self.encode_piece(vocab, piece.as_bytes(), ids)?,
        }
        let (piece, ids) = (piece.as_bytes(), &ids[first..]);
        match self {
            Model::WordPiece(m) => m.spans(vocab, piece, ids, at, spans),
            Model::Hybrid(m) => m.spans(piece, at, spans),
            _ => consecutive_spans(vocab, ids, at, |_| 0, spans),
        }
    }
}

/// The spans of tokens that spell their piece one after the other from byte `at`, token `k` less its first
/// `skip(k)` bytes (a continuing-subword prefix).
pub fn consecutive_spans(
    vocab: &Vocab,
    ids: &[u32],
    at: usize,
    skip: impl Fn(usize) -> usize,
    out: &mut Vec<(usize, usize)>,
) -> Result<()> {
    let mut pos = at;
    for (k, &id) in ids.iter().enumerate() {
        let len = vocab.token(id)?.len().saturating_sub(skip(k));
        out.push((pos, pos + len));
        pos += len;
    }
    Ok(())
}
