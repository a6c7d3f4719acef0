//! Where a WordPiece pre-token becomes ids: greedy longest-match-first, as BERT and Hugging Face's `WordPiece`
//! model do. From the start of the word, the longest prefix that is a token is taken; the rest continues with
//! the longest prefix that is a token once `prefix` (`##`) is put before it. A word that cannot be covered that
//! way, or that has more than `max_chars` characters, is one unknown token. A piece of white space (which the
//! `bert` pre-tokenizer keeps, so that pieces tile the text) gives no id.
use crate::error::{Error, Result};
use crate::model::wordpiece::trainer::is_space;
use crate::model::{consecutive_spans, Vocab};

/// The WordPiece model: the id of the unknown token, the continuing-subword prefix, the word length limit.
pub struct WordPiece {
    unk: u32,
    prefix: Vec<u8>,
    max_chars: usize,
}

impl WordPiece {
    /// The model over `vocab` with unknown token `unk`.
    pub fn new(vocab: &Vocab, unk: u32, prefix: &str, max_chars: usize) -> Result<Self> {
        vocab
            .token(unk)
            .map_err(|_| Error::InvalidModel(format!("unknown token id {unk} is not in the vocabulary")))?;
        Ok(WordPiece { unk, prefix: prefix.as_bytes().to_vec(), max_chars })
    }

    /// Appends the ids of one word (UTF-8) to `out`.
    pub fn encode_piece(&self, vocab: &Vocab, word: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let Ok(text) = std::str::from_utf8(word) else {
            out.push(self.unk);
            return Ok(());
        };
        if is_space(text) {
            return Ok(());
        }
        if text.chars().nth(self.max_chars).is_some() {
            out.push(self.unk);
            return Ok(());
        }
        let mark = out.len();
        let mut key = self.prefix.clone();
        let mut start = 0;
        while start < word.len() {
            let found = (start + 1..=word.len()).rev().filter(|&end| text.is_char_boundary(end)).find_map(|end| {
                if start == 0 {
                    vocab.id(&word[..end]).map(|id| (id, end))
                } else {
                    key.truncate(self.prefix.len());
                    key.extend_from_slice(&word[start..end]);
                    vocab.id(&key).map(|id| (id, end))
                }
            });
            let Some((id, end)) = found else {
                out.truncate(mark);
                out.push(self.unk);
                return Ok(());
            };
            out.push(id);
            start = end;
        }
        Ok(())
    }
}

impl WordPiece {
    /// The byte spans of the ids of one word starting at byte `at`: the unknown token covers the word, a
    /// continuing token its text without the prefix.
    pub fn spans(
        &self,
        vocab: &Vocab,
        word: &[u8],
        ids: &[u32],
        at: usize,
        out: &mut Vec<(usize, usize)>,
    ) -> Result<()> {
        if ids == [self.unk] {
            out.push((at, at + word.len()));
            return Ok(());
        }
        consecutive_spans(vocab, ids, at, |k| if k > 0 { self.prefix.len() } else { 0 }, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        let tokens = ["[UNK]", "un", "##aff", "##able", "a", "##ff", "##a", "é", "##é"];
        Vocab::new(tokens.iter().map(|t| t.as_bytes().to_vec()).collect(), &[])
    }

    fn ids(word: &str) -> Vec<u32> {
        let v = vocab();
        let wp = WordPiece::new(&v, 0, "##", 5).unwrap();
        let mut out = vec![99];
        wp.encode_piece(&v, word.as_bytes(), &mut out).unwrap();
        out[1..].to_vec()
    }

    #[test]
    fn longest_match_first() {
        assert_eq!(ids("unaff"), [1, 2]);
        assert_eq!(ids("aff"), [4, 5]);
        assert_eq!(ids("éé"), [7, 8]);
        assert_eq!(ids("  "), [] as [u32; 0]);
    }

    #[test]
    fn uncovered_and_long_words_are_unknown() {
        assert_eq!(ids("unx"), [0]);
        assert_eq!(ids("aaaaaa"), [0], "six characters, limit five");
        assert_eq!(ids("aaaaa"), [4, 6, 6, 6, 6]);
    }
}
