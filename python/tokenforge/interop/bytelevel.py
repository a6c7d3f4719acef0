"""GPT-2's byte-level alphabet: the printable character that stands for each byte in `tokenizer.json` files.

Bytes that are printable Latin-1 (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) stand for themselves; the other 68 bytes take
the characters U+0100.. in increasing byte order (so the space is `Ġ`, the newline `Ċ`).
"""

from __future__ import annotations


def _byte_chars() -> tuple[str, ...]:
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in chars]
    chars.update({b: chr(256 + i) for i, b in enumerate(others)})
    return tuple(chars[b] for b in range(256))


BYTE_TO_CHAR: tuple[str, ...] = _byte_chars()
"""`BYTE_TO_CHAR[b]` is the character standing for byte `b`."""

CHAR_TO_BYTE: dict[str, int] = {c: b for b, c in enumerate(BYTE_TO_CHAR)}
"""The inverse of `BYTE_TO_CHAR`."""


def to_unicode(token: bytes) -> str:
    """The byte-level string of `token` (`b" the"` → `"Ġthe"`)."""
    return "".join(BYTE_TO_CHAR[b] for b in token)


def from_unicode(text: str) -> bytes | None:
    """The bytes behind a byte-level string, or None when `text` has a character outside the alphabet."""
    try:
        return bytes(CHAR_TO_BYTE[c] for c in text)
    except KeyError:
        return None
