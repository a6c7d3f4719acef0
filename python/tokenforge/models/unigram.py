"""The Unigram LM model (sentencepiece's default): pieces with log-probability scores, Viterbi encoding,
n-best and sampled segmentations (subword regularization). Ids are sentencepiece's for the same model.

Encoding runs in `crates/tokenforge-core/src/model/unigram/` (the lattice: `lattice.rs`); training in
`trainer.rs` beside it (`tokenforge.training.unigram`)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.models.base import yes_no
from tokenforge.models.pieces import BOS, EOS, UNK, PieceKind, PieceModel, byte_piece

MAX_NBEST = 512

__all__ = ["MAX_NBEST", "PieceKind", "UnigramModel", "byte_piece", "random_seed"]


def random_seed(seed: int | None) -> int:
    """`seed` as the core's 64-bit seed (None: a fresh random one)."""
    if seed is None:
        seed = int.from_bytes(os.urandom(8), "little")
    return seed & (2**64 - 1)


class UnigramModel(PieceModel):
    """A Unigram model: `pieces[i]` is piece i with `scores[i]` (its log-probability) and `kinds[i]`; it
    encodes one pre-token (already normalized, spaces as `▁`) to ids. In a `Tokenizer`, the pieces are its
    vocabulary."""

    type = "unigram"
    sampling = "lattice"

    def __init__(
        self,
        pieces: Sequence[str],
        scores: Sequence[float],
        unk_id: int = 0,
        byte_fallback: bool = False,
        kinds: Sequence[int] | None = None,
    ) -> None:
        kinds = list(kinds) if kinds is not None else [PieceKind.NORMAL] * len(pieces)
        self._core = _core.Unigram(list(pieces), list(scores), unk_id, byte_fallback, [int(k) for k in kinds])
        self._kinds = [PieceKind(k) for k in kinds]
        self._surface = None

    @classmethod
    def from_learned(
        cls,
        learned: Sequence[tuple[str, float]],
        byte_fallback: bool = False,
        controls: Sequence[str] = (),
        user_defined: Sequence[str] = (),
    ) -> UnigramModel:
        """The model sentencepiece's trainer writes: `<unk>`, `<s>`, `</s>`, the control and user-defined
        symbols, the 256 byte pieces with byte fallback, then the learned `(piece, score)` pairs, most probable
        first (a learned piece that is already a meta piece is left out)."""
        pieces = [(UNK, 0.0, PieceKind.UNKNOWN), (BOS, 0.0, PieceKind.CONTROL), (EOS, 0.0, PieceKind.CONTROL)]
        pieces += [(p, 0.0, PieceKind.CONTROL) for p in controls]
        pieces += [(p, 0.0, PieceKind.USER_DEFINED) for p in user_defined]
        if byte_fallback:
            pieces += [(byte_piece(b), 0.0, PieceKind.BYTE) for b in range(256)]
        meta = {p for p, _, _ in pieces}
        pieces += [(p, s, PieceKind.NORMAL) for p, s in learned if p not in meta]
        return cls([p[0] for p in pieces], [p[1] for p in pieces], 0, byte_fallback, [p[2] for p in pieces])

    def __len__(self) -> int:
        return len(self._core)

    @property
    def unk_id(self) -> int:
        return self._core.unk_id

    @property
    def byte_fallback(self) -> bool:
        return self._core.byte_fallback

    def facts(self) -> list[tuple[str, str]]:
        user = sum(k == PieceKind.USER_DEFINED for k in self._kinds)
        return [
            ("byte fallback", yes_no(self.byte_fallback)),
            ("unknown piece", f"id {self.unk_id}"),
            ("user-defined pieces", f"{user:,}"),
        ]

    def pieces(self) -> list[tuple[str, float, PieceKind]]:
        """`(piece, score, kind)` of every id."""
        return [(p, s, PieceKind(k)) for p, s, k in self._core.pieces()]

    def kinds(self) -> list[PieceKind]:
        return self._kinds

    def vocab(self) -> list[bytes]:
        """The pieces as a `Tokenizer`'s vocabulary (UTF-8)."""
        return [p.encode() for p, _, _ in self._core.pieces()]

    # -- the model seam ------------------------------------------------------------------------------

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.Unigram:
        if list(vocab) != self.vocab():
            raise ConfigError("the vocabulary is not the Unigram model's pieces (id for id)")
        return self._core

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "pieces": [[p, s, k] for p, s, k in self._core.pieces()],
            "unk_id": self.unk_id,
            "byte_fallback": self.byte_fallback,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str) -> UnigramModel:
        try:
            pieces, scores, kinds = zip(*data["pieces"]) if data["pieces"] else ((), (), ())
            return cls(
                [str(p) for p in pieces],
                [float(s) for s in scores],
                int(data["unk_id"]),
                bool(data["byte_fallback"]),
                [int(k) for k in kinds],
            )
        except (KeyError, TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt Unigram model ({type(e).__name__}: {e})") from None

    # -- encoding on its own (one pre-token, already normalized) -------------------------------------

    def encode(
        self,
        text: str,
        *,
        sample: bool = False,
        alpha: float = 0.1,
        nbest_size: int = -1,
        seed: int | None = None,
    ) -> list[int]:
        """The ids of `text`: the best segmentation, or with `sample=True` a sampled one (see `encode_batch`)."""
        if not sample:
            return self._core.encode(text)
        return self.encode_batch([text], sample=True, alpha=alpha, nbest_size=nbest_size, seed=seed)[0]

    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        sample: bool = False,
        alpha: float = 0.1,
        nbest_size: int = -1,
        seed: int | None = None,
    ) -> list[list[int]]:
        """The ids of each text, on all cores. With `sample=True`, sentencepiece's subword regularization: a
        segmentation drawn with probability ∝ exp(alpha · score) from the whole lattice (`nbest_size=-1`) or
        from the `nbest_size` best; the same `seed` gives the same draws (none: a fresh one each call)."""
        if not sample:
            return self._core.encode_batch(list(texts))
        check_nbest(nbest_size)
        return self._core.sample_batch(list(texts), float(alpha), int(nbest_size), random_seed(seed))

    def nbest(self, text: str, n: int) -> list[tuple[list[int], float]]:
        """The `n` best segmentations of `text` as `(ids, score)`, best first."""
        return self._core.nbest(text, n)

    def __getstate__(self) -> dict:
        return self.to_dict()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(self.from_dict(state, "<pickle>").__dict__)


def check_nbest(nbest_size: int) -> None:
    """ConfigError when `nbest_size` is above sentencepiece's bound."""
    if nbest_size > MAX_NBEST:
        raise ConfigError(f"nbest_size must be at most {MAX_NBEST}, got {nbest_size}")
