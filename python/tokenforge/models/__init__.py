"""Model families: what turns one pre-token into ids, with its data and its (de)serialization.

Each family is a class with a `type` name registered in `MODELS`; a `Tokenizer` holds one (normalizer →
pre-tokenizer → model → decoder). The Rust side of each family is `crates/tokenforge-core/src/model/<family>/`
(see docs/models.md for how to add one).
"""

from __future__ import annotations

from tokenforge.errors import TokenizerFileError
from tokenforge.models.base import Model
from tokenforge.models.bpe import BpeModel
from tokenforge.models.char_bpe import CharBpeModel
from tokenforge.models.hybrid import HybridModel
from tokenforge.models.lib import LibModel
from tokenforge.models.unigram import UnigramModel
from tokenforge.models.wordpiece import WordPieceModel

#: Every model family by its `type` in tokenforge.json.
MODELS: dict[str, type[Model]] = {
    m.type: m for m in (BpeModel, WordPieceModel, LibModel, UnigramModel, CharBpeModel, HybridModel)
}

__all__ = [
    "MODELS",
    "BpeModel",
    "CharBpeModel",
    "HybridModel",
    "LibModel",
    "Model",
    "UnigramModel",
    "WordPieceModel",
    "model_from_dict",
]


def model_from_dict(data: object, source: str) -> Model:
    """The model of a tokenforge.json `"model"` section."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in MODELS:
        raise TokenizerFileError(f"{source}: unknown model type {kind!r} (known: {', '.join(MODELS)})")
    return MODELS[kind].from_dict(data, source)
