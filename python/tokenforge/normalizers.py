"""Normalizers: what text becomes before pre-tokenization, in training and in encoding. NFC and NFKC run in
Python; bert, bert-cased and sentencepiece's (a `SentencePieceNormalizer`: precompiled charsmap and whitespace
rules) run in the Rust core, inside the encoder, on all cores."""

from __future__ import annotations

import base64
import functools
import lzma
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Union

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenizerFileError

#: The named normalizers the Rust core runs (inside the encoder, on all cores): Hugging Face's `BertNormalizer`
#: and whether it lowercases (and strips accents).
CORE_NAMED = {"bert": True, "bert-cased": False}


@functools.cache
def core_named(name: str) -> _core.BertNormalizer | None:
    """The Rust core's normalizer for a named one it runs (`CORE_NAMED`), None for the others."""
    return _core.BertNormalizer(CORE_NAMED[name]) if name in CORE_NAMED else None


def bert_cased(text: str) -> str:
    """Hugging Face's `BertNormalizer(lowercase=False)`: drop control characters, white space to spaces, spaces
    around Chinese characters."""
    return core_named("bert-cased").normalize(text)


def bert(text: str) -> str:
    """Hugging Face's `BertNormalizer` with BERT's (uncased) defaults: `bert_cased`, then accents stripped (NFD
    without nonspacing marks) and each character lowercased."""
    return core_named("bert").normalize(text)


#: sentencepiece's default normalization rule: its precompiled charsmap (bundled, see data/NOTICE).
NMT_NFKC_FILE = Path(__file__).parent / "data" / "nmt_nfkc.charsmap.xz"


@functools.cache
def nmt_nfkc_charsmap() -> bytes:
    """The precompiled charsmap of sentencepiece's `nmt_nfkc` rule."""
    return lzma.decompress(NMT_NFKC_FILE.read_bytes())


def nmt_nfkc(text: str) -> str:
    """sentencepiece's `nmt_nfkc` character rules alone (NFKC, odd whitespace to spaces, control characters
    dropped), without its whitespace rules: what its trainer splits into words."""
    return _nmt_nfkc_rules()(text)


@functools.cache
def _nmt_nfkc_rules() -> Callable[[str], str]:
    rules = replace(
        sentencepiece_default(), add_dummy_prefix=False, remove_extra_whitespaces=False, escape_whitespaces=False
    )
    return rules.core().normalize


#: Every normalizer by name (None: text as it is).
NORMALIZERS: dict[str, Callable[[str], str]] = {
    "NFC": functools.partial(unicodedata.normalize, "NFC"),
    "NFKC": functools.partial(unicodedata.normalize, "NFKC"),
    "bert": bert,
    "bert-cased": bert_cased,
    "nmt_nfkc": nmt_nfkc,
}


@dataclass(frozen=True)
class SentencePieceNormalizer:
    """sentencepiece's normalizer spec (`NormalizerSpec`): a precompiled character map (empty: identity) and the
    whitespace rules; spaces become `▁`. `prefix_unless_space`: the dummy prefix only in front of text that does
    not start with a space (Hugging Face's `Metaspace`); `prefix_first_only`: only in front of the text at the
    start of a document, not after a special or added token (`Metaspace`'s `prepend_scheme: first`)."""

    name: str = "identity"
    precompiled_charsmap: bytes = b""
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True
    treat_whitespace_as_suffix: bool = False
    prefix_unless_space: bool = False
    prefix_first_only: bool = False
    type = "sentencepiece"

    def core(self, user_defined: Sequence[str] = ()) -> _core.SpmNormalizer:
        """The Rust core's normalizer, `user_defined` pieces kept whole."""
        return _core.SpmNormalizer(
            self.precompiled_charsmap,
            self.add_dummy_prefix,
            self.remove_extra_whitespaces,
            self.escape_whitespaces,
            self.treat_whitespace_as_suffix,
            list(user_defined),
            self.prefix_unless_space,
            self.prefix_first_only,
        )

    def __call__(self, text: str) -> str:
        return _spm_core(self)(text)

    def __str__(self) -> str:
        return f"sentencepiece ({self.name})"

    def to_dict(self) -> dict:
        """The `"normalizer"` section of tokenforge.json (the charsmap in base64)."""
        data = asdict(self)
        data["precompiled_charsmap"] = base64.b64encode(self.precompiled_charsmap).decode()
        return {"type": self.type, **data}

    @classmethod
    def from_dict(cls, data: dict, source: str) -> SentencePieceNormalizer:
        """The normalizer of a `"normalizer"` section (TokenizerFileError naming `source` when it is corrupt)."""
        try:
            fields = {k: v for k, v in data.items() if k != "type"}
            fields["precompiled_charsmap"] = base64.b64decode(fields.get("precompiled_charsmap", ""), validate=True)
            norm = cls(**fields)
            norm.core()
        except (TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt sentencepiece normalizer ({type(e).__name__}: {e})") from None
        return norm


@functools.lru_cache(maxsize=16)
def _spm_core(norm: SentencePieceNormalizer) -> Callable[[str], str]:
    return norm.core().normalize


def sentencepiece_default() -> SentencePieceNormalizer:
    """sentencepiece's default normalizer: `nmt_nfkc`, a dummy prefix, extra whitespace removed, spaces as `▁`."""
    return SentencePieceNormalizer(name="nmt_nfkc", precompiled_charsmap=nmt_nfkc_charsmap())


#: A normalizer: a name of `NORMALIZERS`, sentencepiece's, or None (text as it is).
Normalizer = Union[str, SentencePieceNormalizer, None]


def check_normalizer(normalizer: object) -> Normalizer:
    """`normalizer` if it is one (ConfigError naming the known ones otherwise)."""
    if normalizer is None or isinstance(normalizer, SentencePieceNormalizer) or normalizer in NORMALIZERS:
        return normalizer
    raise ConfigError(f"unknown normalizer {normalizer!r}: use one of {', '.join(NORMALIZERS)} or none")


def normalizer_to_json(normalizer: Normalizer) -> str | dict | None:
    """The `"normalizer"` of tokenforge.json: a name, sentencepiece's section, or null."""
    return normalizer.to_dict() if isinstance(normalizer, SentencePieceNormalizer) else normalizer


def normalizer_from_json(data: object, source: str) -> Normalizer:
    """The normalizer of tokenforge.json's `"normalizer"` (TokenizerFileError naming `source` when unknown)."""
    if isinstance(data, dict) and data.get("type") == SentencePieceNormalizer.type:
        return SentencePieceNormalizer.from_dict(data, source)
    if data is None or (isinstance(data, str) and data in NORMALIZERS):
        return data
    raise TokenizerFileError(f"{source}: unknown normalizer {data!r} (known: {', '.join(NORMALIZERS)}, sentencepiece)")


def normalize(normalizer: Normalizer, text: str) -> str:
    """`text` under `normalizer`."""
    if isinstance(normalizer, SentencePieceNormalizer):
        return normalizer(text)
    return NORMALIZERS[normalizer](text) if normalizer else text
