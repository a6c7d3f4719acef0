//! SuperBPE's two patterns (Liu et al. 2025, reference PythonNut/superbpe).
//!
//! Stage 1 is o200k without its contraction suffixes: o200k's scanner, the contraction step left out.
//! Stage 2, `\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)`, does not cover all text: what lies between
//! its matches stays as gaps (pieces of their own), as with any pattern. None of its alternatives needs to
//! backtrack more than one character, so the scan is linear.
use super::classes::{Text, NUMBER, SPACE};
use super::scan::{is_other, scan_with_gaps, up_to_three_numbers};

/// The end of a stage-2 match starting at `i`, if one starts there.
fn stage2_match(t: &Text, i: usize) -> Option<usize> {
    let (f, len) = t.class(i);
    if f & NUMBER != 0 {
        return Some(up_to_three_numbers(t, i));
    }
    // ` ?[^\s\p{L}\p{N}]{2,}[\r\n/]*`: a space can only be the optional one (it is not in the class).
    let start = if t.bytes[i] == b' ' { i + 1 } else { i };
    if let Some(end) = others(t, start) {
        let mut end = end;
        while end < t.len() && matches!(t.bytes[end], b'\r' | b'\n' | b'/') {
            end += 1;
        }
        return Some(end);
    }
    // ` +(?!\S)`: the run of spaces, less its last one when a non-space follows it.
    if t.bytes[i] == b' ' {
        let mut end = i + len;
        while end < t.len() && t.bytes[end] == b' ' {
            end += 1;
        }
        if end == t.len() || t.class(end).0 & SPACE != 0 {
            return Some(end);
        }
        return (end - i >= 2).then_some(end - 1);
    }
    None
}

/// The end of a run of at least two characters that are none of `\s`, `\p{L}`, `\p{N}` at `i`.
fn others(t: &Text, i: usize) -> Option<usize> {
    let mut end = i;
    let mut n = 0;
    while end < t.len() {
        let (f, len) = t.class(end);
        if !is_other(f) {
            break;
        }
        end += len;
        n += 1;
    }
    (n >= 2).then_some(end)
}

/// Appends the stage-2 matches of `text` and the gaps between them to `out`.
pub(crate) fn scan_stage2<E>(text: &str, mut piece: impl FnMut(usize, usize) -> Result<(), E>) -> Result<(), E> {
    scan_with_gaps(&Text::new(text), 0, stage2_match, &mut piece)
}
