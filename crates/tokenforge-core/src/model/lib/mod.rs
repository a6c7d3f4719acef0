//! LiB, the Less-is-Better model (Yang 2024): a lexicon of subword and multiword units grown by a memorizer and
//! pruned by a forgetter while reading text line by line, and its encoder (the same segmentation: fewest
//! units, ties to the higher score sum; bytes for characters outside the lexicon).
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Units checked by the forgetter per line.
const FORGET_CHECKS: usize = 3;
/// Ids 0–255 are the bytes; units follow.
pub const N_BYTES: u32 = 256;

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

/// Learns `n_units` units from `lines` in `epochs` passes (lines in a seeded random order each pass): every use
/// of a unit scores +1; each pair of adjacent units becomes a candidate (score 1); the forgetter segments the
/// line again without up to three of its units and scores −2 a unit that saved no token (dropped at zero),
/// +1 one that did; the lexicon is cut back to `n_units` whenever it doubles. Best-scored first.
pub fn train(lines: &[String], n_units: usize, max_len: usize, epochs: usize, seed: u64) -> Vec<String> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let mut score: FxHashMap<String, f64> = FxHashMap::default();
    for _ in 0..epochs {
        for k in (1..order.len()).rev() {
            order.swap(k, (rng.next_u64() % (k as u64 + 1)) as usize);
        }
        for &li in &order {
            let line = lines[li].as_str();
            let seg = pieces(line, &segment(line, &score, max_len, None));
            let mut units: Vec<&str> = seg.iter().copied().filter(|u| u.chars().nth(1).is_some()).collect();
            units.sort_unstable();
            units.dedup();
            for u in &seg {
                if let Some(s) = score.get_mut(*u) {
                    *s += 1.0;
                }
            }
            for w in seg.windows(2) {
                if w[0].chars().count() + w[1].chars().count() <= max_len {
                    score.entry(format!("{}{}", w[0], w[1])).or_insert(1.0);
                }
            }
            for j in 0..FORGET_CHECKS.min(units.len()) {
                let pick = j + (rng.next_u64() % (units.len() - j) as u64) as usize;
                units.swap(j, pick);
                let u = units[j];
                let saved = segment(line, &score, max_len, Some(u)).len() > seg.len() + 1;
                if let Some(s) = score.get_mut(u) {
                    *s += if saved { 1.0 } else { -2.0 };
                    if *s <= 0.0 {
                        score.remove(u);
                    }
                }
            }
            if score.len() > 2 * n_units {
                score = best(score, n_units).into_iter().collect();
            }
        }
    }
    best(score, n_units).into_iter().map(|(u, _)| u).collect()
}

/// The `n` best-scored units (ties by the unit's text), best first.
fn best(score: FxHashMap<String, f64>, n: usize) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = score.into_iter().collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(n);
    all
}

/// A trained LiB lexicon as an encoder: ids 0–255 the bytes, then the units by rank.
pub struct Lib {
    rank: FxHashMap<String, f64>,
    ids: FxHashMap<String, u32>,
    max_len: usize,
}

impl Lib {
    /// The encoder of `units` (best first); `max_len` at least the longest unit, in characters.
    pub fn new(units: &[String], max_len: usize) -> Self {
        let n = units.len();
        let max_len = units.iter().map(|u| u.chars().count()).max().unwrap_or(1).max(max_len);
        let rank = units.iter().enumerate().map(|(i, u)| (u.clone(), (n - i) as f64)).collect();
        let ids = units.iter().enumerate().map(|(i, u)| (u.clone(), N_BYTES + i as u32)).collect();
        Lib { rank, ids, max_len }
    }

    /// Ids of `text`: units where the lexicon has them, else the UTF-8 bytes.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for piece in pieces(text, &segment(text, &self.rank, self.max_len, None)) {
            match self.ids.get(piece) {
                Some(&id) => out.push(id),
                None => out.extend(piece.bytes().map(u32::from)),
            }
        }
        out
    }

    /// Ids of each text, on all cores.
    pub fn encode_batch(&self, texts: &[String]) -> Vec<Vec<u32>> {
        texts.par_iter().map(|t| self.encode(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let units = train(&lines, 50, 12, 2, 0);
        assert!(units.iter().any(|u| u.trim().contains(' ')), "{units:?}");
        let lib = Lib::new(&units, 12);
        for text in ["of the book 3 of the day\n", "é中 ☃ of", ""] {
            let ids = lib.encode(text);
            let bytes: Vec<u8> = ids
                .iter()
                .flat_map(
                    |&i| if i < N_BYTES { vec![i as u8] } else { units[(i - N_BYTES) as usize].clone().into_bytes() },
                )
                .collect();
            assert_eq!(bytes, text.as_bytes());
        }
        assert!(lib.encode("of the book 3 of the day\n").len() < 10);
    }
}
