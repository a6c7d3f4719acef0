"""BERT's `vocab.txt`: one WordPiece token per line, the line number its id (as Google's BERT and Hugging Face's
`BertWordPieceTokenizer` read it). The file holds nothing else: BERT's pipeline is assumed (`bert` normalizer,
uncased unless `lowercase=False`; `bert` pre-tokenizer; `##` continuations; `[UNK]`), and the tokens among
`[PAD] [UNK] [CLS] [SEP] [MASK]` become special tokens."""

from __future__ import annotations

import os
from pathlib import Path

from tokenforge.errors import ConfigError, TokenforgeError, TokenizerFileError
from tokenforge.interop.huggingface import read_file, write_files
from tokenforge.models import WordPieceModel
from tokenforge.models.wordpiece import BERT_SPECIALS, bert_extras
from tokenforge.tokenizer import Tokenizer

VOCAB_FILE = "vocab.txt"
#: The largest vocab.txt read (real ones are a few MB; this bounds the memory a hostile file takes).
MAX_VOCAB_BYTES = 64 << 20


def load_bert_vocab(path: str | os.PathLike, lowercase: bool = True) -> Tokenizer:
    """A WordPiece tokenizer from a BERT `vocab.txt` (or a directory holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / VOCAB_FILE
    if p.is_file() and p.stat().st_size > MAX_VOCAB_BYTES:
        raise TokenizerFileError(f"{p}: {p.stat().st_size:,} bytes is too large for a BERT vocab.txt")
    try:
        text = read_file(p).decode("utf-8")
    except UnicodeDecodeError as e:
        raise TokenizerFileError(f"{p}: not a BERT vocab.txt (not UTF-8 at byte {e.start})") from None
    tokens = text.split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    tokens = [t.rstrip() for t in tokens]
    seen: dict[str, int] = {}
    for i, t in enumerate(tokens):
        if not t:
            raise TokenizerFileError(f"{p}: line {i + 1} is empty (not a BERT vocab.txt)")
        if t in seen:
            raise TokenizerFileError(f"{p}: line {i + 1}: token {t!r} is also on line {seen[t] + 1}")
        seen[t] = i
    if "[UNK]" not in seen:
        raise TokenizerFileError(f"{p}: no [UNK] token (not a BERT vocab.txt)")
    special = {t: seen[t] for t in BERT_SPECIALS if t in seen}
    normalizer = "bert" if lowercase else "bert-cased"
    try:
        return Tokenizer(
            [t.encode() for t in tokens],
            (),
            "bert",
            special,
            None,
            normalizer,
            model=WordPieceModel(),
            **bert_extras(special),
        )
    except TokenforgeError as e:
        raise TokenizerFileError(f"{p}: {e}") from None


def save_bert_vocab(tok: Tokenizer, path: str | os.PathLike) -> Path:
    """Writes the tokens of a WordPiece tokenizer as `vocab.txt` (a directory gets `vocab.txt` inside)."""
    if not isinstance(tok.model, WordPieceModel) or tok.model.prefix != "##" or tok.model.unk_token != "[UNK]":
        raise ConfigError("a BERT vocab.txt holds a WordPiece tokenizer with ## continuations and [UNK]")
    p = Path(path)
    if p.is_dir() or not p.suffix:
        p = p / VOCAB_FILE
    lines = []
    for i in range(tok.vocab_size):
        t = tok.token_bytes(i).decode("utf-8")
        if not t or "\n" in t or "\r" in t:
            raise ConfigError(f"token {i} ({t!r}) cannot be a line of vocab.txt")
        lines.append(t + "\n")
    write_files({p: "".join(lines)})
    return p
