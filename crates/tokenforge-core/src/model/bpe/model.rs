//! A byte-level BPE model: token bytes by id and the ordered merge list that builds them; the one check of a
//! merge list; [`Bpe`], the model the encoder runs on each pre-token.
use crate::bytes::BYTE_RANK;
use crate::error::{Error, Result};
use rand_xoshiro::rand_core::Rng;

use crate::model::bpe::apply::{apply_merges_from, Ranks};
use crate::model::bpe::dropout::merge_with_dropout;
use crate::model::bpe::pair_ranks;
use crate::model::Vocab;

/// A pair of token ids, left then right.
pub type Pair = (u32, u32);

/// A learned byte-level BPE model: `vocab[id]` are the token's bytes (ids 0–255 the bytes in GPT-2
/// order), `merges[rank] = ((left, right), new id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeModel {
    pub vocab: Vec<Vec<u8>>,
    pub merges: Vec<(Pair, u32)>,
}

impl BpeModel {
    /// The 256 single-byte tokens, no merges.
    pub fn bytes_only() -> Self {
        let mut vocab = vec![Vec::new(); 256];
        for b in 0..=255u8 {
            vocab[BYTE_RANK[b as usize] as usize] = vec![b];
        }
        BpeModel { vocab, merges: Vec::new() }
    }

    /// Checks that the model is a byte-level BPE that training can start from: every byte has a token and
    /// the merges are valid ([`validate_merges`]).
    pub fn validate(&self) -> Result<()> {
        for b in 0..=255u8 {
            if !self.vocab.iter().any(|t| t.as_slice() == [b]) {
                return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token")));
            }
        }
        validate_merges(&self.vocab, &self.merges)
    }
}

/// The one check of a merge list: every merge names ids of `vocab` and joins two tokens into the token of
/// their concatenation.
pub fn validate_merges(vocab: &[Vec<u8>], merges: &[(Pair, u32)]) -> Result<()> {
    let n = vocab.len() as u32;
    for (rank, &((a, b), new)) in merges.iter().enumerate() {
        if a >= n || b >= n || new >= n {
            return Err(Error::InvalidModel(format!(
                "merge {rank} ({a}, {b}) -> {new} names an id outside the vocabulary"
            )));
        }
        let (ta, tb, tn) = (&vocab[a as usize], &vocab[b as usize], &vocab[new as usize]);
        if tn.len() != ta.len() + tb.len() || !tn.starts_with(ta) || !tn.ends_with(tb) {
            return Err(Error::InvalidModel(format!(
                "merge {rank} ({a}, {b}) -> {new} does not concatenate its parts: token {new} is not the \
                 concatenation of tokens {a} and {b}"
            )));
        }
    }
    Ok(())
}

const NO_ID: u32 = u32::MAX;

/// The id of each byte's token ([`NO_ID`] for a byte without one).
fn byte_ids(vocab: &Vocab) -> [u32; 256] {
    std::array::from_fn(|b| vocab.id(&[b as u8]).unwrap_or(NO_ID))
}

/// Rank-ordered BPE on one pre-token (tiktoken's semantics, Hugging Face's BPE with `ignore_merges`): a
/// pre-token that is itself a token is emitted whole; otherwise its bytes are merged pair by pair, always the
/// adjacent pair with the lowest merge rank (leftmost among equals), by [`apply_merges_from`].
pub struct Bpe {
    byte_ids: [u32; 256],
    ranks: Ranks,
    ignore_merges: bool,
}

impl Bpe {
    /// The model of `merges` (`merges[rank]` the pair and the id it makes) over `vocab`, checked.
    pub fn new(vocab: &Vocab, merges: &[(Pair, u32)], ignore_merges: bool) -> Result<Self> {
        validate_merges(vocab.tokens(), merges)?;
        // Merges that make ids in increasing order (a trained model's, GPT-2's) rank as the ids they make: the
        // merge table then keeps 8 bytes a pair (see `ranks.rs`).
        let by_id = merges.windows(2).all(|w| w[0].1 < w[1].1);
        let ranks =
            merges.iter().zip(0..).map(|(&(pair, new), rank)| (pair, (if by_id { new } else { rank }, new))).collect();
        Ok(Bpe { byte_ids: byte_ids(vocab), ranks, ignore_merges })
    }

    /// tiktoken's model of a rank file's vocabulary (rank = id): any two adjacent parts whose concatenation is
    /// a token merge, lowest rank first ([`pair_ranks`]; the same ids as the merge list `recover_merges` gives).
    pub fn by_rank(vocab: &Vocab, ignore_merges: bool) -> Self {
        let ranks = pair_ranks(vocab.tokens(), |t| vocab.id(t), |id| vocab.is_first(id));
        Bpe { byte_ids: byte_ids(vocab), ranks, ignore_merges }
    }

    /// True with `ignore_merges`: a pre-token that is a token is that token.
    pub fn emits_tokens_whole(&self) -> bool {
        self.ignore_merges
    }

    /// Appends the ids of one pre-token to `out`.
    #[inline]
    pub fn encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        if self.ignore_merges {
            if let Some(id) = vocab.id(piece) {
                out.push(id);
                return Ok(());
            }
        }
        self.merge_piece(piece, out)
    }

    /// Appends the ids of a pre-token that is known not to be a token (or the model merges tokens too): its
    /// bytes, merged.
    #[inline]
    pub fn merge_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        self.push_bytes(piece, out)?;
        apply_merges_from(&self.ranks, out, out.len() - piece.len());
        Ok(())
    }

    /// Appends the ids of one pre-token with BPE-dropout `p` (Hugging Face's `BPE(dropout=p)`): with `p` > 0
    /// no token is emitted whole, as there; `p` = 0 is [`encode_piece`](Self::encode_piece).
    pub fn encode_piece_dropout(
        &self,
        vocab: &Vocab,
        piece: &[u8],
        p: f64,
        rng: &mut impl Rng,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        if p <= 0.0 {
            return self.encode_piece(vocab, piece, out);
        }
        self.push_bytes(piece, out)?;
        merge_with_dropout(&self.ranks, out, out.len() - piece.len(), p, rng);
        Ok(())
    }

    /// Appends the id of every byte of `piece`.
    #[inline]
    fn push_bytes(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let at = out.len();
        for &b in piece {
            let id = self.byte_ids[b as usize];
            if id == NO_ID {
                out.truncate(at);
                return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token in this vocabulary")));
            }
            out.push(id);
        }
        Ok(())
    }
}
