//! The Unicode Script_Extensions property of a character (`Latin`, `Cyrillic`, `Han`, ...), from the tables of
//! `regex-syntax` — the same Unicode version as the pre-tokenizers. Used by the vocabulary-composition metric.
use std::collections::HashMap;
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

/// The Script of every code point (an index into `SCRIPTS`, or `OTHER`), and the Script_Extensions (a bit per
/// script of `SCRIPTS`) of the code points whose extensions are not just their Script (`ー`: Common, used by
/// Hiragana and Katakana).
struct Tables {
    script: Vec<u8>,
    extensions: HashMap<u32, u64>,
}

fn unicode_class(property: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new().parse(&format!(r"\p{{{property}}}")).expect("known script");
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c.iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        _ => Vec::new(),
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut script = vec![OTHER; 0x11_0000];
        for (k, name) in SCRIPTS.iter().enumerate() {
            for (start, end) in unicode_class(&format!("Script={name}")) {
                script[start as usize..=end as usize].fill(k as u8);
            }
        }
        let mut extensions: HashMap<u32, u64> = HashMap::new();
        for (k, name) in SCRIPTS.iter().enumerate() {
            for (start, end) in unicode_class(&format!("Script_Extensions={name}")) {
                for c in start..=end {
                    if script[c as usize] != k as u8 {
                        *extensions.entry(c).or_default() |= 1 << k;
                    }
                }
            }
        }
        for (&c, mask) in extensions.iter_mut() {
            if script[c as usize] != OTHER {
                *mask |= 1 << script[c as usize];
            }
        }
        Tables { script, extensions }
    })
}

/// The scripts of `c` by its Script_Extensions property, in `SCRIPTS` order: one for most characters, several
/// for characters shared by scripts (`ー`: Hiragana and Katakana), `["Other"]` for none of `SCRIPTS`.
pub fn scripts_of(c: char) -> Vec<&'static str> {
    let t = tables();
    if let Some(&mask) = t.extensions.get(&(c as u32)) {
        return SCRIPTS.iter().enumerate().filter(|(k, _)| mask >> k & 1 == 1).map(|(_, s)| *s).collect();
    }
    match t.script[c as usize] {
        OTHER => vec!["Other"],
        k => vec![SCRIPTS[k as usize]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_letters() {
        let cases = [('a', "Latin"), ('ж', "Cyrillic"), ('東', "Han"), ('カ', "Katakana"), ('ｶ', "Katakana")];
        for (c, s) in cases {
            assert_eq!(scripts_of(c), [s], "{c}");
        }
        assert_eq!(scripts_of('λ'), ["Greek"]);
        assert_eq!(scripts_of('µ'), ["Other"], "the micro sign is Common");
        assert_eq!(scripts_of('𝐀'), ["Other"], "mathematical letters are Common");
        assert_eq!(scripts_of('1'), ["Other"]);
    }

    #[test]
    fn script_extensions_of_shared_characters() {
        assert_eq!(scripts_of('ー'), ["Hiragana", "Katakana"], "U+30FC is Common, used by both kana");
        assert_eq!(scripts_of('、'), ["Hangul", "Mongolian", "Hiragana", "Katakana", "Bopomofo", "Han", "Yi"]);
    }
}
