"""SentencePiece-style BPE (Llama-2, Mistral, Gemma): BPE over the characters of normalized text (`▁` for
spaces), a merge list with ranks (equal ranks: leftmost first), user-defined pieces kept whole, and characters
that are no piece falling back to their `<0xXX>` byte pieces (or the unknown piece).

Encoding runs in `crates/tokenforge-core/src/model/bpe/chars.rs` (the one merge applier: `apply.rs`). A
sentencepiece `.model` gives scores, not merges: `from_scores` makes the merges sentencepiece follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.models.base import yes_no
from tokenforge.models.pieces import BYTE_PIECE, PieceKind, PieceModel

#: A merge: `((left id, right id), new id, rank)`.
RankedMerge = tuple[tuple[int, int], int, int]
#: The id the core takes for a byte with no `<0xXX>` piece.
NO_ID = 2**32 - 1


@dataclass(eq=False)
class CharBpeModel(PieceModel):
    """`merges` as `((left, right), new, rank)`, the kind of every id, the unknown piece, byte fallback, whether
    consecutive unknown pieces fuse into one (sentencepiece and Hugging Face's `fuse_unk`), and the pieces'
    sentencepiece scores when the model came from a `.model` (kept for writing one back)."""

    merges: list[RankedMerge]
    piece_kinds: list[PieceKind]
    unk_id: int | None = 0
    byte_fallback: bool = False
    fuse_unk: bool = True
    scores: list[float] | None = None
    type = "char_bpe"
    sampling = "dropout"

    def __post_init__(self) -> None:
        self.merges = [((int(a), int(b)), int(n), int(r)) for (a, b), n, r in self.merges]
        self.piece_kinds = [PieceKind(k) for k in self.piece_kinds]
        self._surface = None

    def facts(self) -> list[tuple[str, str]]:
        unk = "none" if self.unk_id is None else f"id {self.unk_id}"
        return [
            ("merges", f"{len(self.merges):,}"),
            ("byte fallback", yes_no(self.byte_fallback)),
            ("unknown piece", unk),
            ("fuse unknown", yes_no(self.fuse_unk)),
        ]

    @classmethod
    def from_scores(
        cls,
        pieces: Sequence[str],
        scores: Sequence[float],
        kinds: Sequence[int],
        unk_id: int | None,
        byte_fallback: bool,
    ) -> CharBpeModel:
        """The model of a sentencepiece BPE `.model`: every split of a normal or user-defined piece into two
        pieces is a merge, ranked by the piece's score."""
        mergeable = [k in (PieceKind.NORMAL, PieceKind.USER_DEFINED) for k in kinds]
        merges = _core.merges_from_scores(list(pieces), [float(s) for s in scores], mergeable)
        return cls(merges, list(kinds), unk_id, byte_fallback, True, [float(s) for s in scores])

    def kinds(self) -> list[PieceKind]:
        return self.piece_kinds

    def piece_scores(self) -> list[float]:
        """A sentencepiece score per id: the `.model`'s, else minus the lowest rank of a merge making the piece
        (pieces no merge makes score below every merge)."""
        if self.scores is not None:
            return list(self.scores)
        floor = -float(max((r for _, _, r in self.merges), default=0) + 1)
        scores = [floor] * len(self.piece_kinds)
        for _, new, rank in sorted(self.merges, key=lambda m: -m[2]):
            scores[new] = -float(rank)
        return scores

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.CharBpeModel:
        if len(vocab) != len(self.piece_kinds):
            raise ConfigError(f"{len(vocab)} tokens but {len(self.piece_kinds)} piece kinds")
        try:
            pieces = [t.decode("utf-8") for t in vocab]
        except UnicodeDecodeError:
            raise ConfigError("a SentencePiece-style BPE vocabulary must be UTF-8") from None
        byte_ids = None
        if self.byte_fallback:
            byte_ids = [NO_ID] * 256
            for i, (p, k) in enumerate(zip(pieces, self.piece_kinds)):
                if k == PieceKind.BYTE and (m := BYTE_PIECE.fullmatch(p)):
                    byte_ids[int(m[1], 16)] = i
        user = [i for i, k in enumerate(self.piece_kinds) if k == PieceKind.USER_DEFINED]
        return _core.CharBpeModel(pieces, self.merges, user, byte_ids, self.unk_id, self.fuse_unk)

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "merges": [[a, b, n, r] for (a, b), n, r in self.merges],
            "kinds": [int(k) for k in self.piece_kinds],
            "unk_id": self.unk_id,
            "byte_fallback": self.byte_fallback,
            "fuse_unk": self.fuse_unk,
            "scores": self.scores,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str) -> CharBpeModel:
        try:
            merges = [((int(a), int(b)), int(n), int(r)) for a, b, n, r in data["merges"]]
            unk = data["unk_id"]
            scores = data.get("scores")
            return cls(
                merges,
                [PieceKind(int(k)) for k in data["kinds"]],
                None if unk is None else int(unk),
                bool(data["byte_fallback"]),
                bool(data.get("fuse_unk", True)),
                None if scores is None else [float(s) for s in scores],
            )
        except (KeyError, TypeError, ValueError) as e:
            raise TokenizerFileError(
                f"{source}: corrupt SentencePiece-style BPE model ({type(e).__name__}: {e})"
            ) from None
