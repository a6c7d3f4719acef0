"""What the sentencepiece families (Unigram, SentencePiece-style BPE) share: a kind per id (sentencepiece's piece
types), the pieces the normalizer keeps whole, and decoding the sentencepiece way (`▁` → space, byte pieces
joined into UTF-8, control pieces dropped, the dummy prefix's space removed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

from tokenforge.errors import ConfigError
from tokenforge.models.base import Model
from tokenforge.normalizers import SentencePieceNormalizer

if TYPE_CHECKING:
    from tokenforge.tokenizer import Tokenizer

#: sentencepiece's whitespace symbol (U+2581 LOWER ONE EIGHTH BLOCK).
SPACE = "\u2581"
#: What sentencepiece decodes the unknown piece to (its default `unk_surface`).
UNK_SURFACE = " \u2047 "
#: A byte-fallback piece: `<0x00>` … `<0xFF>`.
BYTE_PIECE = re.compile(r"<0x([0-9A-F]{2})>")
UNK, BOS, EOS = "<unk>", "<s>", "</s>"
"""sentencepiece's meta pieces, ids 0, 1, 2 by default."""


class PieceKind(IntEnum):
    """sentencepiece's piece types (`ModelProto.SentencePiece.Type`)."""

    NORMAL = 1
    UNKNOWN = 2
    CONTROL = 3
    USER_DEFINED = 4
    UNUSED = 5
    BYTE = 6


def byte_piece(b: int) -> str:
    """The byte-fallback piece of byte `b` (`<0x41>`)."""
    return f"<0x{b:02X}>"


class PieceModel(Model):
    """A model whose ids are sentencepiece pieces, each of a `PieceKind`."""

    def kinds(self) -> list[PieceKind]:
        """The kind of every id."""
        raise NotImplementedError

    def spell(self, token: bytes) -> str:
        return token.decode("utf-8", errors="replace")

    def unspell(self, text: str) -> bytes:
        return text.encode()

    def user_defined(self, vocab: Sequence[bytes]) -> list[str]:
        """The user-defined pieces, which the normalizer and the model keep whole."""
        kinds = self.kinds()
        return [vocab[i].decode() for i, k in enumerate(kinds) if k == PieceKind.USER_DEFINED]

    def _surfaces(self, tok: Tokenizer) -> list[bytes]:
        """What each id decodes to (cached: a model belongs to one vocabulary)."""
        if getattr(self, "_surface", None) is None:
            out = []
            for t, k in zip(tok.vocab(), self.kinds()):
                if k == PieceKind.BYTE:
                    out.append(bytes([int(t[3:5], 16)]))
                elif k == PieceKind.CONTROL:
                    out.append(b"")
                elif k == PieceKind.UNKNOWN:
                    out.append(UNK_SURFACE.encode())
                else:
                    out.append(t.replace(SPACE.encode(), b" "))
            self._surface = out
        return self._surface

    def decode(self, tok: Tokenizer, ids: list[int], errors: str) -> str:
        """sentencepiece's decoding: pieces with `▁` as spaces, byte pieces as their bytes, control pieces as
        nothing, the unknown piece as ` ⁇ `; the first piece loses the space of the dummy prefix."""
        surface = self._surfaces(tok)
        norm = tok.normalizer
        strip = (
            isinstance(norm, SentencePieceNormalizer)
            and (norm.add_dummy_prefix or norm.remove_extra_whitespaces)
            and not norm.treat_whitespace_as_suffix
        )
        kinds = self.kinds()
        out = []
        for i in ids:
            if not 0 <= i < len(surface):
                raise ConfigError(f"token ids must be from 0 to {len(surface) - 1}")
            s = surface[i]
            if strip and s:
                if kinds[i] in (PieceKind.NORMAL, PieceKind.USER_DEFINED, PieceKind.UNUSED) and s[:1] == b" ":
                    s = s[1:]
                strip = False
            out.append(s)
        return b"".join(out).decode("utf-8", errors=errors)
