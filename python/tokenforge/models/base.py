"""What every model family provides to the `Tokenizer`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from tokenforge.interop.bytelevel import from_unicode, to_unicode

if TYPE_CHECKING:
    from tokenforge.tokenizer import Tokenizer


def yes_no(flag: bool) -> str:
    """A flag as `tokenforge info` shows it."""
    return "yes" if flag else "no"


class Model:
    """A model family's data: built into the core's model, saved in tokenforge.json, decoded back to text."""

    type: ClassVar[str]
    #: How `encode(sample=True)` draws a segmentation: "lattice" (alpha, nbest_size), "dropout" (BPE-dropout) or
    #: None (the family does not sample).
    sampling: ClassVar[str | None] = None

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> object:
        """The `_core` model spec the encoder runs (`_core.BpeModel`, `_core.WordPieceModel`, ...)."""
        raise NotImplementedError

    def to_dict(self) -> dict:
        """The `"model"` section of tokenforge.json (with `"type"`)."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict, source: str) -> Model:
        """The model of a `"model"` section (TokenizerFileError naming `source` when it is corrupt)."""
        raise NotImplementedError

    def user_defined(self, vocab: Sequence[bytes]) -> list[str]:
        """Pieces sentencepiece's normalizer keeps whole (none but in the sentencepiece families)."""
        return []

    def facts(self) -> list[tuple[str, str]]:
        """What is particular to the family, as `(name, value)` pairs (`tokenforge info` shows them)."""
        return []

    def markers(self) -> frozenset[int]:
        """Ids that stand for no text of their own but lose none (the hybrid's `<uppercase>`): the metrics count
        them as neither text nor unknown tokens."""
        return frozenset()

    def spell(self, token: bytes) -> str:
        """A token as its vocabulary string in `tokenizer.json` (`get_vocab`, `id_to_token`): GPT-2's byte-level
        characters by default."""
        return to_unicode(token)

    def unspell(self, text: str) -> bytes | None:
        """The bytes of a vocabulary string (None when it spells no bytes)."""
        return from_unicode(text)

    def decode(self, tok: Tokenizer, ids: list[int], errors: str) -> str:
        """The text behind `ids`: the tokens' bytes, as UTF-8."""
        return tok.decode_bytes(ids).decode("utf-8", errors=errors)
