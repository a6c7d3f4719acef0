"""Words and tokens: fertility, continued words and whole-word tokens.

A word is a maximal run of non-white-space characters (Python's `str.split()`, i.e. Unicode White_Space).

- `fertility` = tokens / words (the whole text's tokens, white-space-only tokens included).
- `continued_words` = share of words whose bytes overlap two or more tokens (a token reaching over two words
  counts for both).
- `whole_word_tokens` = share of tokens that cover exactly one word: the word's only token, reaching into no
  other word (a leading or trailing space may belong to it).

The last two need each token's byte span (see `adapters`); they are None (n/a) when the tokenizer cannot tell.

Languages written without spaces between words have no meaningful fertility: it is None for the language codes
in `NO_SPACE_LANGUAGES` and, for text of unknown language, when at least half of its letters belong to scripts
written without spaces (`NO_SPACE_RANGES`: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tokenforge.metrics.compression import ratio

#: ISO 639 codes (primary subtag) of languages written without spaces between words.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz", "yue", "wuu", "cmn", "lzh"})
#: Code point ranges (inclusive) of the scripts written without spaces.
NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # Han extension A
    (0x4E00, 0x9FFF),  # Han
    (0xF900, 0xFAFF),  # Han compatibility
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # Han extensions B and later
)
#: The white-space code points of `str.isspace()`.
WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
SHARE_NO_SPACE = 0.5


@dataclass
class Words:
    """The words of a text: byte spans (`starts`, `ends`) in its UTF-8, and how many of its letters
    (ASCII letters and non-ASCII non-space characters) are in scripts written without spaces."""

    starts: np.ndarray
    ends: np.ndarray
    letters: int
    no_space_letters: int


def code_points(text: str) -> np.ndarray:
    """The code points of `text` as an array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def find_words(text: str) -> Words:
    """The words of `text` with their byte spans."""
    cp = code_points(text)
    space = np.isin(cp, WHITESPACE)
    widths = 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)
    offsets = np.zeros(len(cp) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    inside = np.concatenate(([False], ~space, [False])).astype(np.int8)
    edges = np.diff(inside)
    starts = offsets[np.flatnonzero(edges == 1)]
    ends = offsets[np.flatnonzero(edges == -1)]
    ascii_letter = ((cp >= 0x41) & (cp <= 0x5A)) | ((cp >= 0x61) & (cp <= 0x7A))
    letters = ascii_letter | ((cp >= 0x80) & ~space)
    no_space = np.zeros(len(cp), dtype=bool)
    for lo, hi in NO_SPACE_RANGES:
        no_space |= (cp >= lo) & (cp <= hi)
    return Words(starts, ends, int(letters.sum()), int(no_space.sum()))


def written_without_spaces(language: str | None, letters: int, no_space_letters: int) -> bool:
    """Whether fertility is n/a: a language code (primary subtag, any case) of `NO_SPACE_LANGUAGES`, or no
    language given and at least half of the letters in scripts written without spaces."""
    if language:
        return language.replace("_", "-").split("-")[0].lower() in NO_SPACE_LANGUAGES
    return letters > 0 and no_space_letters / letters >= SHARE_NO_SPACE


@dataclass
class WordCounts:
    """Sums over a text: words, words split into several tokens, tokens that are a whole word."""

    words: int = 0
    continued: int = 0
    whole_word_tokens: int = 0

    def add(self, other: WordCounts) -> None:
        """Adds the sums of another piece of text."""
        self.words += other.words
        self.continued += other.continued
        self.whole_word_tokens += other.whole_word_tokens


def align(words: Words, tok_starts: np.ndarray, tok_ends: np.ndarray) -> WordCounts:
    """Words split into ≥ 2 tokens and tokens covering exactly one word, from the byte spans of both (tokens in
    text order, spans non-decreasing)."""
    ws, we = words.starts, words.ends
    first = np.searchsorted(tok_ends, ws, side="right")  # first token ending after the word starts
    stop = np.searchsorted(tok_starts, we, side="left")  # tokens starting before the word ends
    per_word = stop - first
    single = np.flatnonzero(per_word == 1)
    token = first[single]
    prev_end = np.concatenate(([0], we[:-1]))[single]
    next_start = np.concatenate((ws[1:], [np.iinfo(np.int64).max]))[single]
    whole = (tok_starts[token] >= prev_end) & (tok_ends[token] <= next_start)
    return WordCounts(len(ws), int((per_word >= 2).sum()), int(whole.sum()))


def fertility(n_tokens: int, counts: WordCounts, spans_known: bool, no_spaces: bool) -> dict[str, float | None]:
    """`fertility`, `continued_words` and `whole_word_tokens` (None where n/a, see the module docstring)."""
    return {
        "fertility": None if no_spaces else ratio(n_tokens, counts.words),
        "continued_words": ratio(counts.continued, counts.words) if spans_known and not no_spaces else None,
        "whole_word_tokens": ratio(counts.whole_word_tokens, n_tokens) if spans_known else None,
    }
