"""Compression: how much text one token carries.

- `bytes_per_token` = UTF-8 bytes of the raw text / tokens.
- `chars_per_token` = Unicode code points of the raw text / tokens.
- `tokens_per_char` = tokens / code points (the unit KL3M reports; lower is better).

Bytes and characters are counted on the raw input, before any normaliser the tokenizer applies.
"""

from __future__ import annotations


def ratio(numerator: float, denominator: float) -> float | None:
    """`numerator / denominator`, or None (n/a) when the denominator is 0."""
    return numerator / denominator if denominator else None


def compression(n_bytes: int, n_chars: int, n_tokens: int) -> dict[str, float | None]:
    """The three compression figures of a text of `n_bytes` bytes and `n_chars` characters in `n_tokens`
    tokens."""
    return {
        "bytes_per_token": ratio(n_bytes, n_tokens),
        "chars_per_token": ratio(n_chars, n_tokens),
        "tokens_per_char": ratio(n_tokens, n_chars),
    }
