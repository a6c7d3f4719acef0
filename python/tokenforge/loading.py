"""One loader for every tokenizer file tokenforge reads: a tokenforge directory or `tokenforge.json`, a Hugging
Face `tokenizer.json` (or a directory holding one), GPT-2's `encoder.json` + `vocab.bpe` (either file, or their
directory), a BERT `vocab.txt` (WordPiece), or a `.tiktoken` rank file (which needs its pattern).

The kind is told from the content, not the name: JSON with `"format": "tokenforge"` is ours, JSON with a
`"model"` object goes to the Hugging Face reader, a JSON object of token ids is GPT-2's `encoder.json`, a file
starting with `#version` is GPT-2's `vocab.bpe`, and a file whose first line is a base64 token and a rank (or a
gzip file) is read as tiktoken ranks, a text file with a `[UNK]` line is a BERT `vocab.txt`, a protobuf whose
first field is a piece is a sentencepiece `.model`. Anything else is refused.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tokenforge.errors import ConfigError, InputFileError, TokenizerFileError, UnsupportedError
from tokenforge.interop.bert import VOCAB_FILE, load_bert_vocab
from tokenforge.interop.gpt2 import ENCODER_FILE, MERGES_FILE, VERSION_LINE, load_gpt2
from tokenforge.tokenizer import FORMAT, MODEL_FILE, Tokenizer

HF_FILE = "tokenizer.json"
KINDS = (
    "tokenforge.json, a Hugging Face tokenizer.json, GPT-2's encoder.json + vocab.bpe, a BERT vocab.txt, a "
    "sentencepiece .model or a .tiktoken file"
)
GGUF_MAGIC = b"GGUF"
GZIP_MAGIC = b"\x1f\x8b"
#: A sentencepiece `.model` starts with its first piece: protobuf field 1, length-delimited.
SENTENCEPIECE_START = b"\x0a"
#: The first line of a .tiktoken file: a base64 token and its rank.
TIKTOKEN_LINE = re.compile(rb"[A-Za-z0-9+/]*={0,2} \d+\r?\n")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file or directory") from None
    except OSError as e:
        raise InputFileError(f"{path}: cannot read: {e.strerror}") from None


def _load_json(path: Path, raw: bytes, pattern: str | None) -> Tokenizer:
    if pattern is not None:
        raise ConfigError(f"{path}: a pattern applies only to .tiktoken files; this file names its own pre-tokenizer")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TokenizerFileError(f"{path}: not a tokenizer file (invalid JSON: {e})") from None
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return Tokenizer.from_dict(data, source=str(path))
    # GPT-2's encoder.json maps every token to its id, "model" among them (id 19849): not a tokenizer.json
    gpt2_encoder = isinstance(data, dict) and len(data) >= 256 and all(isinstance(i, int) for i in data.values())
    if isinstance(data, dict) and "model" in data and not gpt2_encoder:
        if not isinstance(data["model"], dict):
            raise TokenizerFileError(
                f'{path}: not a Hugging Face tokenizer.json: its "model" is {type(data["model"]).__name__}, '
                "not an object"
            )
        return Tokenizer.from_huggingface(path)
    if isinstance(data, dict) and data and all(isinstance(i, int) for i in data.values()):
        return load_gpt2(path)
    raise TokenizerFileError(
        f'{path}: JSON, but neither a tokenforge tokenizer (no "format": "{FORMAT}") '
        'nor a Hugging Face tokenizer.json (no "model" object)'
    )


def looks_like_tiktoken(raw: bytes) -> bool:
    """Whether file content is (or may be) tiktoken ranks: its first line a base64 token and a rank, or gzip."""
    return raw.startswith(GZIP_MAGIC) or TIKTOKEN_LINE.match(raw) is not None


def load_any(path: str | os.PathLike, pattern: str | None = None) -> Tokenizer:
    """Loads a tokenizer of any kind tokenforge reads (see the module docstring).

    `pattern` (a preset name such as "gpt4" or a regex) is required for a `.tiktoken` file, which does not
    record how its text was split, and refused for the other kinds, which do.
    """
    p = Path(path)
    if p.is_dir():
        for name in (MODEL_FILE, HF_FILE, ENCODER_FILE, VOCAB_FILE):
            if (p / name).is_file():
                return load_any(p / name, pattern)
        raise InputFileError(
            f"{p}: no tokenizer in this directory (expected {MODEL_FILE}, {HF_FILE}, {ENCODER_FILE} + {MERGES_FILE} "
            f"or {VOCAB_FILE})"
        )
    raw = _read(p)
    head = raw.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise TokenizerFileError(f"{p}: empty file, not a tokenizer")
    if head.startswith(b"{"):
        return _load_json(p, raw, pattern)
    if head.startswith(VERSION_LINE.encode()):
        if pattern is not None:
            raise ConfigError(f"{p}: a pattern applies only to .tiktoken files; GPT-2's files use GPT-2's pattern")
        return load_gpt2(p.with_name(ENCODER_FILE), p)
    if raw.startswith(GGUF_MAGIC):
        raise UnsupportedError(f"{p}: not supported yet: GGUF files ({KINDS} are)")
    if b"\n[UNK]\n" in b"\n" + raw.replace(b"\r\n", b"\n"):
        if pattern is not None:
            raise ConfigError(f"{p}: a pattern applies only to .tiktoken files; a vocab.txt uses BERT's pre-tokenizer")
        return load_bert_vocab(p)
    if raw.startswith(SENTENCEPIECE_START):
        if pattern is not None:
            raise ConfigError(f"{p}: a pattern applies only to .tiktoken files; a sentencepiece model does not split")
        return Tokenizer.from_sentencepiece(p)
    if not looks_like_tiktoken(raw):
        raise TokenizerFileError(f"{p}: not a tokenizer file tokenforge reads ({KINDS})")
    if pattern is None:
        raise ConfigError(
            f"{p}: a .tiktoken file does not record its pre-tokenizer: give its pattern "
            "(gpt2, gpt4, o200k or a regex; --pattern on the command line)"
        )
    return Tokenizer.from_tiktoken(p, pattern=pattern)
