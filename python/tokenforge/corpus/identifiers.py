"""Identifier anonymisation for source code (after Tokompiler, Kadosh et al. 2023): every identifier that is not a
keyword or a well-known name becomes `v1`, `v2`, ... in order of first appearance in the document, so a tokenizer
learns the structure of code rather than its names. Use it on a corpus before training with the `code`
pre-tokenizer, and on text before encoding with such a tokenizer; it is one-way (the names are gone).

It works on the text alone: identifiers inside strings and comments are renamed too, and attribute names after
`.` or `->` are renamed like any other name."""

from __future__ import annotations

import builtins
import keyword
import re

IDENTIFIER = re.compile(r"[^\W\d]\w*")
C_NAMES = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if inline int long
    register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
    _Bool _Complex _Atomic _Alignas _Alignof _Generic _Noreturn _Static_assert _Thread_local
    include define undef ifdef ifndef elif endif pragma error line defined
    NULL bool true false size_t ssize_t ptrdiff_t intptr_t uintptr_t int8_t int16_t int32_t int64_t uint8_t uint16_t
    uint32_t uint64_t wchar_t FILE""".split()
)
#: Names kept as they are: Python's keywords and built-ins, C's keywords, preprocessor words and standard types.
KEEP = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) | C_NAMES


def anonymize(text: str, keep: frozenset[str] = KEEP) -> str:
    """`text` with every identifier not in `keep` replaced by `v<n>`, n counting distinct names from 1."""
    names: dict[str, str] = {}

    def rename(m: re.Match) -> str:
        name = m.group(0)
        if name in keep:
            return name
        return names.setdefault(name, f"v{len(names) + 1}")

    return IDENTIFIER.sub(rename, text)
