//! Linear-time scanners for the preset patterns.
//!
//! Every position of any text starts a match of each preset pattern, so a split is a chain of matches:
//! a scanner only has to find where the match starting at `i` ends. It does so with the regex's
//! leftmost-first semantics (the first alternative that matches wins, quantifiers are greedy and give
//! back characters only as far as the rest of the alternative needs), reading each character a bounded
//! number of times. The alternatives shared by several presets live here; each preset has its module.
use super::classes::{AsciiRange, Text, LETTER, NUMBER, SPACE};
use super::{bert, blocks, cl100k, code, deepseek, gpt2, o200k, patterns, superbpe};

/// A preset pattern, run by its scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// [`patterns::GPT2`].
    Gpt2,
    /// [`patterns::CL100K`] (named `gpt4`).
    Cl100k,
    /// [`patterns::O200K`].
    O200k,
    /// [`patterns::QWEN2`].
    Qwen2,
    /// [`patterns::SUPERBPE_STAGE1`].
    SuperBpe1,
    /// [`patterns::SUPERBPE_STAGE2`] (with gaps: it does not cover all text).
    SuperBpe2,
    /// [`patterns::CODE`].
    Code,
    /// [`patterns::BERT`].
    Bert,
    /// [`patterns::DEEPSEEK_V3`] (a sequence of three splits, with gaps).
    DeepSeekV3,
}

impl Preset {
    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Gpt2 => "gpt2",
            Preset::Cl100k => "gpt4",
            Preset::O200k => "o200k",
            Preset::Qwen2 => "qwen2",
            Preset::SuperBpe1 => "superbpe-stage1",
            Preset::SuperBpe2 => "superbpe-stage2",
            Preset::Code => "code",
            Preset::Bert => "bert",
            Preset::DeepSeekV3 => "deepseek-v3",
        }
    }

    /// The exact regex the scanner implements.
    pub fn pattern(self) -> &'static str {
        match self {
            Preset::Gpt2 => patterns::GPT2,
            Preset::Cl100k => patterns::CL100K,
            Preset::O200k => patterns::O200K,
            Preset::Qwen2 => patterns::QWEN2,
            Preset::SuperBpe1 => patterns::SUPERBPE_STAGE1,
            Preset::SuperBpe2 => patterns::SUPERBPE_STAGE2,
            Preset::Code => patterns::CODE,
            Preset::Bert => patterns::BERT,
            Preset::DeepSeekV3 => patterns::DEEPSEEK_V3,
        }
    }

    /// Appends the pieces of `text` to `out`: the matches, and for SuperBPE's stage 2 and DeepSeek the gaps
    /// between them.
    pub fn split<'a>(self, text: &'a str, out: &mut Vec<&'a str>) {
        let _ = self.scan(text, |start, end| {
            out.push(&text[start..end]);
            Ok::<(), ()>(())
        });
    }

    /// Hands the byte range of each piece of `text` to `piece`, in order, until it fails.
    #[inline]
    pub fn scan<E>(self, text: &str, mut piece: impl FnMut(usize, usize) -> Result<(), E>) -> Result<(), E> {
        self.scan_batches(text, |mut start, ends| {
            for &end in ends {
                piece(start, end)?;
                start = end;
            }
            Ok(())
        })
    }

    /// Hands the pieces of `text` to `batch` up to [`BATCH`] at a time, in order, until it fails: as
    /// `batch(start, ends)`, the first piece `start..ends[0]`, the next `ends[0]..ends[1]`, and so on. The
    /// scanner runs in a tight loop, and the caller in another.
    // Closures, not the functions themselves: a function item went through a `Fn::call` shim that was not
    // inlined into the loop (15% more instructions on cl100k).
    #[allow(clippy::redundant_closure)]
    #[inline]
    pub fn scan_batches<E>(self, text: &str, batch: impl FnMut(usize, &[usize]) -> Result<(), E>) -> Result<(), E> {
        let mut out = Batches { ends: [0; BATCH], n: 0, start: 0, batch };
        match self {
            Preset::Gpt2 => {
                blocks::scan(text, &mut out, |c, t, at| gpt2::block_starts(c, t, at), |t, i| gpt2::match_end(t, i))?
            }
            Preset::Cl100k => cl100k::scan::<3, _, _>(text, &mut out)?,
            Preset::O200k => o200k::scan::<true, _, _>(text, &mut out)?,
            Preset::Qwen2 => cl100k::scan::<1, _, _>(text, &mut out)?,
            Preset::SuperBpe1 => o200k::scan::<false, _, _>(text, &mut out)?,
            Preset::SuperBpe2 => superbpe::scan_stage2(text, |_, end| out.push(end))?,
            Preset::Code => scan_with(text, &mut out, |t, i| code::match_end(t, i))?,
            Preset::Bert => scan_with(text, &mut out, |t, i| bert::match_end(t, i))?,
            Preset::DeepSeekV3 => deepseek::scan(text, |_, end| out.push(end))?,
        }
        out.flush()
    }
}

/// Most pieces per batch of [`Preset::scan_batches`].
pub const BATCH: usize = 128;

/// Piece ends gathered into batches (see [`Preset::scan_batches`]).
pub(super) struct Batches<F> {
    ends: [usize; BATCH],
    n: usize,
    start: usize,
    batch: F,
}

impl<E, F: FnMut(usize, &[usize]) -> Result<(), E>> Batches<F> {
    #[inline(always)]
    pub(super) fn push(&mut self, end: usize) -> Result<(), E> {
        self.ends[self.n] = end;
        self.n += 1;
        if self.n == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Pushes `base + k` for every bit `k` set in `ends`, in order.
    #[inline(always)]
    pub(super) fn push_mask(&mut self, base: usize, mut ends: u64) -> Result<(), E> {
        if self.n + 64 > BATCH {
            self.flush()?;
        }
        while ends != 0 {
            self.ends[self.n] = base + ends.trailing_zeros() as usize;
            self.n += 1;
            ends &= ends - 1;
        }
        Ok(())
    }

    #[inline]
    fn flush(&mut self) -> Result<(), E> {
        if self.n > 0 {
            (self.batch)(self.start, &self.ends[..self.n])?;
            self.start = self.ends[self.n - 1];
            self.n = 0;
        }
        Ok(())
    }
}

#[inline(always)]
fn scan_with<E, F: FnMut(usize, &[usize]) -> Result<(), E>>(
    text: &str,
    out: &mut Batches<F>,
    match_end: impl Fn(&Text, usize) -> usize,
) -> Result<(), E> {
    let t = Text::new(text);
    let mut i = 0;
    while i < text.len() {
        let end = match_end(&t, i);
        debug_assert!(end > i, "empty match at {i}");
        out.push(end)?;
        i = end;
    }
    Ok(())
}

/// Hands `piece` the matches in `t` (`match_at(t, i)`: the end of the match at `i`, if one starts there) and
/// the gaps between them, as pieces of their own, shifted by `at` (where `t` starts in the whole text).
pub(crate) fn scan_with_gaps<E>(
    t: &Text,
    at: usize,
    match_at: impl Fn(&Text, usize) -> Option<usize>,
    piece: &mut impl FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    let (mut i, mut gap) = (0, 0);
    while i < t.len() {
        match match_at(t, i) {
            Some(end) => {
                if gap < i {
                    piece(at + gap, at + i)?;
                }
                piece(at + i, at + end)?;
                i = end;
                gap = end;
            }
            None => i += t.class(i).1,
        }
    }
    if gap < t.len() {
        piece(at + gap, at + t.len())?;
    }
    Ok(())
}

/// `'s|'t|'re|'ve|'m|'ll|'d` at `i`, case-insensitive (`(?i:…)`, where `s` also matches `ſ`) if `fold`:
/// the end of the match, or `None`.
#[inline]
pub(crate) fn contraction(t: &Text, i: usize, fold: bool) -> Option<usize> {
    let b = t.bytes;
    if b.get(i) != Some(&b'\'') {
        return None;
    }
    let at = |k: usize| {
        let c = b.get(i + k).copied().unwrap_or(0);
        if fold {
            c.to_ascii_lowercase()
        } else {
            c
        }
    };
    let len = match (at(1), at(2)) {
        (b's' | b't' | b'm' | b'd', _) => 2,
        (b'r' | b'v', b'e') | (b'l', b'l') => 3,
        // U+017F LATIN SMALL LETTER LONG S (C5 BF) case-folds to `s`.
        (0xC5, 0xBF) if fold => 3,
        _ => return None,
    };
    Some(i + len)
}

/// `\p{N}{1,3}` at `i`, which holds a number.
pub(crate) fn up_to_three_numbers(t: &Text, i: usize) -> usize {
    up_to_numbers(t, i, 3)
}

/// `\p{N}{1,n}` at `i`, which holds a number.
#[inline]
pub(crate) fn up_to_numbers(t: &Text, i: usize, n: usize) -> usize {
    let mut end = i;
    for _ in 0..n {
        if !t.is(end, NUMBER) {
            break;
        }
        end += t.class(end).1;
    }
    end
}

/// Whether a character is none of `\s`, `\p{L}`, `\p{N}`.
#[inline]
pub(crate) fn is_other(flags: u8) -> bool {
    flags & (LETTER | NUMBER | SPACE) == 0
}

/// ` ?[^\s\p{L}\p{N}]+` followed by a greedy run of the bytes in `trail` (`[\r\n]*`, `[\r\n/]*`) at `i`:
/// the end of the match, or `None`.
pub(crate) fn symbols(t: &Text, i: usize, trail: &[u8]) -> Option<usize> {
    let start = if t.bytes[i] == b' ' { i + 1 } else { i };
    if start >= t.len() || !is_other(t.class(start).0) {
        return None;
    }
    let mut end = t.run_while(start, is_other);
    while end < t.len() && trail.contains(&t.bytes[end]) {
        end += 1;
    }
    Some(end)
}

/// The space character, as a range.
const SPACES: AsciiRange = AsciiRange::byte(b' ');

/// The end of the match at `i`, a whitespace character, of `\s*[\r\n]+|\s+(?!\S)|\s+` (with
/// `newlines`) or of `\s+(?!\S)|\s+`.
///
/// `\s*[\r\n]+` ends after the last `\r`/`\n` of the run of whitespace from `i`; `\s+(?!\S)` takes the
/// whole run at the end of the text and otherwise gives back its last character, which must stay for the
/// next match; a single whitespace character before a non-space is left to `\s+`.
pub(crate) fn whitespace(t: &Text, i: usize, newlines: bool) -> usize {
    let mut end = i;
    let mut last = i;
    let mut after_newline = None;
    while end < t.len() {
        if t.bytes[end] == b' ' {
            // Runs of spaces (indentation) eight at a time.
            end = SPACES.run(t.bytes, end);
            last = end - 1;
            continue;
        }
        let (f, len) = t.class(end);
        if f & SPACE == 0 {
            break;
        }
        if newlines && matches!(t.bytes[end], b'\r' | b'\n') {
            after_newline = Some(end + 1);
        }
        last = end;
        end += len;
    }
    debug_assert!(end > i, "whitespace() called on a non-space at {i}");
    match after_newline {
        Some(e) => e,
        None if end == t.len() || last == i => end,
        None => last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contraction_letters_fold_like_the_regex_crate() {
        // Every character that `(?i)` lets stand for a contraction letter: the letter in both cases, and
        // LONG S for `s`. `contraction` hard-codes exactly these.
        let all: String = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        let folded: String = regex::Regex::new("(?i)[stmdrvle]").unwrap().find_iter(&all).map(|m| m.as_str()).collect();
        assert_eq!(folded, "DELMRSTVdelmrstvſ");
        fn ends(s: &str, fold: bool) -> Option<&str> {
            contraction(&Text::new(s), 0, fold).map(|e| &s[..e])
        }
        for (text, gpt2, folded) in [
            ("'s", Some("'s"), Some("'s")),
            ("'S", None, Some("'S")),
            ("'ſ", None, Some("'ſ")),
            ("'LL", None, Some("'LL")),
            ("'lL", None, Some("'lL")),
            ("'l", None, None),
            ("'rE", None, Some("'rE")),
            ("'ve!", Some("'ve"), Some("'ve")),
            ("'v", None, None),
            ("'x", None, None),
            ("'", None, None),
            ("s", None, None),
        ] {
            assert_eq!(ends(text, false), gpt2, "{text:?}");
            assert_eq!(ends(text, true), folded, "{text:?}");
        }
    }

    #[test]
    fn whitespace_runs() {
        fn end(s: &str, newlines: bool) -> &str {
            &s[..whitespace(&Text::new(s), 0, newlines)]
        }
        assert_eq!(end("   ", false), "   ");
        assert_eq!(end("   x", false), "  ");
        assert_eq!(end(" x", false), " ");
        assert_eq!(end("\u{3000}\u{3000}x", false), "\u{3000}");
        assert_eq!(end(" \n \n  x", false), " \n \n ");
        assert_eq!(end(" \n \n  x", true), " \n \n");
        assert_eq!(end("\r\n\r\n", true), "\r\n\r\n");
    }
}
