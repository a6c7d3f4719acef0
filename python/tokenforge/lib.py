"""LiB, the Less-is-Better model (Yang 2024, "Rethinking Tokenization: Crafting Better Tokenizers for Large
Language Models"; Yang et al., "Less is Better: A cognitively inspired unsupervised model for language
segmentation"): a lexicon of subword *and multiword* units grown by a memorizer and pruned by a forgetter.

Training reads the text line by line, in several passes (lines in a seeded random order). Each line is segmented
with the current lexicon (fewest units; on a tie, the higher-scored units) and every use of a unit scores +1. The
memorizer adds every pair of adjacent units as a new candidate (score 1); the forgetter takes up to three of the
line's multi-character units, segments the line again without each, and scores −2 a unit that saved no token
(removed at zero), +1 one that did. The lexicon is cut back to its final size whenever it doubles; the final
vocabulary is the 256 bytes, then the `vocab_size − 256` best-scored units.

Encoding is the same segmentation (fewest tokens, ties to the better-ranked units), with the 256 byte tokens as
fallback for characters the lexicon lacks, so any text round-trips exactly. Units may cross spaces (`of the`).

Training and encoding run in the Rust core (`crates/tokenforge-core/src/model/lib/`); this module holds the
Python class (`LibTokenizer`: save, load, decode), read by `tokenforge eval` through its adapter. It is not yet a
`tf.train(algorithm="lib")` family of the model registry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenizerFileError

FILE = "lib.json"
FORMAT = "tokenforge-lib"
MAX_UNIT = 12
EPOCHS = 2
N_BYTES = 256


def train_lib(
    texts: Iterable[str], vocab_size: int, *, max_len: int = MAX_UNIT, epochs: int = EPOCHS, seed: int = 0
) -> LibTokenizer:
    """Trains LiB on documents (see the module docstring); lines are read in a seeded random order."""
    if vocab_size <= N_BYTES:
        raise ConfigError(f"vocab_size {vocab_size} must exceed the {N_BYTES} byte tokens")
    lines = [line for t in texts for line in t.splitlines(keepends=True) if line]
    return LibTokenizer(_core.train_lib(lines, vocab_size - N_BYTES, max_len, epochs, seed), max_len)


class LibTokenizer:
    """Ids 0–255 the bytes, then the units by rank; `encode`/`decode` round-trip exactly."""

    def __init__(self, units: list[str], max_len: int = MAX_UNIT) -> None:
        self.units = list(units)
        self.max_len = max(max_len, max((len(u) for u in self.units), default=1))
        self._core = _core.Lib(self.units, self.max_len)

    @property
    def vocab_size(self) -> int:
        """The 256 bytes and the units."""
        return N_BYTES + len(self.units)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`: units where the lexicon has them (fewest, ties to the better-ranked), else the
        characters' UTF-8 bytes."""
        return self._core.encode(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, on all cores."""
        return self._core.encode_batch(list(texts))

    def token_bytes(self, i: int) -> bytes:
        """The bytes of id `i`."""
        return bytes([i]) if i < N_BYTES else self.units[i - N_BYTES].encode()

    def decode(self, ids: list[int]) -> str:
        """The text of `ids`."""
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", "replace")

    def save(self, directory: str | os.PathLike) -> Path:
        """Writes `lib.json` into `directory`."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "version": 1, "max_len": self.max_len, "units": self.units}
        (d / FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return d / FILE

    @classmethod
    def load(cls, directory: str | os.PathLike) -> LibTokenizer:
        """Reads what `save` wrote."""
        path = Path(directory) / FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise TokenizerFileError(f"{path}: cannot read a LiB tokenizer ({type(e).__name__}: {e})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("units"), list):
            raise TokenizerFileError(f"{path}: not a LiB tokenizer")
        return cls([str(u) for u in data["units"]], int(data.get("max_len", MAX_UNIT)))
