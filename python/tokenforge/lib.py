"""LiB, the Less-is-Better model (Yang 2024, "Rethinking Tokenization: Crafting Better Tokenizers for Large
Language Models"; Yang et al., "Less is Better: A cognitively inspired unsupervised model for language
segmentation"): a lexicon of subword *and multiword* units grown by a memorizer and pruned by a forgetter.

Training reads the text line by line, in several passes. Each line is segmented with the current lexicon (fewest
units; on a tie, the higher-scored units). The memorizer adds every pair of adjacent units as a new candidate
unit (or rewards it if known); the forgetter takes a few of the line's multi-character units, segments the line
again without each, and punishes a unit that saved no token (removed when its score drops to zero) while
rewarding one that did. The final lexicon is the `vocab_size − 256` best-scored units after the 256 bytes.

Encoding is the same segmentation (fewest tokens, ties to the better-ranked units), with the 256 byte tokens as
fallback for characters the lexicon lacks, so any text round-trips exactly. Units may cross spaces (`of the`).

**Prototype in Python** (segmentation is a dynamic program over characters in Python: about 1 MB of text per
minute of training on one core); a standalone class (`LibTokenizer`), read by `tokenforge eval` through its
adapter, not yet a `tf.train(algorithm="lib")` family.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable
from pathlib import Path

from tokenforge.errors import ConfigError, TokenizerFileError

FILE = "lib.json"
FORMAT = "tokenforge-lib"
MAX_UNIT = 12
EPOCHS = 2
FORGET_CHECKS = 3
N_BYTES = 256


def segment(text: str, score: dict[str, float], max_len: int = MAX_UNIT, without: str | None = None) -> list[str]:
    """The fewest units of `score` (and single characters) that spell `text`; ties go to the higher total
    score. `without` is left out of the lexicon."""
    n = len(text)
    best: list[tuple[int, float]] = [(0, 0.0)] + [(n + 1, 0.0)] * n
    back = [0] * (n + 1)
    for i in range(1, n + 1):
        cost, bonus = best[i - 1][0] + 1, best[i - 1][1]
        choice = i - 1
        for length in range(2, min(max_len, i) + 1):
            unit = text[i - length : i]
            s = score.get(unit)
            if s is None or unit == without:
                continue
            c, b = best[i - length][0] + 1, best[i - length][1] + s
            if c < cost or (c == cost and b > bonus):
                cost, bonus, choice = c, b, i - length
        best[i] = (cost, bonus)
        back[i] = choice
    out = []
    i = n
    while i > 0:
        out.append(text[back[i] : i])
        i = back[i]
    return out[::-1]


def train_lib(
    texts: Iterable[str], vocab_size: int, *, max_len: int = MAX_UNIT, epochs: int = EPOCHS, seed: int = 0
) -> LibTokenizer:
    """Trains LiB on documents (see the module docstring); lines are read in a seeded random order."""
    if vocab_size <= N_BYTES:
        raise ConfigError(f"vocab_size {vocab_size} must exceed the {N_BYTES} byte tokens")
    lines = [line for t in texts for line in t.splitlines(keepends=True) if line]
    rng = random.Random(seed)
    score: dict[str, float] = {}
    cap = vocab_size - N_BYTES
    for _ in range(epochs):
        rng.shuffle(lines)
        for line in lines:
            seg = segment(line, score, max_len)
            units = sorted({u for u in seg if len(u) > 1})
            for u in seg:  # every use of a unit counts for it
                if u in score:
                    score[u] += 1.0
            for a, b in zip(seg, seg[1:]):  # memorizer: adjacent units become a candidate
                if len(a) + len(b) <= max_len:
                    score.setdefault(a + b, 1.0)
            for u in rng.sample(units, min(FORGET_CHECKS, len(units))):  # forgetter
                saved = len(segment(line, score, max_len, without=u)) - len(seg)
                score[u] += 1.0 if saved > 0 else -2.0
                if score[u] <= 0:
                    del score[u]
            if len(score) > 2 * cap:  # keep the lexicon near its final size, so training sees what encoding will
                keep = sorted(score, key=score.__getitem__, reverse=True)[:cap]
                score = {u: score[u] for u in keep}
    units = sorted(score, key=lambda u: (-score[u], u))[: vocab_size - N_BYTES]
    return LibTokenizer(units, max_len)


class LibTokenizer:
    """Ids 0–255 the bytes, then the units by rank; `encode`/`decode` round-trip exactly."""

    def __init__(self, units: list[str], max_len: int = MAX_UNIT) -> None:
        self.units = list(units)
        self.max_len = max(max_len, max((len(u) for u in self.units), default=1))
        self.unit_id = {u: N_BYTES + i for i, u in enumerate(self.units)}
        # Rank as score: a better-ranked unit wins ties between segmentations of equal length.
        self._rank = {u: float(len(self.units) - i) for i, u in enumerate(self.units)}

    @property
    def vocab_size(self) -> int:
        """The 256 bytes and the units."""
        return N_BYTES + len(self.units)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`: units where the lexicon has them, else the character's UTF-8 bytes."""
        out: list[int] = []
        for piece in segment(text, self._rank, self.max_len):
            uid = self.unit_id.get(piece)
            out.extend([uid] if uid is not None else piece.encode())
        return out

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text."""
        return [self.encode(t) for t in texts]

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
