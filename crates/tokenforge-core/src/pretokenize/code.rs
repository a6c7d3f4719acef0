//! The code pattern ([`patterns::CODE`](super::patterns::CODE)): identifiers (letters, digits, `_`; not starting
//! with a digit), numbers, multi-character operators and single symbols, each with at most one space before it;
//! a line break with the indentation after it; other runs of spaces and tabs; any other white space alone.
use super::classes::{Text, LETTER, NUMBER, SPACE};

/// Multi-character operators, longest first (the regex tries them in this order).
pub(crate) const OPERATORS: [&str; 28] = [
    "<<=", ">>=", "**=", "//=", "...", "->", "=>", "::", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "++", "--",
    "**", "//", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
];

/// The end of the match starting at `i`.
pub(crate) fn match_end(t: &Text, i: usize) -> usize {
    let b = t.bytes;
    // ` ?identifier`, ` ?\p{N}+`, ` ?operator`, ` ?[^\s\p{L}\p{N}_]`: a space joins what follows it.
    let start = if b[i] == b' ' { i + 1 } else { i };
    if start < t.len() {
        let (f, len) = t.class(start);
        if f & LETTER != 0 || b[start] == b'_' {
            return t.run_while_at(start + len, |f, c| f & (LETTER | NUMBER) != 0 || c == b'_');
        }
        if f & NUMBER != 0 {
            return t.run(start, NUMBER);
        }
        if let Some(op) = OPERATORS.iter().find(|op| b[start..].starts_with(op.as_bytes())) {
            return start + op.len();
        }
        if f & SPACE == 0 {
            return start + len;
        }
    }
    // `\r?\n[ \t]*`, `[ \t]+`, `\s`.
    let tabs_and_spaces = |from: usize| from + b[from..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    match (b[i], b.get(i + 1)) {
        (b'\n', _) => tabs_and_spaces(i + 1),
        (b'\r', Some(b'\n')) => tabs_and_spaces(i + 2),
        (b' ' | b'\t', _) => tabs_and_spaces(i),
        _ => i + t.class(i).1,
    }
}
