"""What the corpus readers are told (`CorpusOptions`) and what they report back (`CorpusStats`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from tokenforge.errors import ConfigError

Segment = tuple[Union[str, bytes], bool]
"""A piece of a document and whether the document ends with it."""

BLOCK_SIZE = 4 << 20
INVALID_UTF8_MODES = ("error", "replace", "skip")


@dataclass
class CorpusOptions:
    """How to read a corpus.

    `text_field`: the field of a JSON-lines record holding its text. `text_column`: the Parquet column holding
    the text (default: `text_field`). `split_lines`: each line of a text file is a document (newline kept, as in
    Hugging Face `train(files)`). `on_invalid_utf8`: `error`, `replace` (U+FFFD) or `skip`. `block_size`: bytes
    per block read from a text file.
    """

    text_field: str = "text"
    split_lines: bool = False
    on_invalid_utf8: str = "error"
    block_size: int = BLOCK_SIZE
    text_column: str | None = None

    def __post_init__(self) -> None:
        if self.on_invalid_utf8 not in INVALID_UTF8_MODES:
            raise ConfigError(f"on_invalid_utf8 must be error, replace or skip, not {self.on_invalid_utf8!r}")
        if self.block_size < 1:
            raise ConfigError(f"block_size must be positive, not {self.block_size}")
        if self.text_column is None:
            self.text_column = self.text_field


@dataclass
class CorpusStats:
    """What was read: files, documents, bytes of text (decompressed), invalid UTF-8 bytes replaced or dropped,
    and files of a directory that were left out because they look binary."""

    files: int = 0
    documents: int = 0
    bytes: int = 0
    invalid_bytes: int = 0
    skipped_files: int = 0
    #: The share of the corpus learned from (Binary BPE under a memory cap learns from a sample of its chunks).
    learned_share: float = 1.0
    #: The memory cap training ran under when none was given (half the available memory), in bytes; not part of
    #: what was read, so stats compare equal without it.
    default_cap: int | None = field(default=None, compare=False)
    #: Whether training resumed from a checkpoint (the figures above still cover the whole run).
    resumed: bool = False
