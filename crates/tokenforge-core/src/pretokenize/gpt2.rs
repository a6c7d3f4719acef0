//! The GPT-2 pattern: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
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
