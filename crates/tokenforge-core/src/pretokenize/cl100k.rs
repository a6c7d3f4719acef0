//! The cl100k (`gpt4`) pattern: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
//! ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, and Qwen2's, the same with `\p{N}` for `\p{N}{1,3}`.
use super::blocks::{self, contractions, Classes};
use super::classes::{Text, LETTER, NUMBER};
use super::scan::{contraction, symbols, up_to_numbers, whitespace, Batches};

/// Hands the pieces of `text` to `out`, numbers taken `DIGITS` at most at a time (cl100k 3, Qwen2 1): ASCII
/// blocks through [`block_starts`], the rest character by character.
// Closures, not the functions themselves (see `Preset::scan_batches`).
#[allow(clippy::redundant_closure)]
#[inline(always)]
pub(super) fn scan<const DIGITS: usize, E, F: FnMut(usize, &[usize]) -> Result<(), E>>(
    text: &str,
    out: &mut Batches<F>,
) -> Result<(), E> {
    blocks::scan(text, out, |c, t, at| block_starts::<DIGITS>(c, t, at), |t, i| match_end_digits::<DIGITS>(t, i))
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

/// The piece starts of an ASCII block that begins at a piece start (see `blocks.rs`), numbers taken
/// `DIGITS` at most at a time.
///
/// Other characters start a piece unless they follow one of theirs or a space (` ?[^\s\p{L}\p{N}]+`);
/// letters unless they follow a letter or a character that starts a piece and may lead a word (a space, other
/// white space but `\r\n`, an other character that starts a piece); digits at every `DIGITS`-th of a run.
/// White space: the newlines right after an other character end its piece (`[\r\n]*`), the rest as
/// [`blocks::space_starts`] says. Then the contractions, either case.
#[inline(always)]
pub(crate) fn block_starts<const DIGITS: usize>(c: &Classes, t: &Text, at: usize) -> u64 {
    let other = c.other();
    let others = other & !(other << 1) & !(c.space << 1);
    let leads = (c.ws & !c.newline) | others;
    let letters = c.letter & !(c.letter << 1) & !(leads << 1);
    // Newlines that end a symbol piece: each run of them right after an other character.
    let symbol_newlines = blocks::runs_from(c.newline, c.newline & other << 1);
    let starts = others | letters | blocks::number_starts(c.digit, DIGITS) | blocks::space_starts(c, symbol_newlines);
    contractions(starts, c.apostrophe, t, at, true)
}
