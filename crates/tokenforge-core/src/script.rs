//! The Unicode Script property of a character (`Latin`, `Cyrillic`, `Han`, ...), from the tables of
//! `regex-syntax` — the same Unicode version as the pre-tokenizers. Used by the vocabulary-composition metric.
use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};

/// The scripts told apart; a character in none of them is `Other` (`Common` and `Inherited` included).
const SCRIPTS: &[&str] = &[
    "Latin",
    "Greek",
    "Cyrillic",
    "Armenian",
    "Hebrew",
    "Arabic",
    "Syriac",
    "Thaana",
    "Nko",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Oriya",
    "Tamil",
    "Telugu",
    "Kannada",
    "Malayalam",
    "Sinhala",
    "Thai",
    "Lao",
    "Tibetan",
    "Myanmar",
    "Georgian",
    "Hangul",
    "Ethiopic",
    "Cherokee",
    "Canadian_Aboriginal",
    "Ogham",
    "Runic",
    "Khmer",
    "Mongolian",
    "Hiragana",
    "Katakana",
    "Bopomofo",
    "Han",
    "Yi",
    "Tifinagh",
    "Javanese",
    "Balinese",
    "Sundanese",
    "Vai",
    "Tagalog",
    "Coptic",
    "Gothic",
    "Glagolitic",
    "Adlam",
    "Ol_Chiki",
];
const OTHER: u8 = u8::MAX;

/// Script index of every code point.
fn table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = vec![OTHER; 0x11_0000];
        for (k, name) in SCRIPTS.iter().enumerate() {
            let hir = regex_syntax::Parser::new().parse(&format!(r"\p{{Script={name}}}")).expect("known script");
            if let HirKind::Class(Class::Unicode(c)) = hir.kind() {
                for r in c.iter() {
                    t[r.start() as usize..=r.end() as usize].fill(k as u8);
                }
            }
        }
        t
    })
}

/// The script of `c`, or `"Other"`.
pub fn script_of(c: char) -> &'static str {
    match table()[c as usize] {
        OTHER => "Other",
        k => SCRIPTS[k as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_letters() {
        let cases = [('a', "Latin"), ('ж', "Cyrillic"), ('東', "Han"), ('カ', "Katakana"), ('ｶ', "Katakana")];
        for (c, s) in cases {
            assert_eq!(script_of(c), s, "{c}");
        }
        assert_eq!(script_of('λ'), "Greek");
        assert_eq!(script_of('µ'), "Other", "the micro sign is Common");
        assert_eq!(script_of('𝐀'), "Other", "mathematical letters are Common");
        assert_eq!(script_of('1'), "Other");
    }
}
