"""`Encoding`: ids with their tokens, character offsets and type ids (`Tokenizer.encode(text, offsets=True)`), and
the alignment that takes offsets in normalized text back to the original text."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tokenforge.errors import UnsupportedError
from tokenforge.normalizers import normalize

Span = tuple[int, int]


@dataclass(frozen=True)
class Encoding:
    """The ids of a text (or a pair), as Hugging Face's `Encoding` holds them: `tokens[i]` is the vocabulary
    string of `ids[i]` (`Tokenizer.id_to_token`), `offsets[i]` the `(start, end)` characters of the original text
    it came from (a token holding part of a character spans all of it; a token the post-processor added spans
    `(0, 0)`; in a pair, offsets are into the text the token came from), `type_ids[i]` 0 for the first text and
    the template's type id for the rest."""

    ids: list[int]
    tokens: list[str]
    offsets: list[Span]
    type_ids: list[int]

    def __len__(self) -> int:
        return len(self.ids)


def align(name: str, text: str) -> tuple[str, list[int]]:
    """`(normalized text, source)`: `source[j]` is the character of `text` that normalized character `j` came
    from. Works for a normalizer that acts character by character on `text` (the `bert` ones always do; NFC/NFKC
    when nothing composes across characters); otherwise UnsupportedError."""
    one = functools.lru_cache(maxsize=None)(functools.partial(normalize, name))
    parts = [one(c) for c in text]
    normalized = "".join(parts)
    if normalized != normalize(name, text):
        raise UnsupportedError(
            f"offsets through the {name} normalizer: this text does not normalize one character at a time "
            "(characters compose); encode it without offsets"
        )
    return normalized, [i for i, part in enumerate(parts) for _ in part]


def to_source(spans: list[Span], source: list[int], size: int) -> list[Span]:
    """Spans in normalized text as spans in the original text of `size` characters (see `align`)."""
    out = []
    for start, end in spans:
        if end > start:
            out.append((source[start], source[end - 1] + 1))
        else:
            at = source[start] if start < len(source) else size
            out.append((at, at))
    return out
