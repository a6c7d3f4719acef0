"""Reference helpers: Hugging Face `tokenizers` set up the way tokenforge's semantics are defined."""

from __future__ import annotations

import json

from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers


def _bytes_to_unicode() -> dict[str, int]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = list(bs)
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


UNICODE_TO_BYTE = _bytes_to_unicode()


def unbyte(token: str) -> bytes:
    """The bytes behind a byte-level token string (`"Ġthe"` → `b" the"`)."""
    return bytes(UNICODE_TO_BYTE[c] for c in token)


def hf_pretokenizer(pattern: str | list[str]) -> pre_tokenizers.PreTokenizer:
    """`Split(pattern, isolated)` (one for each of a list of patterns) then `ByteLevel` without its own regex
    (plain ByteLevel for no pattern)."""
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    if not pattern:
        return byte_level
    steps = [pattern] if isinstance(pattern, str) else pattern
    return pre_tokenizers.Sequence([*(pre_tokenizers.Split(Regex(p), "isolated") for p in steps), byte_level])


def hf_train(docs, vocab_size: int, pattern: str | list[str], min_frequency: int = 0) -> list[tuple[bytes, bytes]]:
    """Merges that HF's BpeTrainer learns from `docs`, as byte pairs in rank order."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = hf_pretokenizer(pattern)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    return [(unbyte(a), unbyte(b)) for a, b in merges]
