//! WordPiece vocabulary learning as Hugging Face's `WordPieceTrainer` does it, which is its `BpeTrainer` with
//! a continuing-subword prefix: the special tokens first, then the alphabet (the `limit_alphabet` most frequent
//! characters, in code point order), then every character that continues a word with the prefix (`##a`), then
//! the tokens of the BPE merge loop ([`merge_loop`], the one of byte-level BPE), where a merged token drops the
//! prefix of its right part. White-space pieces (which the `bert` pre-tokenizer keeps) are not words.
use rustc_hash::{FxHashMap, FxHashSet};

use crate::count::WordCounts;
use crate::error::Result;
use crate::model::bpe::trainer::{merge_loop, BpeConfig, Symbols};
use crate::model::bpe::BpeModel;

/// What to learn.
#[derive(Debug, Clone)]
pub struct WordPieceConfig {
    /// Final vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// The special tokens, given the first ids.
    pub specials: Vec<String>,
    /// Keep only this many characters (the most frequent).
    pub limit_alphabet: Option<usize>,
    /// The prefix of tokens that continue a word (`##`).
    pub prefix: String,
}

/// True for a piece of white space, which is not a word.
pub(crate) fn is_space(word: &str) -> bool {
    word.chars().all(char::is_whitespace)
}

/// Learns a WordPiece vocabulary from pre-token counts; returns the token bytes by id.
pub fn train(
    counts: &WordCounts,
    cfg: &WordPieceConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Vec<u8>>> {
    Ok(train_model(counts, cfg, progress)?.vocab)
}

/// The vocabulary and its merges (in order). With an empty prefix this is Hugging Face's `BpeTrainer` over the
/// characters of the words (SentencePiece-style BPE).
pub fn train_model(
    counts: &WordCounts,
    cfg: &WordPieceConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BpeModel> {
    let words: Vec<(&str, u64)> = counts
        .iter()
        .filter_map(|(w, n)| std::str::from_utf8(w).ok().map(|w| (w, n)))
        .filter(|(w, _)| !is_space(w))
        .collect();
    let mut freq: FxHashMap<char, u64> = FxHashMap::default();
    for (w, n) in &words {
        for c in w.chars() {
            *freq.entry(c).or_insert(0) += n;
        }
    }
    let mut alphabet: Vec<(char, u64)> = freq.into_iter().collect();
    if let Some(limit) = cfg.limit_alphabet.filter(|&l| l < alphabet.len()) {
        alphabet.sort_unstable_by_key(|&(c, n)| (std::cmp::Reverse(n), c));
        alphabet.truncate(limit);
    }
    let mut kept: Vec<char> = alphabet.into_iter().map(|(c, _)| c).collect();
    kept.sort_unstable();
    let mut vocab: Vec<Vec<u8>> = cfg.specials.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut ids: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
    for (i, t) in vocab.iter().enumerate() {
        ids.entry(t.clone()).or_insert(i as u32);
    }
    for c in &kept {
        intern(&mut vocab, &mut ids, c.to_string().into_bytes());
    }
    let kept: FxHashSet<char> = kept.into_iter().collect();
    let mut symbols = Vec::with_capacity(words.len());
    for (w, _) in &words {
        let mut ws = Vec::with_capacity(w.len());
        for (k, c) in w.chars().enumerate() {
            if kept.contains(&c) {
                let mut s = if k == 0 { Vec::new() } else { cfg.prefix.as_bytes().to_vec() };
                s.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                ws.push(intern(&mut vocab, &mut ids, s));
            }
        }
        symbols.push(ws);
    }
    let freqs = words.iter().map(|&(_, n)| n as i64).collect();
    let bpe = BpeConfig {
        vocab_size: cfg.vocab_size,
        min_frequency: cfg.min_frequency,
        reserved: 0,
        rules: Default::default(),
    };
    let model = BpeModel { vocab, merges: Vec::new() };
    let syms = Symbols::new(&symbols);
    drop(symbols);
    merge_loop(model, syms, freqs, cfg.vocab_size, &bpe, Some(cfg.prefix.as_bytes()), progress)
}

/// The id of `token`, added to the vocabulary if new.
fn intern(vocab: &mut Vec<Vec<u8>>, ids: &mut FxHashMap<Vec<u8>, u32>, token: Vec<u8>) -> u32 {
    *ids.entry(token).or_insert_with_key(|t| {
        vocab.push(t.clone());
        vocab.len() as u32 - 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vocab_size: usize) -> WordPieceConfig {
        WordPieceConfig {
            vocab_size,
            min_frequency: 0,
            specials: vec!["[UNK]".into()],
            limit_alphabet: None,
            prefix: "##".into(),
        }
    }

    fn learned(vocab: &[Vec<u8>]) -> Vec<&str> {
        vocab.iter().map(|t| std::str::from_utf8(t).unwrap()).collect()
    }

    #[test]
    fn specials_alphabet_continuations_then_merges() {
        let c = WordCounts::of(&[("hug", 10), ("pug", 5), (" ", 100)]);
        let v = train(&c, &cfg(11), &mut |_, _| {}).unwrap();
        let v = learned(&v);
        assert_eq!(v[..5], ["[UNK]", "g", "h", "p", "u"]);
        let mut continuing = v[5..7].to_vec();
        continuing.sort_unstable();
        assert_eq!(continuing, ["##g", "##u"]);
        assert_eq!(v[7..], ["##ug", "hug", "pug", "##g"][..v.len() - 7], "{v:?}");
        assert!(!v.contains(&" "), "white space is not a word");
    }

    #[test]
    fn the_alphabet_keeps_the_most_frequent_characters() {
        let c = WordCounts::of(&[("ab", 10), ("c", 1)]);
        let v = train(&c, &WordPieceConfig { limit_alphabet: Some(2), ..cfg(5) }, &mut |_, _| {}).unwrap();
        assert_eq!(learned(&v), ["[UNK]", "a", "b", "##b", "ab"]);
    }
}
