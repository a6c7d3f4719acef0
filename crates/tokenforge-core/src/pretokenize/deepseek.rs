//! DeepSeek-V3's pre-tokenizer: a `Sequence` of three `Split`s, each cutting the pieces the one before left,
//! `\p{N}{1,3}`, then `[一-龥぀-ゟ゠-ヿ]+` (CJK ideographs and kana), then
//! `[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|`
//! `\s*[\r\n]+|\s+(?!\S)|\s+` (`R`).
//!
//! Numbers are in neither of the later classes, so the first split's number pieces come out whole: runs of
//! `\p{N}` cut into threes. Between them, the second split leaves maximal runs of the kana/ideograph range
//! and runs of everything else; `R` then splits each such run on its own (its end is the end of the text
//! for `\s+(?!\S)`). `R` does not cover all text: characters that start no match (controls, format and
//! unassigned characters not followed by a letter or mark) stay as gaps, pieces of their own.
use super::classes::{Text, LOWER, NUMBER, SPACE, SYMBOL, UPPER};
use super::scan::{scan_with_gaps, up_to_three_numbers, whitespace};

/// `[\p{L}\p{M}]`: the o200k word classes together (checked by a test in `classes.rs`).
const LETTER_OR_MARK: u8 = UPPER | LOWER;

/// Hands the byte range of each piece of `text` to `piece`, in order, until it fails.
pub(crate) fn scan<E>(text: &str, mut piece: impl FnMut(usize, usize) -> Result<(), E>) -> Result<(), E> {
    let t = Text::new(text);
    let mut i = 0;
    while i < text.len() {
        if t.class(i).0 & NUMBER != 0 {
            let end = up_to_three_numbers(&t, i);
            piece(i, end)?;
            i = end;
            continue;
        }
        let cjk = is_cjk(t.bytes, i);
        let mut end = i;
        while end < text.len() && is_cjk(t.bytes, end) == cjk {
            let (f, len) = t.class(end);
            if f & NUMBER != 0 {
                break;
            }
            end += len;
        }
        scan_with_gaps(&Text::new(&text[i..end]), i, match_end, &mut piece)?;
        i = end;
    }
    Ok(())
}

/// Whether the character at `i` is in `[一-龥぀-ゟ゠-ヿ]` (U+4E00–U+9FA5, U+3040–U+30FF; three bytes in UTF-8).
#[inline]
fn is_cjk(bytes: &[u8], i: usize) -> bool {
    let b = bytes[i];
    if !(0xE3..=0xE9).contains(&b) {
        return false;
    }
    let cp = u32::from(b & 0x0F) << 12 | u32::from(bytes[i + 1] & 0x3F) << 6 | u32::from(bytes[i + 2] & 0x3F);
    (0x3040..=0x30FF).contains(&cp) || (0x4E00..=0x9FA5).contains(&cp)
}

/// The end of the match of `R` starting at `i` of a run, if one starts there.
fn match_end(t: &Text, i: usize) -> Option<usize> {
    let b = t.bytes[i];
    // `[!"#…~][A-Za-z]+`
    if b.is_ascii_punctuation() && t.bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
        return Some(i + 1 + t.bytes[i + 1..].iter().take_while(|c| c.is_ascii_alphabetic()).count());
    }
    let (f, len) = t.class(i);
    // `[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+`: a mark is both the optional character and the run's first.
    if f & LETTER_OR_MARK != 0 {
        return Some(t.run_while(i, |f| f & LETTER_OR_MARK != 0));
    }
    if f & SYMBOL == 0 && !matches!(b, b'\r' | b'\n') && t.is(i + len, LETTER_OR_MARK) {
        return Some(t.run_while(i + len, |f| f & LETTER_OR_MARK != 0));
    }
    // ` ?[\p{P}\p{S}]+[\r\n]*`
    let start = if b == b' ' { i + 1 } else { i };
    if t.is(start, SYMBOL) {
        let mut end = t.run_while(start, |f| f & SYMBOL != 0);
        while end < t.len() && matches!(t.bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        return Some(end);
    }
    // `\s*[\r\n]+|\s+(?!\S)|\s+`
    (f & SPACE != 0).then(|| whitespace(t, i, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretokenize::classes::char_flags;

    #[test]
    fn the_cjk_range_is_three_byte_characters_without_numbers() {
        let range = regex::Regex::new("^[一-龥぀-ゟ゠-ヿ]$").unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(is_cjk(s.as_bytes(), 0), range.is_match(&s), "U+{:04X}", c as u32);
            assert!(!range.is_match(&s) || char_flags(c) & NUMBER == 0, "U+{:04X}", c as u32);
        }
    }
}
