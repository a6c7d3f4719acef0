"""Byte-level BPE: the ordered merge list (`((left id, right id), new id)` by rank) and `ignore_merges`.

Encoding runs in `crates/tokenforge-core/src/model/bpe/model.rs` (the merge applier: `apply.rs`); training in
`trainer.rs` beside it (`tokenforge.training.bpe`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


class RankBpeModel(BpeModel):
    """Rank-ordered BPE over the tokens of a rank file (`.tiktoken`, rank = id), run as tiktoken runs it: the
    encoder merges any two adjacent parts whose concatenation is a token, lowest rank first (a pre-token that is a
    token is emitted whole). The merge list that gives the same ids (`merges`: saving, export, continued training)
    is recovered from the tokens the first time it is asked for: each token of two or more bytes is the merge of
    the two parts that BPE with the other ranks leaves of its bytes, if it leaves two (Llama-3's `' việc'` is
    built, as tiktoken builds it, only when higher ranks bring its bytes down to two parts; a token no ranks
    build has no merge and is only ever emitted whole). The core does both
    (`crates/tokenforge-core/src/model/bpe/recover.rs`)."""

    def __init__(self, tokens: list[bytes]) -> None:
        self._tokens = tokens
        self._merges: list[Merge] | None = None
        self.ignore_merges = True

    @property
    def merges(self) -> list[Merge]:  # type: ignore[override]
        """The merge list, recovered from the tokens the first time."""
        if self._merges is None:
            with collector_paused():
                self._merges = _core.recover_merges(self._tokens)
        return self._merges

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.BpeModel:
        return _core.BpeModel.by_rank(self.ignore_merges)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (if it was on): a large vocabulary's merges are
    hundreds of thousands of tuples, and the passes their allocations set off (over all of them, none in a
    cycle) took as long as recovering them."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
