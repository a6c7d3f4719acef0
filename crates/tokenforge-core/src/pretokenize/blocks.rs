//! The block scanner: 64 bytes of ASCII at a time, as bitmasks, with no branch per piece.
//!
//! A block starts at a piece start `i` (the regex matches from there whatever came before: the patterns
//! look behind nothing). Its bytes are classified into one bit per byte and class ([`Classes`], SSE2 on
//! x86_64), a preset's bit algebra turns the classes into the bitmask of piece starts (`gpt2.rs`,
//! `cl100k.rs`, `o200k.rs`), and every start the block's own bytes settle is handed over at once; the next block
//! starts at the last of them. A start is settled when it does not depend on what follows the block: not
//! in the last two bytes (a contraction reads one byte ahead, a run of white space splits before its last
//! character), nor in a run of white space that reaches the block's end. A non-ASCII byte ends what the
//! block knows; the preset's scalar scanner takes over until past its run of non-ASCII bytes, then blocks resume.
use super::classes::Text;
use super::scan::{contraction, Batches};

/// Bytes per block.
const BLOCK: usize = 64;

/// One bit per byte of a block (bit `k` for byte `k`) in each class.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Classes {
    /// `[A-Za-z]`.
    pub(crate) letter: u64,
    /// `[A-Z]`.
    pub(crate) upper: u64,
    /// `[0-9]`.
    pub(crate) digit: u64,
    /// `' '`.
    pub(crate) space: u64,
    /// ASCII white space: `[\t\n\x0B\x0C\r ]`.
    pub(crate) ws: u64,
    /// `[\r\n]`.
    pub(crate) newline: u64,
    /// `'`.
    pub(crate) apostrophe: u64,
    /// `/`.
    pub(crate) slash: u64,
    /// Bytes of 0x80 and above.
    pub(crate) high: u64,
}

impl Classes {
    /// ASCII that is none of letter, digit, white space (non-ASCII bytes too: the scanner never reads
    /// their bits).
    #[inline(always)]
    pub(crate) fn other(&self) -> u64 {
        !(self.letter | self.digit | self.ws)
    }
}

/// The classes of a block, 16 bytes at a time with SSE2 (always there on x86_64).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> Classes {
    use std::arch::x86_64::*;
    let mut c = Classes::default();
    // SAFETY: SSE2 is part of every x86_64 target; each load reads 16 bytes inside the 64-byte block.
    unsafe {
        let at = |b: u8| _mm_set1_epi8(b as i8);
        let bits = |v: __m128i, k: usize| u64::from(_mm_movemask_epi8(v) as u16) << (16 * k);
        // Signed compares: bytes of 0x80 and above are negative, so in no range of ASCII.
        let within =
            |v: __m128i, lo: u8, hi: u8| _mm_and_si128(_mm_cmpgt_epi8(v, at(lo - 1)), _mm_cmplt_epi8(v, at(hi + 1)));
        for k in 0..BLOCK / 16 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            let space = _mm_cmpeq_epi8(v, at(b' '));
            c.letter |= bits(within(_mm_or_si128(v, at(0x20)), b'a', b'z'), k);
            c.upper |= bits(within(v, b'A', b'Z'), k);
            c.digit |= bits(within(v, b'0', b'9'), k);
            c.space |= bits(space, k);
            c.ws |= bits(_mm_or_si128(space, within(v, b'\t', b'\r')), k);
            c.newline |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, at(b'\n')), _mm_cmpeq_epi8(v, at(b'\r'))), k);
            c.apostrophe |= bits(_mm_cmpeq_epi8(v, at(b'\'')), k);
            c.slash |= bits(_mm_cmpeq_epi8(v, at(b'/')), k);
            c.high |= bits(v, k);
        }
    }
    c
}

/// The classes of a block, a byte at a time (targets without SSE2; the reference in tests).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn classify_bytes(block: &[u8; BLOCK]) -> Classes {
    let mut c = Classes::default();
    for (k, &b) in block.iter().enumerate() {
        let set = |class: &mut u64, yes: bool| *class |= u64::from(yes) << k;
        set(&mut c.letter, b.is_ascii_alphabetic());
        set(&mut c.upper, b.is_ascii_uppercase());
        set(&mut c.digit, b.is_ascii_digit());
        set(&mut c.space, b == b' ');
        set(&mut c.ws, matches!(b, b'\t'..=b'\r' | b' '));
        set(&mut c.newline, matches!(b, b'\r' | b'\n'));
        set(&mut c.apostrophe, b == b'\'');
        set(&mut c.slash, b == b'/');
        set(&mut c.high, b >= 0x80);
    }
    c
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> Classes {
    classify_bytes(block)
}

/// The contractions (either case if `fold`, see [`contraction`]) at the apostrophes of `starts`, a block at
/// byte `at` of `t`: the letters of a contraction start no piece, the character after it does. Reads at most
/// two bytes past an apostrophe, so the starts it changes up to a byte are settled by the bytes up to the next.
#[inline(always)]
pub(crate) fn contractions(mut starts: u64, apostrophes: u64, t: &Text, at: usize, fold: bool) -> u64 {
    let mut todo = apostrophes & starts;
    while todo != 0 {
        let p = todo.trailing_zeros() as usize;
        todo &= todo - 1;
        if let Some(end) = contraction(t, at + p, fold) {
            starts &= !(2 << p);
            if end - at < BLOCK {
                starts |= 1 << (end - at);
            }
        }
    }
    starts
}

/// The starts of the groups of at most `n` in the runs of `digit` (`\p{N}{1,n}`): every `n`-th of a run.
#[inline(always)]
pub(crate) fn number_starts(digit: u64, n: usize) -> u64 {
    let mut starts = digit & !(digit << 1);
    let mut group = starts;
    loop {
        for _ in 0..n {
            group = group << 1 & digit;
        }
        if group == 0 {
            return starts;
        }
        starts |= group;
    }
}

/// The bits of each run of `run` from its first bit of `from` (a subset of `run`) on: the symbols' trailing
/// run of `[\r\n]*` or `[\r\n/]*` when `from` holds the newlines right after an other character. Adding
/// `from` carries through the rest of its run; the starts after the first in a run are put back.
#[inline(always)]
pub(crate) fn runs_from(run: u64, from: u64) -> u64 {
    (run.wrapping_add(from) ^ run | from) & run
}

/// The bits of `run` from which a bit of `x` can be reached through `run` (at or after them): six
/// doubling steps.
#[inline(always)]
fn reaches(x: u64, run: u64) -> u64 {
    let (mut t, mut m) = (x & run, run);
    for s in [1, 2, 4, 8, 16, 32] {
        t |= t >> s & m;
        m &= m >> s;
    }
    t
}

/// The piece starts in white space of cl100k and o200k (`\s*[\r\n]+|\s+(?!\S)|\s+`), given `tail`, the
/// newlines (and slashes) that end a symbol piece: a run starts a piece where it starts (unless in `tail`),
/// after its last newline (`\s*[\r\n]+` ends there), right after `tail`, and at its last character before a
/// non-space unless that is a newline (`\s+(?!\S)`).
#[inline(always)]
pub(crate) fn space_starts(c: &Classes, tail: u64) -> u64 {
    let (ws, newline) = (c.ws, c.newline);
    let runs = ws & !(ws << 1) & !tail;
    let after_newline = newline << 1 & ws & !newline;
    let after_last_newline = after_newline & !reaches(newline, ws);
    let after_tail = tail << 1 & ws & !newline;
    let before_word = ws & !(ws >> 1) & !newline;
    runs | after_last_newline | after_tail | before_word
}

/// Hands the pieces of `text` to `out` as [`scan_with`](super::scan) does, blocks of ASCII through
/// `starts` (a preset's bit algebra: the piece starts of the block at a byte of the text that starts a piece,
/// right wherever the block's bytes settle them), the rest through `match_end`.
#[inline(always)]
pub(super) fn scan<E, F: FnMut(usize, &[usize]) -> Result<(), E>>(
    text: &str,
    out: &mut Batches<F>,
    starts: impl Fn(&Classes, &Text, usize) -> u64,
    match_end: impl Fn(&Text, usize) -> usize,
) -> Result<(), E> {
    let t = Text::new(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    // Blocks resume at the first piece start from here (past the first run of non-ASCII bytes seen).
    let mut scalar_until = 0;
    let mut tail = [0xFF; BLOCK];
    while i < bytes.len() {
        if i >= scalar_until {
            let block: &[u8; BLOCK] = match bytes.get(i..i + BLOCK) {
                Some(b) => b.try_into().expect("a block"),
                None => {
                    // The end of the text reads as non-ASCII: what it settles, the scalar scanner does.
                    tail[..bytes.len() - i].copy_from_slice(&bytes[i..]);
                    tail[bytes.len() - i..].fill(0xFF);
                    &tail
                }
            };
            let c = classify(block);
            let known = c.high.trailing_zeros();
            let known_mask = if known == 64 { u64::MAX } else { (1 << known) - 1 };
            // The start of a white-space run at the end of what is known: starts in it are not settled.
            let run_from = 64 - (!c.ws & known_mask).leading_zeros();
            let last = (known.saturating_sub(2)).min(run_from);
            let settled = starts(&c, &t, i) & ((2u64 << last) - 2);
            if c.high != 0 {
                scalar_until = i + (known + (!(c.high >> known)).trailing_zeros()) as usize;
            }
            if settled != 0 {
                out.push_mask(i, settled)?;
                i += 63 - settled.leading_zeros() as usize;
                continue;
            }
        }
        let end = match_end(&t, i);
        out.push(end)?;
        i = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_byte_by_byte_with_the_class_table() {
        use super::super::classes::{char_flags, LETTER, NUMBER, SPACE};
        let mut block = [0u8; BLOCK];
        for first in (0..=255u8).step_by(64) {
            for (k, b) in block.iter_mut().enumerate() {
                *b = first + k as u8;
            }
            let c = classify(&block);
            assert_eq!(c, classify_bytes(&block));
            for (k, &b) in block.iter().enumerate() {
                let bit = |class: u64| class >> k & 1 == 1;
                assert_eq!(bit(c.high), b >= 0x80, "{b:#04x}");
                if b < 0x80 {
                    let f = char_flags(b as char);
                    assert_eq!(bit(c.letter), f & LETTER != 0, "{b:#04x}");
                    assert_eq!(bit(c.digit), f & NUMBER != 0, "{b:#04x}");
                    assert_eq!(bit(c.ws), f & SPACE != 0, "{b:#04x}");
                }
            }
        }
    }
}
