//! Where a LiB pre-token becomes ids: the fewest-unit segmentation over the vocabulary's units (every token of
//! two characters or more), ties to the better-ranked units (lower ids); a character outside the lexicon is its
//! byte tokens.
use rustc_hash::FxHashMap;

use super::{pieces, segment};
use crate::error::{Error, Result};
use crate::model::Vocab;

/// The longest unit a model may hold, in characters (segmentation costs the text's length times this).
pub const MAX_UNIT_CHARS: usize = 1024;

/// The LiB model: each unit's rank score (higher for lower ids) and the longest unit in characters.
pub struct Lib {
    rank: FxHashMap<String, f64>,
    max_len: usize,
}

impl Lib {
    /// The model over `vocab`: its ordinary tokens of two characters or more are the units; `max_len` (in
    /// characters, at most [`MAX_UNIT_CHARS`]) is raised to the longest of them. Every byte must have a token.
    pub fn new(vocab: &Vocab, max_len: usize) -> Result<Self> {
        if let Some(b) = (0..=255u8).find(|&b| vocab.id(&[b]).is_none()) {
            return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no token in this vocabulary")));
        }
        let n = vocab.len();
        let mut rank = FxHashMap::default();
        let mut longest = 1;
        for (id, tok) in vocab.tokens().iter().enumerate() {
            let Ok(unit) = std::str::from_utf8(tok) else { continue };
            let chars = unit.chars().count();
            if chars > MAX_UNIT_CHARS {
                return Err(Error::InvalidModel(format!(
                    "token {id} has {chars} characters (at most {MAX_UNIT_CHARS})"
                )));
            }
            if chars >= 2 && vocab.id(tok) == Some(id as u32) {
                rank.insert(unit.to_owned(), (n - id) as f64);
                longest = longest.max(chars);
            }
        }
        Ok(Lib { rank, max_len: max_len.clamp(1, MAX_UNIT_CHARS).max(longest) })
    }

    /// Appends the ids of one pre-token to `out` (bytes that are not UTF-8 as their byte tokens).
    pub fn encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let bytes = |s: &[u8], out: &mut Vec<u32>| out.extend(s.iter().filter_map(|&b| vocab.id(&[b])));
        let Ok(text) = std::str::from_utf8(piece) else {
            bytes(piece, out);
            return Ok(());
        };
        for unit in pieces(text, &segment(text, &self.rank, self.max_len, None)) {
            match vocab.id(unit.as_bytes()) {
                Some(id) => out.push(id),
                None => bytes(unit.as_bytes(), out),
            }
        }
        Ok(())
    }
}
