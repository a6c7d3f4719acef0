//! The cl100k (`gpt4`) pattern: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
//! ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
use super::classes::{Text, LETTER, NUMBER};
use super::scan::{contraction, symbols, up_to_three_numbers, whitespace};

/// The end of the match starting at `i`.
#[inline(always)]
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
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
    // `\p{N}{1,3}`
    if f & NUMBER != 0 {
        return up_to_three_numbers(t, i);
    }
    symbols(t, i, b"\r\n").unwrap_or_else(|| whitespace(t, i, true))
}
