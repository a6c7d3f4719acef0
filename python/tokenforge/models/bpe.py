"""Byte-level BPE: the ordered merge list (`((left id, right id), new id)` by rank) and `ignore_merges`.

Encoding runs in `crates/tokenforge-core/src/model/bpe/model.rs` (the merge applier: `apply.rs`); training in
`trainer.rs` beside it (`tokenforge.training.bpe`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tokenforge import _core
from tokenforge.errors import TokenizerFileError
from tokenforge.models.base import Model, yes_no

Merge = tuple[tuple[int, int], int]


@dataclass
class BpeModel(Model):
    """Rank-ordered BPE: a pre-token that is a token is emitted whole (`ignore_merges`), else its bytes are
    merged lowest rank first."""

    merges: list[Merge] = field(default_factory=list)
    ignore_merges: bool = True
    type = "bpe"
    sampling = "dropout"

    def __post_init__(self) -> None:
        # Exact ((int, int), int) tuples (the core's, a loaded file's) are kept; anything else is converted.
        if _core.exact_merges(self.merges):
            self.merges = list(self.merges)
        else:
            self.merges = [((int(a), int(b)), int(n)) for (a, b), n in self.merges]

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.BpeModel:
        return _core.BpeModel(self.merges, self.ignore_merges)

    def facts(self) -> list[tuple[str, str]]:
        return [("merges", f"{len(self.merges):,}"), ("ignore merges", yes_no(self.ignore_merges))]

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "merges": [[a, b, n] for (a, b), n in self.merges],
            "ignore_merges": self.ignore_merges,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str) -> BpeModel:
        try:
            merges = [((int(a), int(b)), int(n)) for a, b, n in data["merges"]]
            return cls(merges, bool(data.get("ignore_merges", True)))
        except (KeyError, TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt BPE model ({type(e).__name__}: {e})") from None
