//! Inputs that make backtracking regex engines slow (long runs that look-ahead and `\s+(?!\S)` walk
//! over again and again) split by the preset scanners in one pass: 10 MB each, checked for coverage and
//! for the piece count the pattern implies.
use tokenforge_core::pretokenize::Pretokenizer;

const SIZE: usize = 10_000_000;

/// `unit` repeated to `SIZE` bytes, then `tail`.
fn repeated(unit: &str, tail: &str) -> String {
    unit.repeat(SIZE / unit.len()) + tail
}

/// Splits `text` with each preset and checks the pieces rebuild it and number `gpt2`, `gpt4`, `o200k`.
fn check(text: &str, expected: [usize; 3]) {
    let head: String = text.chars().take(4).collect();
    for (name, count) in ["gpt2", "gpt4", "o200k"].into_iter().zip(expected) {
        let mut pieces = Vec::new();
        Pretokenizer::new(name).unwrap().split(text, &mut pieces).unwrap();
        assert_eq!(pieces.len(), count, "{name} on {head:?}…");
        assert_eq!(pieces.iter().map(|p| p.len()).sum::<usize>(), text.len(), "{name} on {head:?}…");
        assert!(pieces.concat() == text, "{name} on {head:?}…: pieces do not rebuild the text");
    }
}

#[test]
fn one_long_run_is_one_piece() {
    for unit in [" ", "\u{3000}", "\n", "\r\n", "\t ", "a", "A", "中", "\u{301}", "'", "!?"] {
        check(&repeated(unit, ""), [1, 1, 1]);
    }
}

#[test]
fn digits_come_in_threes_except_in_gpt2() {
    let n = SIZE + 1;
    check(&repeated("7", "7"), [1, n.div_ceil(3), n.div_ceil(3)]);
}

#[test]
fn whitespace_before_a_word_gives_up_its_last_character() {
    // `\s+(?!\S)` stops one short, and the last space starts the word (` ?\p{L}+`, or cl100k's and
    // o200k's optional non-letter before letters).
    check(&repeated(" ", "x"), [2, 2, 2]);
    // gpt2 leaves the last newline alone (`\s+`); `\s*[\r\n]+` takes all newlines.
    check(&repeated("\n", "x"), [3, 2, 2]);
}

#[test]
fn many_small_pieces() {
    // "a", then " a" for every further unit, then the final space.
    let units = SIZE / 2;
    check(&repeated("a ", ""), [units + 1, units + 1, units + 1]);
}

#[test]
fn a_mark_before_capitals_backtracks_to_itself_in_o200k() {
    // o200k: `X?U*W+` first takes the mark as X, then all capitals as U, finds no W and backtracks to
    // the mark (a W) alone; the capitals then match `U+`. cl100k takes the mark as the optional
    // non-letter before `\p{L}+`; for gpt2 it is punctuation.
    check(&("\u{301}".to_owned() + &repeated("A", "")), [2, 1, 2]);
}

#[test]
fn capitals_after_a_modifier_letter_backtrack_in_o200k() {
    // o200k: `U*` takes all of "ʰAʰA…ʰA" (`ʰ` is Lm, in U and W), finds no W after it and gives back
    // to the last `ʰ`, which `W+` takes; the final "A" is a match of its own. Elsewhere all are letters.
    check(&repeated("ʰA", ""), [1, 1, 2]);
}
