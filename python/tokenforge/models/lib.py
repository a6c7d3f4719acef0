"""LiB, the Less-is-Better model (Yang 2024): a lexicon of subword and multiword units; a pre-token is split into
the fewest units (ties to the better-ranked units, i.e. lower ids), characters outside the lexicon into their
byte tokens, so decoding is the tokens' bytes.

Encoding runs in `crates/tokenforge-core/src/model/lib/model.rs`; the learner (memorizer and forgetter) in
`trainer.rs` beside it (`tokenforge.training.lib`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenforge import _core
from tokenforge.errors import TokenizerFileError
from tokenforge.models.base import Model

#: The longest unit learned by default, in characters.
MAX_UNIT = 12


@dataclass
class LibModel(Model):
    """The units are the vocabulary's tokens of two characters or more; `max_len` is the longest unit tried (in
    characters; at least the longest unit)."""

    max_len: int = MAX_UNIT
    type = "lib"

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.LibModel:
        return _core.LibModel(self.max_len)

    def facts(self) -> list[tuple[str, str]]:
        return [("longest unit", f"{self.max_len} characters")]

    def to_dict(self) -> dict:
        return {"type": self.type, "max_len": self.max_len}

    @classmethod
    def from_dict(cls, data: dict, source: str) -> LibModel:
        try:
            max_len = int(data.get("max_len", MAX_UNIT))
        except (TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt LiB model ({type(e).__name__}: {e})") from None
        if not 1 <= max_len <= 1024:
            raise TokenizerFileError(f"{source}: corrupt LiB model (max_len {max_len} is not from 1 to 1024)")
        return cls(max_len)
