//! Where a hybrid pre-token becomes ids, and ids text again. The vocabulary: `<uppercase>` (0), `<space>` (1,
//! the bytes of a space), the roots, one id per affix group (the bytes of its first allomorph), the BPE part
//! (its own 256 bytes and merges, run as a byte-level BPE of its own), then any special tokens.
use super::harmony::upper;
use super::lexicon::{Casing, Lexicon, Part, Recased};
use super::{N_SPECIALS, UPPER};
use crate::error::{Error, Result};
use crate::model::bpe::{Bpe, Pair};
use crate::model::Vocab;

/// The longest root or affix a model may hold, in characters (segmenting a word costs its length times this).
pub const MAX_ENTRY_CHARS: usize = 256;

/// The hybrid model: the lexicon, and BPE for what it leaves.
pub struct Hybrid {
    lexicon: Lexicon,
    bpe_vocab: Vocab,
    bpe: Bpe,
    bpe_base: u32,
}

impl Hybrid {
    /// The model over `vocab`: ids from 2 are `n_roots` roots (their text), then one id per group of `groups`,
    /// then `bpe_size` BPE tokens whose `merges` (ids counted from the first BPE token) are checked.
    pub fn new(
        vocab: &Vocab,
        n_roots: usize,
        groups: Vec<Vec<String>>,
        bpe_size: usize,
        merges: &[(Pair, u32)],
        casing: Casing,
    ) -> Result<Self> {
        let bpe_base = N_SPECIALS as usize + n_roots + groups.len();
        if bpe_base + bpe_size > vocab.len() || groups.iter().any(Vec::is_empty) {
            return Err(Error::InvalidModel(format!(
                "{n_roots} roots, {} affix groups and {bpe_size} BPE tokens do not fit {} ids",
                groups.len(),
                vocab.len()
            )));
        }
        let tokens = vocab.tokens();
        let roots = tokens[N_SPECIALS as usize..N_SPECIALS as usize + n_roots]
            .iter()
            .map(|t| String::from_utf8(t.clone()).map_err(|_| Error::InvalidModel("a root is not UTF-8".into())))
            .collect::<Result<Vec<String>>>()?;
        if let Some(long) = roots.iter().chain(groups.iter().flatten()).find(|e| e.chars().count() > MAX_ENTRY_CHARS) {
            let head: String = long.chars().take(20).collect();
            return Err(Error::InvalidModel(format!(
                "root or affix {head:?}... is longer than {MAX_ENTRY_CHARS} characters"
            )));
        }
        let bpe_vocab = Vocab::new(tokens[bpe_base..bpe_base + bpe_size].to_vec(), &[]);
        let bpe = Bpe::new(&bpe_vocab, merges, true)?;
        if let Some(b) = (0..=255u8).find(|&b| bpe_vocab.id(&[b]).is_none()) {
            return Err(Error::InvalidModel(format!("byte 0x{b:02x} has no BPE token")));
        }
        let lexicon = Lexicon::new(&roots, groups, casing);
        Ok(Hybrid { lexicon, bpe_vocab, bpe, bpe_base: bpe_base as u32 })
    }

    /// Appends the ids of one pre-token to `out` (bytes that are not UTF-8 go to BPE as they are).
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let Ok(text) = std::str::from_utf8(piece) else {
            return self.bpe_piece(piece, out);
        };
        let mut failed = Ok(());
        self.lexicon.parts(text, &mut |part, _, _| match part {
            Part::Id(id) => out.push(id),
            Part::Bpe(s) => {
                if failed.is_ok() {
                    failed = self.bpe_piece(s.as_bytes(), out);
                }
            }
        });
        failed
    }

    /// The byte span of each id of one pre-token (as [`encode_piece`](Self::encode_piece) gives them) in the
    /// text where the pre-token starts at byte `at`: a root or an affix spans its letters, `<uppercase>` nothing
    /// before its word, BPE tokens their bytes (of a lower-cased word, the first token takes its first letter).
    pub fn spans(&self, piece: &[u8], at: usize, out: &mut Vec<(usize, usize)>) -> Result<()> {
        let Ok(text) = std::str::from_utf8(piece) else {
            return self.bpe_spans(piece, at, at + piece.len(), out);
        };
        let mut failed = Ok(());
        self.lexicon.parts(text, &mut |part, lo, hi| match part {
            Part::Id(_) => out.push((at + lo, at + hi)),
            Part::Bpe(s) => {
                if failed.is_ok() {
                    failed = self.bpe_spans(s.as_bytes(), at + lo, at + hi, out);
                }
            }
        });
        failed
    }

    /// The spans of the BPE tokens of `piece`, which stands for the bytes `lo..hi` (its first character may
    /// have another length there).
    fn bpe_spans(&self, piece: &[u8], lo: usize, hi: usize, out: &mut Vec<(usize, usize)>) -> Result<()> {
        let mut ids = Vec::new();
        self.bpe.encode_piece(&self.bpe_vocab, piece, &mut ids)?;
        let recased = Recased::new(piece, lo, hi);
        let mut pos = 0;
        for id in ids {
            let next = pos + self.bpe_vocab.token(id)?.len();
            out.push(recased.span(pos, next));
            pos = next;
        }
        Ok(())
    }

    fn bpe_piece(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        let at = out.len();
        self.bpe.encode_piece(&self.bpe_vocab, piece, out)?;
        out[at..].iter_mut().for_each(|id| *id += self.bpe_base);
        Ok(())
    }

    /// The text of `ids`: `<uppercase>` capitalises what follows, each affix group takes the allomorph the word
    /// before it calls for, BPE tokens and special tokens are their bytes.
    pub fn decode(&self, vocab: &Vocab, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        let (mut word, mut capital) = (String::new(), false);
        let bpe_end = self.bpe_base + self.bpe_vocab.len() as u32;
        let mut k = 0;
        while k < ids.len() {
            let id = ids[k];
            k += 1;
            if id == UPPER {
                capital = true;
            } else if id < self.lexicon.end() {
                let text = self.lexicon.surface(id, &mut word);
                self.emit(text.as_bytes(), &mut capital, &mut out);
            } else if id < bpe_end {
                let mut run = self.bpe_vocab.token(id - self.bpe_base)?.to_vec();
                while k < ids.len() && (self.bpe_base..bpe_end).contains(&ids[k]) {
                    run.extend_from_slice(self.bpe_vocab.token(ids[k] - self.bpe_base)?);
                    k += 1;
                }
                self.emit(&run, &mut capital, &mut out);
            } else {
                self.emit(vocab.token(id)?, &mut capital, &mut out);
            }
        }
        Ok(out)
    }

    /// Appends `bytes`, its first character capitalised when `capital` is set (and clears it).
    fn emit(&self, bytes: &[u8], capital: &mut bool, out: &mut Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        if std::mem::take(capital) {
            let valid = match std::str::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
            };
            if let Some(c) = valid.chars().next() {
                let mut head = String::new();
                upper(c, self.lexicon.casing.turkish, &mut head);
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(&bytes[c.len_utf8()..]);
                return;
            }
        }
        out.extend_from_slice(bytes);
    }
}
