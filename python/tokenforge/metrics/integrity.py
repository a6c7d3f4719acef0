"""Linguistic integrity (after Bayram et al. 2025, "Tokenization Standards for Linguistic Integrity: Turkish as a
Benchmark"): how many of the tokens a tokenizer produces on a corpus are real words or morphemes of a language.

The tokens are the distinct ids produced on the corpus (the reference code's denominator: unique tokens, not
occurrences). A token's text is its surface without leading or trailing white space (a `▁` or leading space
removed), folded to lower case (with Turkish/Azerbaijani dotted and dotless i for `tr`/`az`); tokens left empty
(white space only) and control tokens are not counted.

- `valid_word_tokens` = share of those tokens that are in the word list;
- `pure_tokens` = share that are a root (the word list, or a separate root list) or an affix of the affix list.

Word lists: one entry per line; a hunspell `.dic` works as is (its first line, the entry count, is skipped, and
`/FLAGS` after an entry are dropped). Affix lists: one affix per line, a leading or trailing `-` ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from tokenforge.errors import CorpusError, InputFileError
from tokenforge.metrics.compression import ratio

DOTTED_I_LANGUAGES = ("tr", "az")


def fold(text: str, language: str | None = None) -> str:
    """Lower case, with the Turkish i/ı rules for `tr` and `az`."""
    if language and language.split("-")[0].lower() in DOTTED_I_LANGUAGES:
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def read_list(path: str | os.PathLike, language: str | None = None, strip: str = "") -> set[str]:
    """The entries of a word or affix list (see the module docstring), folded to lower case."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise InputFileError(f"{p}: cannot read: {e.strerror}") from None
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise CorpusError(f"{p}: not UTF-8 (invalid byte at offset {e.start})") from None
    if lines and lines[0].strip().isdigit():
        lines = lines[1:]
    entries = (line.split("/")[0].split() for line in lines)
    folded = {fold(fields[0].strip(strip), language) for fields in entries if fields}
    folded.discard("")
    return folded


def token_texts(surfaces: Iterable[bytes], language: str | None = None) -> set[str]:
    """The distinct, folded, stripped texts of token surfaces (empty ones dropped)."""
    texts = {fold(s.decode("utf-8", "replace").strip(), language) for s in surfaces}
    texts.discard("")
    return texts


def integrity(
    tokens: set[str], words: set[str], affixes: set[str] = frozenset(), roots: set[str] | None = None
) -> dict[str, float | None]:
    """`valid_word_tokens` and `pure_tokens` of a set of distinct token texts."""
    pure = (words if roots is None else roots) | affixes
    return {
        "valid_word_tokens": ratio(len(tokens & words), len(tokens)),
        "pure_tokens": ratio(len(tokens & pure), len(tokens)),
    }
