"""Vocabulary composition (after Qtok, Chelombitko et al. 2024): what kinds of entries a vocabulary holds.

Every entry falls in exactly one category, the first that applies:
- `control`: special, control and unknown tokens;
- `byte`: byte-fallback pieces (`<0xXX>`) and single non-ASCII bytes of a byte-level vocabulary;
- `partial_utf8`: bytes that are not UTF-8 on their own (a piece of a character; Qtok's "errors");
- `single_char`: one character, possibly after a leading space;
- `word_initial`: starts a word (leading space, `▁`, or a WordPiece piece without `##`);
- `word_internal`: everything else (continues a word, or punctuation, digits and white space without a space
  before them).

Script (`scripts`): the script the entry's letters share by the Unicode Script_Extensions property (`Latin`,
`Cyrillic`, `Han`, `Katakana`, ...; so `ー`, Common by the Script property but used by Hiragana and Katakana, goes
with the kana around it; letters of the Common script, such as mathematical letters, and of rare scripts count
as `Other`), `Mixed` when the letters share no script, `No letters` when it has none; control, byte and partial
entries are not counted.

Overlap: `jaccard(A, B)` = |A ∩ B| / |A ∪ B| over the entries' forms (surface bytes, a word-initial entry with a
leading space), control entries left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache

from tokenforge import _core
from tokenforge.metrics.adapters import VocabEntry

CATEGORIES = ("control", "byte", "partial_utf8", "single_char", "word_initial", "word_internal")
NO_LETTERS = "No letters"
MIXED = "Mixed"


def category(entry: VocabEntry) -> str:
    """The category of one entry (see the module docstring)."""
    if entry.control:
        return "control"
    surface = entry.surface
    if entry.byte_fallback or (len(surface) == 1 and surface[0] >= 0x80):
        return "byte"
    try:
        text = surface.decode("utf-8")
    except UnicodeDecodeError:
        return "partial_utf8"
    if len(text) == 1 or (len(text) == 2 and text[0] == " "):
        return "single_char"
    return "word_initial" if entry.word_initial else "word_internal"


@cache
def char_scripts(ch: str) -> frozenset[str]:
    """The scripts of a letter by Script_Extensions (`tokenforge._core.char_scripts`, from the regex engine's
    tables): one for most letters, several for letters scripts share (`ー`: Hiragana and Katakana)."""
    return frozenset(_core.char_scripts(ch))


def script(text: str) -> str:
    """The script all of a text's letters share (by Script_Extensions; the first in the core's order when
    several remain), `Mixed`, or `No letters`."""
    letters = [char_scripts(ch) for ch in text if ch.isalpha()]
    if not letters:
        return NO_LETTERS
    shared = frozenset.intersection(*letters)
    if not shared:
        return MIXED
    return next(s for s in _core.char_scripts(next(ch for ch in text if ch.isalpha())) if s in shared)


def composition(entries: Iterable[VocabEntry]) -> dict[str, dict[str, int]]:
    """`{"categories": {category: entries}, "scripts": {script: entries}}` (categories in `CATEGORIES` order,
    all present; scripts by decreasing count)."""
    categories: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    for e in entries:
        kind = category(e)
        categories[kind] += 1
        if kind not in ("control", "byte", "partial_utf8"):
            scripts[script(e.surface.decode("utf-8"))] += 1
    return {
        "categories": {c: categories[c] for c in CATEGORIES},
        "scripts": dict(sorted(scripts.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def forms(entries: Iterable[VocabEntry]) -> set[bytes]:
    """The comparable forms of the non-control entries (a word-initial entry with one leading space)."""
    return {
        e.surface if not e.word_initial or e.surface.startswith(b" ") else b" " + e.surface
        for e in entries
        if not e.control
    }


def jaccard(a: set[bytes], b: set[bytes]) -> float | None:
    """|a ∩ b| / |a ∪ b| (None when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else None
