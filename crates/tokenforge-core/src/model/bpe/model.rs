//! A byte-level BPE model: token bytes by id and the ordered merge list that builds them.
use crate::bytes::BYTE_RANK;
use crate::error::{Error, Result};

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

    /// Checks that the model is a byte-level BPE: every byte has a token, every merge joins two tokens into
    /// the token of their concatenation.
    pub fn validate(&self) -> Result<()> {
        let n = self.vocab.len() as u32;
        for b in 0..=255u8 {
            if !self.vocab.iter().any(|t| t.as_slice() == [b]) {
                return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token")));
            }
        }
        for (rank, &((a, b), new)) in self.merges.iter().enumerate() {
            if a >= n || b >= n || new >= n {
                return Err(Error::InvalidModel(format!("merge {rank} names an id outside the vocabulary")));
            }
            let (ta, tb, tn) = (&self.vocab[a as usize], &self.vocab[b as usize], &self.vocab[new as usize]);
            if tn.len() != ta.len() + tb.len() || !tn.starts_with(ta) || !tn.ends_with(tb) {
                return Err(Error::InvalidModel(format!("merge {rank} does not concatenate its parts")));
            }
        }
        Ok(())
    }
}
