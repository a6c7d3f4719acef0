//! The cl100k (`gpt4`) pattern: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
//! ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, and Qwen2's, the same with `\p{N}` for `\p{N}{1,3}`.
use super::classes::{Text, LETTER, NUMBER};
use super::scan::{contraction, symbols, up_to_numbers, whitespace};

/// The end of the cl100k match starting at `i`.
#[inline(always)]
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    match_end_digits::<3>(t, i)
}

/// The end of the Qwen2 match starting at `i`.
#[inline(always)]
pub(crate) fn qwen2_match_end(t: &Text, i: usize) -> usize {
    match_end_digits::<1>(t, i)
}

/// The end of the match starting at `i`, numbers taken `DIGITS` at most at a time.
#[inline(always)]
fn match_end_digits<const DIGITS: usize>(t: &Text, i: usize) -> usize {
    if let Some(end) = contraction(t, i, true) {
        return end;
    }
    let (f, len) = t.class(i);
    // `[^\r\n\p{L}\p{N}]?\p{L}+`
    if f & LETTER != 0 {
        return t.run(i, LETTER);
    }
    if f & NUMBER == 0 && !matches!(t.bytes[i], b'\r' | b'\n') && t.is(i + len, LETTER) {
        return t.run(i + len, LETTER);
    }
    // `\p{N}{1,3}` (`\p{N}`)
    if f & NUMBER != 0 {
        return up_to_numbers(t, i, DIGITS);
    }
    symbols(t, i, b"\r\n").unwrap_or_else(|| whitespace(t, i, true))
}
