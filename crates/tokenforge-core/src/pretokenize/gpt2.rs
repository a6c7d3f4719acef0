//! The GPT-2 pattern: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
use super::blocks::{contractions, Classes};
use super::classes::{Text, LETTER, NUMBER};
use super::scan::{contraction, is_other, whitespace};

/// The end of the match starting at `i`.
#[inline(always)]
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    if let Some(end) = contraction(t, i, false) {
        return end;
    }
    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a space joins a following run of one kind.
    let start = if t.bytes[i] == b' ' { i + 1 } else { i };
    if start < t.len() {
        let f = t.class(start).0;
        if f & LETTER != 0 {
            return t.run(start, LETTER);
        }
        if f & NUMBER != 0 {
            return t.run(start, NUMBER);
        }
        if is_other(f) {
            return t.run_while(start, is_other);
        }
    }
    whitespace(t, i, false)
}

/// The piece starts of an ASCII block that begins at a piece start (see `blocks.rs`): a letter, digit or
/// other character starts a piece unless its predecessor is of its kind or a space (which joins it); white
/// space starts one where its run starts and at its last character before a non-space (`\s+(?!\S)` gives
/// that character back); then the contractions.
#[inline(always)]
pub(crate) fn block_starts(c: &Classes, t: &Text, at: usize) -> u64 {
    let other = c.other();
    let same = (c.letter & c.letter << 1) | (c.digit & c.digit << 1) | (other & other << 1);
    let words = !c.ws & !same & !(c.space << 1);
    let spaces = c.ws & (!(c.ws << 1) | !(c.ws >> 1));
    contractions(words | spaces, c.apostrophe, t, at, false)
}
