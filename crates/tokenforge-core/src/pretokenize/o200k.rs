//! The o200k pattern, with `U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`, `W = [\p{Ll}\p{Lm}\p{Lo}\p{M}]`,
//! `X = [^\r\n\p{L}\p{N}]` and `C = (?i:'s|'t|'re|'ve|'m|'ll|'d)`:
//! `X?U*W+C?|X?U+W*C?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
//!
//! Marks (`\p{M}`) are in `X`, `U` and `W` at once, and `\p{Lm}`, `\p{Lo}` in both `U` and `W`, so a
//! word's end depends on how the regex backtracks; [`word`] spells it out.
use super::classes::{Text, LETTER, LOWER, NUMBER, UPPER};
use super::scan::{contraction, symbols, up_to_three_numbers, whitespace};

/// The end of the match starting at `i`.
#[inline(always)]
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    match word(t, i) {
        Some(end) => contraction(t, end, true).unwrap_or(end),
        None => not_a_word(t, i),
    }
}

/// The end of the match starting at `i` of the pattern without its contraction suffixes (SuperBPE's stage 1).
pub(crate) fn match_end_without_contractions(t: &Text, i: usize) -> usize {
    word(t, i).unwrap_or_else(|| not_a_word(t, i))
}

/// The alternatives after the two word ones.
fn not_a_word(t: &Text, i: usize) -> usize {
    if t.class(i).0 & NUMBER != 0 {
        return up_to_three_numbers(t, i);
    }
    symbols(t, i, b"\r\n/").unwrap_or_else(|| whitespace(t, i, true))
}

/// `X?U*W+|X?U+W*` at `i` (before the optional contraction): the end of the match, or `None`.
///
/// From a start `p`, `U*` first takes the whole run of `U` up to `q`. If a `W` follows, `W+` takes its
/// run. Otherwise `U*` gives back characters until the last one that is also in `W` (`Lm`, `Lo`, `M`),
/// which `W+` takes alone. Failing that, the first alternative is retried without the `X` (which only
/// helps if the `X` is itself a mark: then the mark alone matches), and the second alternative takes
/// the `U` run if it is not empty (`W*` is then empty).
fn word(t: &Text, i: usize) -> Option<usize> {
    let (f, len) = t.class(i);
    let is_x = f & (LETTER | NUMBER) == 0 && !matches!(t.bytes[i], b'\r' | b'\n');
    let p = if is_x { i + len } else { i };
    let (q, after_last_w) = upper_run(t, p);
    if t.is(q, LOWER) {
        return Some(t.run(q, LOWER));
    }
    if after_last_w.is_some() {
        return after_last_w;
    }
    if is_x && f & UPPER != 0 {
        return Some(p);
    }
    (q > p).then_some(q)
}

/// The end of the run of `U` from `p`, and the end of the last character in it that is also in `W`.
fn upper_run(t: &Text, mut p: usize) -> (usize, Option<usize>) {
    let mut after_last_w = None;
    while p < t.len() {
        let (f, len) = t.class(p);
        if f & UPPER == 0 {
            break;
        }
        p += len;
        if f & LOWER != 0 {
            after_last_w = Some(p);
        }
    }
    (p, after_last_w)
}
