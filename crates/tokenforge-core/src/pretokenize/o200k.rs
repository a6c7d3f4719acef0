//! The o200k pattern, with `U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`, `W = [\p{Ll}\p{Lm}\p{Lo}\p{M}]`,
//! `X = [^\r\n\p{L}\p{N}]` and `C = (?i:'s|'t|'re|'ve|'m|'ll|'d)`:
//! `X?U*W+C?|X?U+W*C?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
//!
//! Marks (`\p{M}`) are in `X`, `U` and `W` at once, and `\p{Lm}`, `\p{Lo}` in both `U` and `W`, so a
//! word's end depends on how the regex backtracks; [`word`] spells it out. ASCII goes 64 bytes at a time
//! through [`block_starts`].
use super::blocks::{self, Classes};
use super::classes::{Text, LETTER, LOWER, NUMBER, UPPER};
use super::scan::{contraction, symbols, up_to_three_numbers, whitespace, Batches};

/// Hands the pieces of `text` to `out`, with the contraction suffixes if `CONTRACTIONS` (else SuperBPE's stage 1):
/// ASCII blocks through [`block_starts`], the rest through [`match_end`].
// Closures, not the functions themselves (see `Preset::scan_batches`).
#[allow(clippy::redundant_closure)]
#[inline(always)]
pub(super) fn scan<const CONTRACTIONS: bool, E, F: FnMut(usize, &[usize]) -> Result<(), E>>(
    text: &str,
    out: &mut Batches<F>,
) -> Result<(), E> {
    blocks::scan(
        text,
        out,
        |c, t, at| block_starts::<CONTRACTIONS>(c, t, at),
        |t, i| {
            if CONTRACTIONS {
                match_end(t, i)
            } else {
                match_end_without_contractions(t, i)
            }
        },
    )
}

/// The piece starts of an ASCII block that begins at a piece start (see `blocks.rs`).
///
/// In ASCII a word is `X?[A-Z]*[a-z]+|X?[A-Z]+`: a letter starts a piece unless it follows a letter (but an
/// upper case letter after a lower case one does) or a character that starts a piece and may lead a word (white
/// space but `\r\n`, an other character that starts a piece). Other characters start a piece unless they
/// follow one of theirs or a space (` ?[^\s\p{L}\p{N}]+`) or are in the run of `[\r\n/]` that a symbol piece
/// takes after its newline right after an other character; digits at every third of a run; white space as
/// [`blocks::space_starts`] says. Then the contractions (if `CONTRACTIONS`), attached to the word before them.
#[inline(always)]
pub(crate) fn block_starts<const CONTRACTIONS: bool>(c: &Classes, t: &Text, at: usize) -> u64 {
    let other = c.other();
    let tail = blocks::runs_from(c.newline | c.slash, c.newline & other << 1);
    let symbol = other & !tail;
    let others = symbol & !(symbol << 1) & !(c.space << 1);
    let leads = (c.ws & !c.newline) | others;
    let lower = c.letter & !c.upper;
    let joined = c.letter << 1 & !(c.upper & lower << 1);
    let letters = c.letter & !joined & !(leads << 1);
    let starts = others | letters | blocks::number_starts(c.digit, 3) | blocks::space_starts(c, tail);
    if CONTRACTIONS {
        attached_contractions(starts, c.apostrophe & c.letter << 1, t, at)
    } else {
        starts
    }
}

/// The contractions (`C`, either case) at the `apostrophes` right after a letter of a block at byte `at` of `t`:
/// each ends the word before it unless that letter ends a contraction itself, so that the apostrophe and its
/// letters start no piece, the character after them does. Reads at most two bytes past an apostrophe.
#[inline(always)]
fn attached_contractions(mut starts: u64, apostrophes: u64, t: &Text, at: usize) -> u64 {
    let (mut todo, mut after) = (apostrophes, 0);
    while todo != 0 {
        let p = todo.trailing_zeros() as usize;
        todo &= todo - 1;
        if p > after {
            if let Some(end) = contraction(t, at + p, true) {
                after = end - at;
                starts &= !(((1 << (after - p)) - 1) << p);
                if after < 64 {
                    starts |= 1 << after;
                }
            }
        }
    }
    starts
}

/// The end of the match starting at `i`.
#[inline(always)]
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    match word(t, i) {
        Some(end) => contraction(t, end, true).unwrap_or(end),
        None => not_a_word(t, i),
    }
}

/// The end of the match starting at `i` of the pattern without its contraction suffixes (SuperBPE's stage 1).
fn match_end_without_contractions(t: &Text, i: usize) -> usize {
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
