//! Normalization before pre-tokenization: sentencepiece's normalizer and Hugging Face's `BertNormalizer`.
//!
//! sentencepiece rewrites text with its precompiled character map (NFKC-like rules: full-width forms, odd
//! whitespace, control characters), then applies its whitespace rules: drop leading, trailing and repeated
//! spaces (`remove_extra_whitespaces`), put one space in front (`add_dummy_prefix`, or behind with
//! `treat_whitespace_as_suffix`), and write every space as `▁` (`escape_whitespaces`). User-defined symbols
//! are matched first, longest at each position, and kept as they are.

mod bert;
mod charsmap;

pub use bert::BertNormalizer;
pub use charsmap::Charsmap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

use crate::error::{Error, Result};

/// sentencepiece's whitespace symbol, U+2581 LOWER ONE EIGHTH BLOCK.
pub const SPACE: &str = "\u{2581}";

/// The settings of sentencepiece's `NormalizerSpec` (plus the trainer's `treat_whitespace_as_suffix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpmOptions {
    pub add_dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
    pub escape_whitespaces: bool,
    pub treat_whitespace_as_suffix: bool,
    /// The dummy prefix only goes in front of text that does not start with a space or `▁` (Hugging Face's
    /// `Metaspace`; sentencepiece adds it to every text).
    pub prefix_unless_space: bool,
    /// The dummy prefix only for text at the start of its document, not for text after a special or added
    /// token (Hugging Face's `Metaspace` with `prepend_scheme: first`).
    pub prefix_first_only: bool,
}

/// sentencepiece's normalizer.
#[derive(Clone)]
pub struct SpmNormalizer {
    map: Option<Charsmap>,
    options: SpmOptions,
    /// User-defined symbols, matched anchored and longest-first before the map.
    user: Option<AhoCorasick>,
    /// The ASCII bytes that stay as they are when an ASCII byte follows (no rule for them or continuing them
    /// with ASCII, no user-defined symbol starting with them, not a space): runs of them are copied whole.
    plain: [bool; 128],
}

impl SpmNormalizer {
    /// A normalizer from the bytes of a precompiled charsmap (empty: no map), the options and the
    /// user-defined symbols.
    pub fn new(charsmap: &[u8], options: SpmOptions, user_defined: &[String]) -> Result<Self> {
        let map = if charsmap.is_empty() { None } else { Some(Charsmap::new(charsmap)?) };
        let symbols: Vec<&String> = user_defined.iter().filter(|s| !s.is_empty()).collect();
        let user = if symbols.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .start_kind(StartKind::Anchored)
                    .build(&symbols)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?,
            )
        };
        let mut plain = [false; 128];
        for (b, p) in plain.iter_mut().enumerate() {
            let b = b as u8;
            *p = b != b' '
                && !map.as_ref().is_some_and(|m| m.rewrites_before_ascii(b))
                && !symbols.iter().any(|s| s.as_bytes()[0] == b);
        }
        Ok(SpmNormalizer { map, options, user, plain })
    }

    /// The settings.
    pub fn options(&self) -> SpmOptions {
        self.options
    }

    /// The replacement of the longest rule at the start of `text` and the bytes it consumes (one character,
    /// unchanged, when no rule matches).
    fn prefix<'a>(&'a self, text: &'a str) -> (&'a str, usize) {
        if let Some(user) = &self.user {
            if let Some(m) = user.find(Input::new(text).anchored(Anchored::Yes)) {
                return (&text[..m.end()], m.end());
            }
        }
        if let Some((len, replacement)) = self.map.as_ref().and_then(|m| m.longest_prefix(text.as_bytes())) {
            return (replacement, len);
        }
        let len = text.chars().next().map_or(0, char::len_utf8);
        (&text[..len], len)
    }

    /// How many bytes at the start of `text` stay as they are: plain ASCII bytes, each followed by ASCII (or
    /// the end), so that no rule reaches past them.
    fn plain_run(&self, text: &[u8]) -> usize {
        let mut run = 0;
        while run < text.len()
            && text[run] < 128
            && self.plain[text[run] as usize]
            && text.get(run + 1).is_none_or(|&next| next < 128)
        {
            run += 1;
        }
        run
    }

    /// Appends the normalized form of `text` to `out`.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        self.normalize_aligned(text, true, out, &mut NoAlignment);
    }

    /// As [`normalize_into`](Self::normalize_into) for text between special or added tokens, `at_start` when
    /// it starts its document.
    pub fn normalize_segment_into(&self, text: &str, at_start: bool, out: &mut String) {
        self.normalize_aligned(text, at_start, out, &mut NoAlignment);
    }

    /// The normalized form of `text` and, for each of its bytes and then its end, the byte of `text` it came
    /// from (sentencepiece's `norm_to_orig`: every byte of a replacement and the dummy prefix point where their
    /// characters start, the end where removed trailing spaces start).
    pub fn normalize_with_alignment(&self, text: &str, at_start: bool) -> (String, Vec<usize>) {
        let mut out = String::with_capacity(text.len() + 3);
        let mut align = Vec::with_capacity(text.len() + 4);
        self.normalize_aligned(text, at_start, &mut out, &mut align);
        (out, align)
    }

    /// The normalization, recording where each output byte came from in `align` (nothing, for plain encoding:
    /// compiled apart for each, so that plain normalization pays nothing).
    #[inline(always)]
    fn normalize_aligned(&self, mut text: &str, at_start: bool, out: &mut String, align: &mut impl Alignment) {
        let o = self.options;
        let dummy_prefix = o.add_dummy_prefix && (at_start || !o.prefix_first_only);
        let total = text.len();
        let space = if o.escape_whitespaces { SPACE } else { " " };
        if o.remove_extra_whitespaces {
            while !text.is_empty() {
                let (rep, len) = self.prefix(text);
                if rep != " " {
                    break;
                }
                text = &text[len..];
            }
        }
        if text.is_empty() {
            align.same(total, 1);
            return;
        }
        let start = out.len();
        let starts_with_space = o.prefix_unless_space && self.prefix(text).0.starts_with([' ', '\u{2581}']);
        if dummy_prefix && !o.treat_whitespace_as_suffix && !starts_with_space {
            out.push_str(space);
            align.same(total - text.len(), space.len());
        }
        let mut prev_space = o.remove_extra_whitespaces;
        while !text.is_empty() {
            let run = self.plain_run(text.as_bytes());
            if run > 0 {
                out.push_str(&text[..run]);
                align.run(total - text.len(), run);
                text = &text[run..];
                prev_space = false;
                continue;
            }
            let (mut rep, len) = self.prefix(text);
            if prev_space {
                rep = rep.trim_start_matches(' ');
            }
            // Byte tests, not `str` methods: this runs once per character.
            if let Some(&last) = rep.as_bytes().last() {
                let before = out.len();
                if o.escape_whitespaces && rep.as_bytes().contains(&b' ') {
                    let mut from = 0;
                    for (i, &b) in rep.as_bytes().iter().enumerate() {
                        if b == b' ' {
                            out.push_str(&rep[from..i]);
                            out.push_str(SPACE);
                            from = i + 1;
                        }
                    }
                    out.push_str(&rep[from..]);
                } else {
                    out.push_str(rep);
                }
                align.same(total - text.len(), out.len() - before);
                prev_space = last == b' ';
            }
            text = &text[len..];
            if !o.remove_extra_whitespaces {
                prev_space = false;
            }
        }
        let mut end = total;
        if o.remove_extra_whitespaces {
            while out.len() > start && out.ends_with(space) {
                out.truncate(out.len() - space.len());
                end = align.cut(out.len() - start).unwrap_or(end);
            }
        }
        if dummy_prefix && o.treat_whitespace_as_suffix {
            out.push_str(space);
            align.same(end, space.len());
        }
        align.same(end, 1);
    }

    /// The normalized form of `text`.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 3);
        self.normalize_into(text, &mut out);
        out
    }
}

/// A normalizer the encoder runs before pre-tokenization.
#[derive(Clone)]
pub enum Normalizer {
    Spm(Box<SpmNormalizer>),
    Bert(BertNormalizer),
}

impl Normalizer {
    /// Appends the normalized form of `text`, text between special or added tokens, to `out`; `at_start` when
    /// it starts its document.
    pub fn normalize_into(&self, text: &str, at_start: bool, out: &mut String) {
        match self {
            Normalizer::Spm(n) => n.normalize_segment_into(text, at_start, out),
            Normalizer::Bert(n) => n.normalize_into(text, out),
        }
    }

    /// The normalized form of a whole text.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        self.normalize_into(text, true, &mut out);
        out
    }
}

/// Where the bytes a normalization appends came from (see [`SpmNormalizer::normalize_with_alignment`]); a
/// `Vec` starts empty with the output.
trait Alignment {
    /// `n` bytes came from the characters at byte `origin`.
    fn same(&mut self, origin: usize, n: usize);
    /// `n` bytes were copied from bytes `origin..origin + n`.
    fn run(&mut self, origin: usize, n: usize);
    /// The output was cut to `len` bytes (since this normalization began): where the first byte cut came from.
    fn cut(&mut self, len: usize) -> Option<usize>;
}

/// Plain normalization: records nothing.
struct NoAlignment;

impl Alignment for NoAlignment {
    #[inline(always)]
    fn same(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn run(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn cut(&mut self, _: usize) -> Option<usize> {
        None
    }
}

impl Alignment for Vec<usize> {
    fn same(&mut self, origin: usize, n: usize) {
        self.extend(std::iter::repeat_n(origin, n));
    }
    fn run(&mut self, origin: usize, n: usize) {
        self.extend(origin..origin + n);
    }
    fn cut(&mut self, len: usize) -> Option<usize> {
        let origin = self.get(len).copied();
        self.truncate(len);
        origin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(add_dummy_prefix: bool, remove_extra_whitespaces: bool) -> SpmNormalizer {
        let options = SpmOptions {
            add_dummy_prefix,
            remove_extra_whitespaces,
            escape_whitespaces: true,
            treat_whitespace_as_suffix: false,
            prefix_unless_space: false,
            prefix_first_only: false,
        };
        SpmNormalizer::new(&[], options, &[]).unwrap()
    }

    #[test]
    fn whitespace_rules() {
        assert_eq!(plain(true, true).normalize("  hello   world  "), "▁hello▁world");
        assert_eq!(plain(false, true).normalize("  hello   world  "), "hello▁world");
        assert_eq!(plain(true, false).normalize(" a  b "), "▁▁a▁▁b▁");
        assert_eq!(plain(true, true).normalize("   "), "");
        let metaspace = SpmOptions { prefix_unless_space: true, ..plain(true, false).options() };
        let metaspace = SpmNormalizer::new(&[], metaspace, &[]).unwrap();
        assert_eq!(metaspace.normalize(" a"), "▁a");
        assert_eq!(metaspace.normalize("a "), "▁a▁");
        assert_eq!(metaspace.normalize("▁a"), "▁a", "a text that starts with ▁ gets none in front");
    }

    #[test]
    fn alignment_points_where_each_byte_came_from() {
        let (out, align) = plain(true, true).normalize_with_alignment("  ab  c  ", true);
        assert_eq!(out, "▁ab▁c");
        // ▁ (the dummy prefix) where "a" starts, a, b, ▁ (the first space kept), c, then the end where the
        // trailing spaces start.
        assert_eq!(align, [2, 2, 2, 2, 3, 4, 4, 4, 6, 7]);
        assert_eq!(plain(true, true).normalize_with_alignment("  ", true).1, [2]);
    }

    #[test]
    fn user_defined_symbols_are_kept_whole() {
        let options = SpmOptions {
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
            treat_whitespace_as_suffix: false,
            prefix_unless_space: false,
            prefix_first_only: false,
        };
        let n = SpmNormalizer::new(&[], options, &["<x y>".to_owned()]).unwrap();
        assert_eq!(n.normalize("a <x y>b"), "▁a▁<x▁y>b");
    }
}
