//! LiB, the Less-is-Better model (Yang 2024): a lexicon of subword and multiword units grown by a memorizer and
//! pruned by a forgetter while reading text line by line (`trainer.rs`), and its model (`model.rs`: the same
//! segmentation, fewest units with ties to the better-ranked ones, bytes for characters outside the lexicon).
mod model;
pub mod trainer;

pub use model::Lib;
use rustc_hash::FxHashMap;

/// The byte offsets that start the units of the fewest-unit segmentation of `text` (and `text.len()`): units of
/// 2..=`max_len` characters from `score`, single characters always allowed; among equally short segmentations
/// the one whose units' scores sum highest. `without` is left out of the lexicon.
pub fn segment(text: &str, score: &FxHashMap<String, f64>, max_len: usize, without: Option<&str>) -> Vec<usize> {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let n = bounds.len() - 1;
    let mut cost = vec![0u32; n + 1];
    let mut bonus = vec![0f64; n + 1];
    let mut back = vec![0usize; n + 1];
    for i in 1..=n {
        let (mut c, mut b, mut choice) = (cost[i - 1] + 1, bonus[i - 1], i - 1);
        for len in 2..=max_len.min(i) {
            let unit = &text[bounds[i - len]..bounds[i]];
            if without == Some(unit) {
                continue;
            }
            if let Some(&s) = score.get(unit) {
                let (c2, b2) = (cost[i - len] + 1, bonus[i - len] + s);
                if c2 < c || (c2 == c && b2 > b) {
                    (c, b, choice) = (c2, b2, i - len);
                }
            }
        }
        (cost[i], bonus[i], back[i]) = (c, b, choice);
    }
    let mut starts = vec![text.len()];
    let mut i = n;
    while i > 0 {
        i = back[i];
        starts.push(bounds[i]);
    }
    starts.reverse();
    starts
}

fn pieces<'a>(text: &'a str, starts: &[usize]) -> Vec<&'a str> {
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::trainer::{train, LibConfig};
    use super::*;
    use crate::model::Vocab;

    fn lexicon(entries: &[(&str, f64)]) -> FxHashMap<String, f64> {
        entries.iter().map(|(u, s)| (u.to_string(), *s)).collect()
    }

    #[test]
    fn fewest_units_then_best_scores() {
        let cut = |t: &str, l: &FxHashMap<String, f64>, w| pieces(t, &segment(t, l, 12, w)).join("|");
        assert_eq!(cut("abc", &lexicon(&[("ab", 1.0), ("bc", 2.0)]), None), "a|bc");
        assert_eq!(cut("abcd", &lexicon(&[("ab", 1.0), ("cd", 1.0), ("abc", 5.0)]), None), "abc|d");
        assert_eq!(cut("abc", &lexicon(&[("ab", 1.0)]), Some("ab")), "a|b|c");
        assert_eq!(cut("", &lexicon(&[]), None), "");
    }

    #[test]
    fn learns_multiword_units_and_round_trips() {
        let lines: Vec<String> = (0..200).map(|k| format!("of the book {} of the day\n", k % 7)).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let units = train(&refs, &LibConfig { n_units: 50, max_len: 12, epochs: 2, seed: 0 }).unwrap();
        assert!(units.iter().any(|u| u.trim().contains(' ')), "{units:?}");
        let tokens: Vec<Vec<u8>> =
            (0..=255u8).map(|b| vec![b]).chain(units.iter().map(|u| u.clone().into_bytes())).collect();
        let vocab = Vocab::new(tokens, &[]);
        let lib = Lib::new(&vocab, 12).unwrap();
        for text in ["of the book 3 of the day\n", "é中 ☃ of", ""] {
            let mut ids = Vec::new();
            lib.encode_piece(&vocab, text.as_bytes(), &mut ids).unwrap();
            let bytes: Vec<u8> = ids.iter().flat_map(|&i| vocab.token(i).unwrap().to_vec()).collect();
            assert_eq!(bytes, text.as_bytes());
        }
        let mut ids = Vec::new();
        lib.encode_piece(&vocab, b"of the book 3 of the day\n", &mut ids).unwrap();
        assert!(ids.len() < 10);
    }
}
