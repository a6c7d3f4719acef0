//! The character classes of the preset patterns, and a cursor that classifies text quickly.
//!
//! The classes are parsed by `regex-syntax`, the parser behind `regex` and `fancy-regex`, so they agree
//! with the regex engine code point for code point (same Unicode version). They are packed once into a
//! two-level table of flag bytes: one load for ASCII, two for anything else, no hashing.
use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};
use rustc_hash::FxHashMap;

/// `\p{L}`.
pub(crate) const LETTER: u8 = 1;
/// `\p{N}`.
pub(crate) const NUMBER: u8 = 2;
/// `\s` (Unicode White_Space).
pub(crate) const SPACE: u8 = 4;
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`: the leading (upper-case) part of an o200k word.
pub(crate) const UPPER: u8 = 8;
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`: the trailing (lower-case) part of an o200k word.
pub(crate) const LOWER: u8 = 16;
/// BERT's punctuation: `\p{P}` and every ASCII symbol.
pub(crate) const PUNCT: u8 = 32;
/// `[\p{P}\p{S}]`: punctuation and symbols (DeepSeek's pattern).
pub(crate) const SYMBOL: u8 = 64;

/// Each flag with the regex class it stands for.
pub(crate) const CLASSES: [(u8, &str); 7] = [
    (LETTER, r"\p{L}"),
    (NUMBER, r"\p{N}"),
    (SPACE, r"\s"),
    (UPPER, r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"),
    (LOWER, r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"),
    (PUNCT, r"[\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]"),
    (SYMBOL, r"[\p{P}\p{S}]"),
];

const BLOCK_BITS: u32 = 7;
const BLOCK: usize = 1 << BLOCK_BITS;
const CODE_POINTS: usize = 0x11_0000;

/// Flags of every code point: `blocks[index[cp >> 7] * 128 + (cp & 127)]`, identical blocks stored once;
/// ASCII also in a fixed-size array, indexed without bounds checks.
struct Table {
    ascii: [u8; 128],
    index: Box<[u16]>,
    blocks: Box<[u8]>,
}

/// The code point ranges of a one-class regex.
fn class_ranges(class: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new().parse(class).expect("preset classes are valid regex classes");
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c.iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        other => unreachable!("{class} parsed as {other:?}"),
    }
}

impl Table {
    fn build() -> Table {
        let mut flat = vec![0u8; CODE_POINTS];
        for (flag, class) in CLASSES {
            for (lo, hi) in class_ranges(class) {
                for f in &mut flat[lo as usize..=hi as usize] {
                    *f |= flag;
                }
            }
        }
        let mut index = Vec::with_capacity(CODE_POINTS / BLOCK);
        let mut blocks = Vec::new();
        let mut seen: FxHashMap<&[u8], u16> = FxHashMap::default();
        for chunk in flat.chunks(BLOCK) {
            let id = *seen.entry(chunk).or_insert_with(|| {
                blocks.extend_from_slice(chunk);
                u16::try_from(blocks.len() / BLOCK - 1).expect("fewer than 65536 distinct blocks")
            });
            index.push(id);
        }
        let ascii = flat[..128].try_into().expect("128 ASCII flags");
        Table { ascii, index: index.into(), blocks: blocks.into() }
    }

    fn get() -> &'static Table {
        static TABLE: OnceLock<Table> = OnceLock::new();
        TABLE.get_or_init(Table::build)
    }

    #[inline]
    fn flags(&self, cp: u32) -> u8 {
        let block = self.index[(cp >> BLOCK_BITS) as usize] as usize;
        self.blocks[(block << BLOCK_BITS) | (cp as usize & (BLOCK - 1))]
    }
}

/// The class flags of one character.
pub(crate) fn char_flags(c: char) -> u8 {
    Table::get().flags(c as u32)
}

/// UTF-8 text with its classifier: positions are byte offsets at character boundaries.
pub(crate) struct Text<'a> {
    pub(crate) bytes: &'a [u8],
    table: &'static Table,
}

impl<'a> Text<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Text { bytes: text.as_bytes(), table: Table::get() }
    }

    /// Byte length.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Flags and UTF-8 length of the character at `i` (`i < len`).
    #[inline(always)]
    pub(crate) fn class(&self, i: usize) -> (u8, usize) {
        let b = self.bytes[i];
        if b < 0x80 {
            (self.table.ascii[b as usize], 1)
        } else {
            self.class_multibyte(i, b)
        }
    }

    #[inline(never)]
    fn class_multibyte(&self, i: usize, b: u8) -> (u8, usize) {
        let cont = |k: usize| (self.bytes[i + k] & 0x3F) as u32;
        let (cp, len) = if b < 0xE0 {
            (((b & 0x1F) as u32) << 6 | cont(1), 2)
        } else if b < 0xF0 {
            (((b & 0x0F) as u32) << 12 | cont(1) << 6 | cont(2), 3)
        } else {
            (((b & 0x07) as u32) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3), 4)
        };
        (self.table.flags(cp), len)
    }

    /// Whether there is a character at `i` with one of the flags in `mask`.
    #[inline]
    pub(crate) fn is(&self, i: usize, mask: u8) -> bool {
        i < self.len() && self.class(i).0 & mask != 0
    }

    /// The end of the run of characters from `i` whose flags satisfy `keep`.
    #[inline]
    pub(crate) fn run_while(&self, mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
        while i < self.len() {
            let (f, len) = self.class(i);
            if !keep(f) {
                break;
            }
            i += len;
        }
        i
    }

    /// The end of the run of characters from `i` for which `keep(flags, first byte)` holds.
    #[inline]
    pub(crate) fn run_while_at(&self, mut i: usize, keep: impl Fn(u8, u8) -> bool) -> usize {
        while i < self.len() {
            let (f, len) = self.class(i);
            if !keep(f, self.bytes[i]) {
                break;
            }
            i += len;
        }
        i
    }

    /// The end of the run of characters from `i` with one of the flags in `mask`. ASCII stretches of the
    /// classes that are one ASCII range ([`ascii_range`]) go eight bytes at a time.
    #[inline(always)]
    pub(crate) fn run(&self, mut i: usize, mask: u8) -> usize {
        let Some(range) = ascii_range(mask) else {
            return self.run_while(i, |f| f & mask != 0);
        };
        loop {
            i = range.run(self.bytes, i);
            if i >= self.len() {
                return i;
            }
            let (f, len) = self.class(i);
            if f & mask == 0 {
                return i;
            }
            i += len;
        }
    }
}

/// The ASCII members of a class that is one range of bytes, `lo..=hi`, either case if `fold`.
#[derive(Clone, Copy)]
pub(crate) struct AsciiRange {
    lo: u8,
    hi: u8,
    fold: bool,
}

/// The ASCII range of the classes [`Text::run`] speeds up (checked against the table by a test).
#[inline(always)]
pub(crate) const fn ascii_range(mask: u8) -> Option<AsciiRange> {
    match mask {
        LETTER => Some(AsciiRange { lo: b'a', hi: b'z', fold: true }),
        LOWER => Some(AsciiRange { lo: b'a', hi: b'z', fold: false }),
        UPPER => Some(AsciiRange { lo: b'A', hi: b'Z', fold: false }),
        NUMBER => Some(AsciiRange { lo: b'0', hi: b'9', fold: false }),
        _ => None,
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

impl AsciiRange {
    /// The range of one ASCII byte.
    pub(crate) const fn byte(b: u8) -> Self {
        AsciiRange { lo: b, hi: b, fold: false }
    }

    /// The high bit of each byte of `word` that is in the range (SWAR: a byte below 0x80 plus `0x80 - k`
    /// sets its high bit, without carrying into the next byte, exactly when it is at least `k`).
    #[inline(always)]
    fn members(self, word: u64) -> u64 {
        let folded = if self.fold { word | (0x20 * ONES) } else { word };
        let low = folded & !HIGH;
        let at_least_lo = low + (0x80 - self.lo as u64) * ONES;
        let above_hi = low + (0x7F - self.hi as u64) * ONES;
        at_least_lo & !above_hi & !word & HIGH
    }

    /// The end of the run of bytes in the range from `i`, eight at a time while eight bytes remain.
    #[inline(always)]
    pub(crate) fn run(self, bytes: &[u8], mut i: usize) -> usize {
        while let Some(window) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(window.try_into().expect("8 bytes"));
            let outside = !self.members(word) & HIGH;
            if outside != 0 {
                return i + (outside.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < bytes.len() && self.members(bytes[i] as u64) != 0 {
            i += 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scalar value, in order.
    fn all_chars() -> String {
        (0..=0x10FFFF).filter_map(char::from_u32).collect()
    }

    #[test]
    fn flags_agree_with_the_regex_crate_on_every_code_point() {
        let all = all_chars();
        for (flag, class) in CLASSES {
            let mut expected = vec![false; CODE_POINTS];
            for m in regex::Regex::new(&format!("{class}+")).unwrap().find_iter(&all) {
                for c in m.as_str().chars() {
                    expected[c as usize] = true;
                }
            }
            let text = Text::new(&all);
            let mut i = 0;
            for c in all.chars() {
                let (f, len) = text.class(i);
                assert_eq!(len, c.len_utf8());
                assert_eq!(f & flag != 0, expected[c as usize], "{class} on U+{:04X}", c as u32);
                i += len;
            }
        }
    }

    #[test]
    fn ascii_ranges_agree_with_the_table() {
        for mask in [LETTER, LOWER, UPPER, NUMBER, SPACE, PUNCT] {
            let Some(range) = ascii_range(mask) else { continue };
            for b in 0..=255u8 {
                let member = b < 0x80 && Table::get().ascii[b as usize] & mask != 0;
                assert_eq!(range.members(b as u64) != 0, member, "mask {mask} byte {b:#04x}");
                let mut text = vec![b'a'; 3];
                text.extend([b; 9]);
                let end = if member { 12 } else { 3 };
                assert_eq!(range.run(&text, 3), end, "mask {mask} byte {b:#04x}");
            }
        }
    }

    fn flags(c: char) -> u8 {
        Table::get().flags(c as u32)
    }

    #[test]
    fn classes_relate_as_the_scanners_assume() {
        let letter_or_mark = regex::Regex::new(r"^[\p{L}\p{M}]$").unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let f = flags(c);
            let at_most_one = |mask: u8| (f & mask).count_ones() <= 1;
            // Letters, numbers and spaces are disjoint; every letter is in an o200k word class; the rest
            // of those classes (the marks) are neither numbers nor spaces.
            assert!(at_most_one(LETTER | NUMBER | SPACE), "U+{:04X}", c as u32);
            assert!(f & LETTER == 0 || f & (UPPER | LOWER) != 0, "U+{:04X}", c as u32);
            assert!(f & (UPPER | LOWER) == 0 || f & (NUMBER | SPACE) == 0, "U+{:04X}", c as u32);
            // `[\p{L}\p{M}]` is exactly the o200k word classes together; symbols are in none of the others.
            assert_eq!(f & (UPPER | LOWER) != 0, letter_or_mark.is_match(c.encode_utf8(&mut [0; 4])));
            assert!(f & SYMBOL == 0 || f & (LETTER | NUMBER | SPACE | UPPER | LOWER) == 0, "U+{:04X}", c as u32);
        }
    }
}
