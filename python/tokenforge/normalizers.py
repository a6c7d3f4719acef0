"""Normalizers: what text becomes before pre-tokenization, in training and in encoding, by name."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable

#: Hugging Face's `BertNormalizer` counts these code points as Chinese characters (CJK ideographs).
CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _char_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


@functools.cache
def _bert_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Control characters to drop (categories C* but tab, newline, return; NUL and U+FFFD), whitespace to make
    a space, Chinese characters to pad."""
    drop: list[tuple[int, int]] = []
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if (unicodedata.category(c)[0] == "C" and c not in "\t\n\r") or cp == 0xFFFD:
            if drop and drop[-1][1] == cp - 1:
                drop[-1] = (drop[-1][0], cp)
            else:
                drop.append((cp, cp))
    space = re.compile(r"[\t\n\r\s]")
    return re.compile(f"[{_char_class(drop)}]+"), space, re.compile(f"([{_char_class(list(CJK_RANGES))}])")


def bert_cased(text: str) -> str:
    """Hugging Face's `BertNormalizer(lowercase=False)`: drop control characters, white space to spaces, spaces
    around Chinese characters."""
    drop, space, cjk = _bert_patterns()
    return cjk.sub(r" \1 ", space.sub(" ", drop.sub("", text)))


def bert(text: str) -> str:
    """Hugging Face's `BertNormalizer` with BERT's (uncased) defaults: `bert_cased`, then accents stripped (NFD
    without nonspacing marks) and lowercase."""
    text = unicodedata.normalize("NFD", bert_cased(text))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


#: Every normalizer by name (None: text as it is).
NORMALIZERS: dict[str, Callable[[str], str]] = {
    "NFC": functools.partial(unicodedata.normalize, "NFC"),
    "NFKC": functools.partial(unicodedata.normalize, "NFKC"),
    "bert": bert,
    "bert-cased": bert_cased,
}


def normalize(name: str | None, text: str) -> str:
    """`text` under the normalizer `name`."""
    return NORMALIZERS[name](text) if name else text
