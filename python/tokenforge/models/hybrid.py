"""The morphology-aware hybrid model (Bayram et al. 2025, "Tokens with Meaning: A Hybrid Tokenization Approach for
NLP"): a root and affix groups from a lexicon for each word it covers, `<uppercase>` before a capitalised word,
`<space>` for one space between words, byte-level BPE for the rest; decoding restores the text exactly.

Ids: `<uppercase>` 0 (a special token), `<space>` 1 (its bytes are a space), the roots (lower case), one id per
affix group (its bytes: the first allomorph; the decoder picks the one Turkish harmony calls for), the BPE part
(its 256 bytes and merges, `bpe_size` ids), then any other special tokens. Encoding and decoding run in
`crates/tokenforge-core/src/model/hybrid/`; training in `trainer.rs` beside it (`tokenforge.training.hybrid`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tokenforge import _core
from tokenforge.errors import TokenizerFileError
from tokenforge.models.base import Model
from tokenforge.models.bpe import Merge

UPPER, SPACE = "<uppercase>", "<space>"


def turkish(language: str | None) -> bool:
    """Whether `language` (a code such as `tr`, `az-Latn`) cases i as Turkish does (and has its affix harmony)."""
    from tokenforge.metrics.integrity import DOTTED_I_LANGUAGES  # the metrics import the models

    return bool(language) and language.split("-")[0].lower() in DOTTED_I_LANGUAGES


@dataclass
class HybridModel(Model):
    """`roots` roots after the two specials, the affix `groups` (allomorphs of each), the BPE part (`bpe_size`
    ids and `merges`, ids counted from its first token), and the `language` whose casing rules apply."""

    roots: int
    groups: list[tuple[str, ...]]
    bpe_size: int
    merges: list[Merge] = field(default_factory=list)
    language: str | None = None
    type = "hybrid"

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.HybridModel:
        groups = [list(g) for g in self.groups]
        return _core.HybridModel(self.roots, groups, self.bpe_size, self.merges, turkish(self.language))

    def facts(self) -> list[tuple[str, str]]:
        return [
            ("roots", f"{self.roots:,}"),
            ("affix groups", f"{len(self.groups):,}"),
            ("BPE tokens", f"{self.bpe_size:,} ({len(self.merges):,} merges)"),
            ("language", self.language or "none"),
        ]

    def markers(self) -> frozenset[int]:
        """`<uppercase>`: it changes the case of what follows, no text is lost."""
        return frozenset({0})

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "language": self.language,
            "roots": self.roots,
            "groups": [list(g) for g in self.groups],
            "bpe_size": self.bpe_size,
            "merges": [[a, b, n] for (a, b), n in self.merges],
        }

    @classmethod
    def from_dict(cls, data: dict, source: str) -> HybridModel:
        try:
            language = data.get("language")
            model = cls(
                int(data["roots"]),
                [tuple(str(a) for a in g) for g in data["groups"]],
                int(data["bpe_size"]),
                [((int(a), int(b)), int(n)) for a, b, n in data["merges"]],
                None if language is None else str(language),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt hybrid model ({type(e).__name__}: {e})") from None
        numbers = [model.roots, model.bpe_size, *(i for (a, b), n in model.merges for i in (a, b, n))]
        if any(not 0 <= i < 2**32 for i in numbers):
            raise TokenizerFileError(f"{source}: corrupt hybrid model (a count or id out of range)")
        return model
