"""GPT-2's original vocabulary files, as OpenAI published them: `encoder.json` (byte-level token string → id)
and `vocab.bpe` (the merges by rank, one `left right` pair per line after a `#version` line). `tokenizers`
reads the same pair with `models.BPE.from_file`.

The files do not say which tokens are special: a token of `encoder.json` that is neither one byte nor made by a
merge (GPT-2's `<|endoftext|>`) is read as a special token. The pre-tokenizer is GPT-2's (byte-level, its regex,
no prefix space).
"""

from __future__ import annotations

import os
from pathlib import Path

from tokenforge.errors import InputFileError, TokenizerFileError
from tokenforge.interop.bytelevel import from_unicode
from tokenforge.interop.huggingface import _Reader, read_file, read_json
from tokenforge.tokenizer import Tokenizer

ENCODER_FILE = "encoder.json"
MERGES_FILE = "vocab.bpe"
VERSION_LINE = "#version"


class _Gpt2Reader(_Reader):
    """The tokenizer.json reader, with errors that name GPT-2's files."""

    def corrupt(self, what: str) -> TokenizerFileError:
        """The error for files that break the format."""
        return TokenizerFileError(f"{self.source}: corrupt GPT-2 vocabulary: {what}")


def _merge_lines(path: Path) -> list[str]:
    """The merge lines of a `vocab.bpe` (its `#version` line left out)."""
    try:
        text = read_file(path).decode("utf-8")
    except UnicodeDecodeError as e:
        raise TokenizerFileError(f"{path}: not a GPT-2 vocab.bpe (not UTF-8: {e})") from None
    return [line for line in text.splitlines() if not line.startswith(VERSION_LINE)]


def load_gpt2(encoder: str | os.PathLike, merges: str | os.PathLike | None = None) -> Tokenizer:
    """Loads GPT-2's `encoder.json` and `vocab.bpe` (by default the `vocab.bpe` beside `encoder.json`)."""
    encoder_path = Path(encoder)
    merges_path = Path(merges) if merges is not None else encoder_path.with_name(MERGES_FILE)
    if not merges_path.is_file():
        raise InputFileError(f"{encoder_path}: a GPT-2 {ENCODER_FILE} needs its {MERGES_FILE}: {merges_path} not found")
    vocab = read_json(encoder_path)
    if not isinstance(vocab, dict):
        raise TokenizerFileError(f"{encoder_path}: not a GPT-2 {ENCODER_FILE} (not a JSON object of token ids)")
    lines = _merge_lines(merges_path)
    made = {"".join(parts) for parts in (line.split(" ") for line in lines) if len(parts) == 2}
    special = [t for t in vocab if t not in made and not (len(t) == 1 and from_unicode(t) is not None)]
    data = {
        "model": {"type": "BPE", "vocab": vocab, "merges": lines},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
        "added_tokens": [{"id": vocab[t], "content": t, "special": True} for t in special],
    }
    return _Gpt2Reader(f"{encoder_path} + {merges_path.name}").read(data)
