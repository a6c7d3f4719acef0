//! Hugging Face's `BertNormalizer`: control characters dropped, white space made spaces, spaces around CJK
//! ideographs; uncased, accents stripped (NFD without nonspacing marks) and each character lowercased.

use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

/// The code points `BertNormalizer` counts as Chinese characters (CJK ideographs).
const CJK: [(u32, u32); 8] = [
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
];

/// `BertNormalizer` with `clean_text` and `handle_chinese_chars`; `lowercase` also strips accents (BERT's
/// uncased defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BertNormalizer {
    pub lowercase: bool,
}

/// Dropped: control, format and private-use characters (Cc, Cf, Co, as Hugging Face's tables, from
/// `unicode_categories`, give them; unassigned ones stay) but tab, newline and return; U+FFFD.
fn dropped(c: char) -> bool {
    c == '\u{FFFD}' || (!matches!(c, '\t' | '\n' | '\r') && c.is_other())
}

/// Appends `c` cleaned: dropped, a space, padded with spaces (a CJK ideograph) or as it is.
fn push_clean(c: char, out: &mut String) {
    if dropped(c) {
    } else if c.is_whitespace() {
        out.push(' ');
    } else if CJK.iter().any(|&(lo, hi)| (lo..=hi).contains(&(c as u32))) {
        out.push(' ');
        out.push(c);
        out.push(' ');
    } else {
        out.push(c);
    }
}

impl BertNormalizer {
    /// Appends the normalized form of `text` to `out`. Uncased, ASCII goes byte by byte; each run of other
    /// characters is cleaned, decomposed (NFD reorders marks only between starters, and ASCII is a starter),
    /// stripped of nonspacing marks and lowercased.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        if !self.lowercase {
            text.chars().for_each(|c| push_clean(c, out));
            return;
        }
        let mut run = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
            for &b in &rest.as_bytes()[..ascii] {
                match b {
                    b'\t' | b'\n' | b'\r' | b' ' => out.push(' '),
                    0..=0x1F | 0x7F => {}
                    _ => out.push(b.to_ascii_lowercase() as char),
                }
            }
            rest = &rest[ascii..];
            let other = rest.find(|c: char| c.is_ascii()).unwrap_or(rest.len());
            run.clear();
            rest[..other].chars().for_each(|c| push_clean(c, &mut run));
            for c in run.nfd().filter(|c| !c.is_mark_nonspacing()) {
                out.extend(c.to_lowercase());
            }
            rest = &rest[other..];
        }
    }

    /// The normalized form of `text`.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        self.normalize_into(text, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_pads_and_strips() {
        let uncased = BertNormalizer { lowercase: true };
        assert_eq!(uncased.normalize("Héllo\u{0}\tWORLD\u{200b}中文 ΟΔΟΣ\u{FFFD}"), "hello world 中  文  οδοσ");
        let cased = BertNormalizer { lowercase: false };
        assert_eq!(cased.normalize("Héllo\u{7f}\n中"), "Héllo  中 ");
    }
}
