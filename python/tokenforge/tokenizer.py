"""The `Tokenizer`: normalizer → pre-tokenizer → model → decoder, over one vocabulary, and its API.

The model is one of the families of `tokenforge.models` (byte-level BPE, WordPiece, ...); the pipeline itself
runs in the Rust core (`crates/tokenforge-core/src/encode.rs`)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

from tokenforge import _core
from tokenforge.encoding import Encoding, Span, align, to_source
from tokenforge.errors import ConfigError, CorpusError, InputFileError, TokenizerFileError
from tokenforge.models import BpeModel, Model, model_from_dict
from tokenforge.models.bpe import Merge
from tokenforge.models.unigram import check_nbest, random_seed
from tokenforge.normalizers import (
    Normalizer,
    SentencePieceNormalizer,
    check_normalizer,
    core_named,
    normalize,
    normalizer_from_json,
    normalizer_to_json,
)
from tokenforge.processors import ROLES, Template

if TYPE_CHECKING:
    import numpy

AllowedSpecial = Union[Literal["all"], Iterable[str], None]
Output = Literal["list", "numpy"]
# (ids, offsets): a flat uint32 array and int64 offsets, text i is ids[offsets[i]:offsets[i + 1]].
FlatIds = tuple["numpy.ndarray", "numpy.ndarray"]

FORMAT = "tokenforge"
FORMAT_VERSION = 2
MODEL_FILE = "tokenforge.json"


def check_output(output: str, offsets: bool) -> None:
    """Refuses an `output` that `encode`/`encode_batch` do not know, or numpy output with offsets."""
    if output not in ("list", "numpy"):
        raise ConfigError(f'output must be "list" or "numpy", got {output!r}')
    if offsets and output != "list":
        raise ConfigError('offsets=True gives Encodings: use output="list"')


class Tokenizer(_core.TokenizerBase):
    """A tokenizer: normalizer → pre-tokenizer → model → decoder.

    `vocab[id]` are the bytes of token `id` (special and added tokens as their UTF-8). The model is a byte-level
    BPE of `merges` (`merges[rank]` is `((left id, right id), new id)`; ids 0–255 of a trained one are the bytes
    in GPT-2 order) unless `model` gives another family (`tokenforge.models`). `normalizer` is a name of
    `tokenforge.normalizers.NORMALIZERS` (run in Python) or a `SentencePieceNormalizer` (run in the core).
    """

    def __init__(
        self,
        vocab: Sequence[bytes],
        merges: Sequence[Merge] = (),
        pretokenizer: str = "gpt4",
        special_tokens: dict[str, int] | None = None,
        added_tokens: dict[str, int] | None = None,
        normalizer: Normalizer = None,
        ignore_merges: bool = True,
        *,
        model: Model | None = None,
        post_processor: Template | None = None,
        roles: dict[str, str] | None = None,
    ) -> None:
        check_normalizer(normalizer)
        self._vocab = [bytes(t) for t in vocab]
        self.model = BpeModel(list(merges), ignore_merges) if model is None else model
        self._special = dict(special_tokens or {})
        self._added = dict(added_tokens or {})
        for name, kind in (("special", self._special), ("added", self._added)):
            for text, i in kind.items():
                if not 0 <= i < len(self._vocab) or self._vocab[i] != text.encode():
                    raise ConfigError(f"{name} token {text!r} does not match vocabulary id {i}")
        self.pretokenizer = pretokenizer
        self.normalizer = normalizer
        # NFC and NFKC run here, in Python; bert, bert-cased and sentencepiece's in the core's encoder.
        named = normalizer if isinstance(normalizer, str) else None
        core_normalizer = named and core_named(named)
        self._py_normalizer = None if core_normalizer else named
        try:
            if isinstance(normalizer, SentencePieceNormalizer):
                core_normalizer = normalizer.core(self.model.user_defined(self._vocab))
            self._encoder = _core.Encoder(
                self._vocab,
                self.model.core(self._vocab, self._special),
                pretokenizer,
                sorted(self._special.values()),
                sorted(self._added.values()),
                core_normalizer,
            )
        except TokenizerFileError as e:
            raise ConfigError(str(e)) from None
        self.post_processor = post_processor
        self.roles = roles or {}

    @classmethod
    def bytes_only(cls, pretokenizer: str = "none") -> Tokenizer:
        """The 256 single-byte tokens in GPT-2 order, no merges."""
        return cls([bytes([b]) for b in _core.BYTE_ORDER], [], pretokenizer)

    # -- what it holds -------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Number of ids, special tokens included."""
        return len(self._vocab)

    @property
    def merge_ids(self) -> list[Merge]:
        """The merges in rank order, as `((left id, right id), new id)` (none for a model without merges)."""
        return list(self.model.merges) if isinstance(self.model, BpeModel) else []

    @property
    def merges(self) -> list[tuple[bytes, bytes]]:
        """The merges in rank order, as `(left bytes, right bytes)`."""
        return [(self._vocab[a], self._vocab[b]) for (a, b), _ in self.merge_ids]

    @property
    def ignore_merges(self) -> bool:
        """A BPE model emits a pre-token that is a token whole (tiktoken's semantics)."""
        return not isinstance(self.model, BpeModel) or self.model.ignore_merges

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special tokens and their ids (matched in text only when allowed)."""
        return dict(self._special)

    @property
    def added_tokens(self) -> dict[str, int]:
        """Added (non-special) tokens, always matched before pre-tokenization."""
        return dict(self._added)

    @property
    def post_processor(self) -> Template | None:
        """What `encode(..., add_special_tokens=True)` puts around the ids (None: nothing)."""
        return self._template

    @post_processor.setter
    def post_processor(self, template: Template | None) -> None:
        for name in template.tokens() if template else ():
            if self.token_id(name) is None:
                raise ConfigError(f"the post-processor's token {name!r} is not in the vocabulary")
        self._template = template

    @property
    def roles(self) -> dict[str, str]:
        """The roles of tokens for `transformers` (`bos_token`, `eos_token`, `pad_token`, `unk_token`, ...)."""
        return dict(self._roles)

    @roles.setter
    def roles(self, roles: dict[str, str]) -> None:
        for role, name in roles.items():
            if role not in ROLES:
                raise ConfigError(f"unknown token role {role!r}: use one of {', '.join(ROLES)}")
            if self.token_id(name) is None:
                raise ConfigError(f"the {role} {name!r} is not in the vocabulary")
        self._roles = dict(roles)

    @property
    def pattern(self) -> str:
        """The exact pre-tokenizer regex ('' for `none`)."""
        return _core.Pretokenizer(self.pretokenizer).pattern

    def token_bytes(self, i: int) -> bytes:
        """The bytes of token `i`."""
        if not 0 <= i < len(self._vocab):
            raise ConfigError(f"token id {i} is not in the vocabulary (size {len(self._vocab)})")
        return self._vocab[i]

    def token_id(self, token: bytes | str) -> int | None:
        """The id of a token given as bytes or text (special and added tokens included), or None."""
        if isinstance(token, str):
            if token in self._special:
                return self._special[token]
            if token in self._added:
                return self._added[token]
            token = token.encode()
        return self._encoder.token_id(token)

    def vocab(self) -> list[bytes]:
        """The token bytes of every id."""
        return list(self._vocab)

    def __len__(self) -> int:
        return len(self._vocab)

    @functools.cached_property
    def _spelled(self) -> tuple[list[str], dict[str, int]]:
        """Every id's vocabulary string, and string → id (the first id of a string; no unused ids)."""
        text = {i: t for t, i in (*self._special.items(), *self._added.items())}
        spellings = [text[i] if i in text else self.model.spell(t) for i, t in enumerate(self._vocab)]
        ids: dict[str, int] = {}
        for i, t in enumerate(spellings):
            if t:
                ids.setdefault(t, i)
        return spellings, ids

    def get_vocab(self) -> dict[str, int]:
        """Vocabulary string → id, as Hugging Face's `get_vocab()` (byte-level BPE tokens in GPT-2's byte-level
        characters, `Ġthe`; WordPiece tokens as their text; special and added tokens as their text)."""
        return dict(self._spelled[1])

    def id_to_token(self, i: int) -> str | None:
        """The vocabulary string of id `i` (see `get_vocab`), or None when there is no such id."""
        spellings = self._spelled[0]
        return spellings[i] if 0 <= i < len(spellings) else None

    def token_to_id(self, token: str) -> int | None:
        """The id of a vocabulary string (see `get_vocab`), or None."""
        return self._spelled[1].get(token)

    def __reduce__(self):
        """Pickles as its tokenforge.json content (DataLoader workers, multiprocessing)."""
        return type(self).from_dict, (self.to_dict(),)

    # -- encoding ------------------------------------------------------------------------------------

    def _normalize(self, text: str) -> str:
        return normalize(self._py_normalizer, text)

    @staticmethod
    def _has_utf8(text: str) -> bool:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True

    @staticmethod
    def _replace_surrogates(text: str) -> str:
        """Lone surrogates have no UTF-8: they become U+FFFD, as tiktoken does."""
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    def _allowed(self, allowed_special: AllowedSpecial) -> dict:
        if allowed_special == "all":
            return {"all_special": True}
        if allowed_special is None:
            return {}
        if isinstance(allowed_special, str):
            raise ConfigError('allowed_special takes "all" or a collection of special-token strings')
        names = list(allowed_special)
        return {"allowed": names} if names else {}

    def _encode(
        self,
        text: str,
        allowed_special: AllowedSpecial = None,
        *,
        pair: str | None = None,
        add_special_tokens: bool = False,
        sample: bool = False,
        alpha: float = 0.1,
        nbest_size: int = -1,
        dropout: float | None = None,
        seed: int | None = None,
        offsets: bool = False,
        output: Output = "list",
    ) -> list[int] | numpy.ndarray | Encoding:
        """`encode` (documented on `_core.TokenizerBase.encode`, which takes the common call itself)."""
        if output != "list":
            check_output(output, offsets)
        if output != "list" and (sample or pair is not None or add_special_tokens):
            import numpy as np

            ids = self.encode(
                text,
                allowed_special,
                pair=pair,
                add_special_tokens=add_special_tokens,
                sample=sample,
                alpha=alpha,
                nbest_size=nbest_size,
                dropout=dropout,
                seed=seed,
            )
            return np.asarray(ids, dtype=np.uint32)
        if sample:
            if pair is not None or allowed_special is not None or offsets:
                raise ConfigError("sample=True encodes one text, special-token strings as plain text, no offsets")
            ids = self.sample_batch([text], alpha=alpha, nbest_size=nbest_size, dropout=dropout, seed=seed)[0]
            return self._post_process(ids, None, add_special_tokens)[0]
        if dropout is not None:
            raise ConfigError("dropout samples a segmentation: pass sample=True with it")
        if offsets:
            spans = self._spans([text] if pair is None else [text, pair], allowed_special)
            return self._encoding(spans[0], spans[1] if pair is not None else None, add_special_tokens)
        if pair is not None or add_special_tokens:
            a = self.encode(text, allowed_special)
            b = None if pair is None else self.encode(pair, allowed_special)
            return self._post_process(a, b, add_special_tokens)[0]
        text = self._normalize(text)
        run = self._encoder.encode if output == "list" else self._encoder.encode_array
        kwargs = self._allowed(allowed_special)
        try:
            return run(text, **kwargs)
        except UnicodeEncodeError:
            return run(self._replace_surrogates(text), **kwargs)

    def _post_process(self, a: list, b: list | None, add: bool, token=None) -> tuple[list, list[int]]:
        """`(ids, type_ids)` of the encoded text(s) `a` (and `b`), the template applied when `add` is true
        (`token` maps its tokens to what `a` holds: ids by default)."""
        if add and self._template is not None:
            return self._template.apply(token or self.token_id, a, b)
        return a + (b or []), [0] * len(a) + [1] * len(b or [])

    def sample_batch(
        self,
        texts: Iterable[str],
        *,
        alpha: float = 0.1,
        nbest_size: int = -1,
        dropout: float | None = None,
        seed: int | None = None,
    ) -> list[list[int]]:
        """A sampled segmentation of each text (see `encode(..., sample=True)`), on all cores; special-token
        strings are plain text. Text `i` of a batch sampled with `seed` gets the same draw whatever the batch."""
        how, family = self.model.sampling, self.model.type
        if how == "dropout":
            if dropout is None or not 0.0 <= dropout <= 1.0:
                raise ConfigError(f"sample=True on a {family} model needs dropout=p with 0 <= p <= 1, got {dropout}")
        elif dropout is not None:
            instead = "; it samples with alpha and nbest_size" if how == "lattice" else ""
            raise ConfigError(f"dropout (BPE-dropout) needs a BPE model; this tokenizer's model is {family}{instead}")
        elif how is None:
            raise ConfigError(f"sampling needs a Unigram or BPE model; this tokenizer's model is {family}")
        texts = [self._replace_surrogates(self._normalize(t)) for t in texts]
        if how == "dropout":
            return self._encoder.dropout_batch(texts, float(dropout), random_seed(seed))
        check_nbest(nbest_size)
        return self._encoder.sample_batch(texts, float(alpha), int(nbest_size), random_seed(seed))

    def _spans(self, texts: list[str], allowed_special: AllowedSpecial) -> list[tuple[list[int], list[Span]]]:
        """The ids and character offsets of each text (on all cores; see `encode(offsets=True)`)."""
        texts = [t if self._has_utf8(t) else self._replace_surrogates(t) for t in texts]
        allowed = self._allowed(allowed_special)
        # The core aligns the normalizers it runs; NFC and NFKC are aligned here, character by character.
        if self._py_normalizer is None:
            return self._encoder.encode_offsets_batch(texts, **allowed)
        aligned = [align(self._py_normalizer, t) for t in texts]
        done = self._encoder.encode_offsets_batch([n for n, _ in aligned], **allowed)
        return [(ids, to_source(spans, src, len(t))) for (ids, spans), (_, src), t in zip(done, aligned, texts)]

    def _encoding(self, a: tuple, b: tuple | None, add: bool) -> Encoding:
        """The Encoding of one text's `(ids, offsets)` (and a pair's), the template applied when `add` is true."""
        ids, types = self._post_process(a[0], b and b[0], add)
        spans, _ = self._post_process(a[1], b and b[1], add, token=lambda _: (0, 0))
        spellings = self._spelled[0]
        return Encoding(ids, [spellings[i] for i in ids], spans, types)

    def encode_bytes(self, data: bytes) -> list[int]:
        """Token ids of arbitrary bytes; `decode_bytes` gives them back exactly."""
        return self._encoder.encode_bytes(bytes(data))

    def encode_batch(
        self,
        texts: Iterable[str],
        allowed_special: AllowedSpecial = None,
        output: Output = "list",
        *,
        add_special_tokens: bool = False,
        offsets: bool = False,
    ) -> list[list[int]] | FlatIds | list[Encoding]:
        """Token ids of many texts, on all cores with the GIL released. `output="numpy"` returns `(ids, offsets)`
        instead of lists: one flat `uint32` array and an `int64` array of `len(texts) + 1` (text `i` is
        `ids[offsets[i]:offsets[i + 1]]`), built without a Python object per id; a long text is then cut at
        safe pre-token boundaries so that it too uses every core. `add_special_tokens` and `offsets` (a list of
        `Encoding`) as in `encode`."""
        check_output(output, offsets)
        if offsets:
            return [self._encoding(one, None, add_special_tokens) for one in self._spans(list(texts), allowed_special)]
        texts = [self._normalize(t) for t in texts] if self._py_normalizer else list(texts)
        run = self._encoder.encode_batch if output == "list" else self._encoder.encode_flat
        try:
            out = run(texts, **self._allowed(allowed_special))
        except CorpusError:
            texts = [t if self._has_utf8(t) else self._replace_surrogates(t) for t in texts]
            out = run(texts, **self._allowed(allowed_special))
        if not add_special_tokens or self._template is None:
            return out
        if output == "list":
            return [self._template.apply(self.token_id, ids)[0] for ids in out]
        return self._wrap_flat(*out)

    def _wrap_flat(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> FlatIds:
        """Flat ids with the single template around each text (numpy, no Python object per id)."""
        import numpy as np

        names = [name for name, _ in self._template.single]
        at = names.index("$A")
        before = [self.token_id(n) for n in names[:at]]
        after = [self.token_id(n) for n in names[at + 1 :]]
        added = len(before) + len(after)
        texts = np.arange(len(offsets) - 1, dtype=np.int64)
        new_offsets = offsets + np.arange(len(offsets), dtype=np.int64) * added
        out = np.empty(len(ids) + added * len(texts), dtype=np.uint32)
        out[np.arange(len(ids)) + np.repeat(texts * added, np.diff(offsets)) + len(before)] = ids
        for k, t in enumerate(before):
            out[new_offsets[:-1] + k] = t
        for k, t in enumerate(after):
            out[new_offsets[1:] - len(after) + k] = t
        return out, new_offsets

    def encode_buffer(
        self, data: bytes, separator: bytes | str | None = None, allowed_special: AllowedSpecial = None
    ) -> FlatIds:
        """Token ids of the documents in `data` — the non-empty pieces between occurrences of `separator`
        (without one, all of `data`) — as `encode_batch(..., output="numpy")` returns them. The buffer is split
        and encoded in Rust on all cores; a document that is not UTF-8 is encoded as by `encode_bytes`."""
        separator = self._separator(separator)
        if self._py_normalizer:
            text = data.decode("utf-8", errors="surrogateescape")
            data = self._normalize(text).encode("utf-8", errors="surrogateescape")
        return self._encoder.encode_buffer(data, separator, **self._allowed(allowed_special))

    def encode_file(
        self, path: str | os.PathLike, separator: bytes | str | None = None, allowed_special: AllowedSpecial = None
    ) -> FlatIds:
        """Token ids of the documents of a file (see `encode_buffer`): read, split and encoded in Rust on all
        cores."""
        from tokenforge.corpus.files import input_error

        try:
            if self._py_normalizer:
                return self.encode_buffer(Path(path).read_bytes(), separator, allowed_special)
            return self._encoder.encode_file(path, self._separator(separator), **self._allowed(allowed_special))
        except OSError as e:
            raise input_error(Path(path), e) from None

    @staticmethod
    def _separator(separator: bytes | str | None) -> bytes | None:
        """A document separator as bytes (an empty one is an error)."""
        if isinstance(separator, str):
            separator = separator.encode()
        if separator == b"":
            raise ConfigError("the separator is empty")
        return separator

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes behind `ids`."""
        try:
            return self._encoder.decode_bytes(list(ids))
        except OverflowError:
            raise ConfigError(f"token ids must be from 0 to {len(self._vocab) - 1}") from None

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """The text behind `ids`, by the model's decoder (bytes that are not UTF-8 become U+FFFD unless `errors`
        says otherwise)."""
        return self.model.decode(self, list(ids), errors)

    def decode_batch(self, batch: Iterable[Iterable[int]], errors: str = "replace") -> list[str]:
        """The text behind each list of ids."""
        return [self.decode(ids, errors) for ids in batch]

    def count(self, text: str) -> int:
        """Number of tokens in `text`."""
        return len(self.encode(text))

    # -- files ---------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The tokenizer as a JSON-ready dict (the content of `tokenforge.json`)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "normalizer": normalizer_to_json(self.normalizer),
            "pretokenizer": self.pretokenizer,
            "model": self.model.to_dict(),
            "vocab": [t.hex() for t in self._vocab],
            "special_tokens": self._special,
            "added_tokens": self._added,
            "post_processor": self._template.to_dict() if self._template else None,
            "roles": self._roles,
        }

    def save(self, directory: str | os.PathLike) -> Path:
        """Writes `directory/tokenforge.json` (created if needed); returns its path."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        path = d / MODEL_FILE
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Loads a tokenizer saved by `save` (a directory or its `tokenforge.json`)."""
        p = Path(path)
        if p.is_dir():
            p = p / MODEL_FILE
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise InputFileError(f"{p}: no such file (expected a tokenizer saved by tokenforge)") from None
        except OSError as e:
            raise InputFileError(f"{p}: cannot read: {e.strerror}") from None
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise TokenizerFileError(f"{p}: not a tokenforge tokenizer (not JSON: {e})") from None
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: object, source: str = "<dict>") -> Tokenizer:
        """Builds a tokenizer from `to_dict`'s output (or a version 1 file: BPE, its merges at the top level),
        checking every field."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TokenizerFileError(f'{source}: not a tokenforge tokenizer (no "format": "{FORMAT}")')
        version = data.get("version")
        if version not in (1, FORMAT_VERSION):
            raise TokenizerFileError(f"{source}: unsupported tokenforge format version {version!r}")
        try:
            vocab = [bytes.fromhex(h) for h in data["vocab"]]
            special = {str(k): int(v) for k, v in data.get("special_tokens", {}).items()}
            added = {str(k): int(v) for k, v in data.get("added_tokens", {}).items()}
            pre = str(data["pretokenizer"])
            normalizer = normalizer_from_json(data.get("normalizer"), source)
            section = {"type": BpeModel.type, **data} if version == 1 else data["model"]
            processor = data.get("post_processor")
            template = None if processor is None else Template.from_dict(processor)
            roles = {str(k): str(v) for k, v in data.get("roles", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as e:
            raise TokenizerFileError(f"{source}: corrupt tokenforge tokenizer ({type(e).__name__}: {e})") from None
        model = model_from_dict(section, source)
        try:
            return cls(vocab, (), pre, special, added, normalizer, model=model, post_processor=template, roles=roles)
        except (ConfigError, ValueError) as e:
            raise TokenizerFileError(f"{source}: {e}") from None

    # -- training --------------------------------------------------------------------------------------

    def extend(self, corpus, vocab_size: int, **options) -> Tokenizer:
        """A new tokenizer: this one trained further on `corpus` (paths) to `vocab_size` ids, every merge and id
        of this one kept verbatim. Options as `tokenforge.train` (min_frequency, special_tokens, caps...)."""
        from tokenforge.training.api import extend

        return extend(self, corpus, vocab_size, **options)

    def extend_from_iterator(self, texts, vocab_size: int, **options) -> Tokenizer:
        """As `extend`, on an iterable of documents."""
        from tokenforge.training.api import extend

        return extend(self, None, vocab_size, texts=texts, **options)

    # -- interop -------------------------------------------------------------------------------------

    def save_huggingface(self, directory: str | os.PathLike) -> Path:
        """Writes `tokenizer.json` and `tokenizer_config.json` for `tokenizers` / `transformers`."""
        from tokenforge.interop.huggingface import save_huggingface

        return save_huggingface(self, directory)

    @classmethod
    def from_huggingface(cls, path: str | os.PathLike) -> Tokenizer:
        """Loads a byte-level BPE `tokenizer.json` (or a directory holding one)."""
        from tokenforge.interop.huggingface import load_huggingface

        return load_huggingface(path)

    def save_tiktoken(self, path: str | os.PathLike) -> Path:
        """Writes a `.tiktoken` rank file (refused when tiktoken cannot represent this tokenizer)."""
        from tokenforge.interop.tiktoken import save_tiktoken

        return save_tiktoken(self, path)

    @classmethod
    def from_tiktoken(
        cls, path: str | os.PathLike, pattern: str = "gpt4", special_tokens: dict[str, int] | None = None
    ) -> Tokenizer:
        """Loads a `.tiktoken` rank file; `pattern` is a preset name or the regex it was made with."""
        from tokenforge.interop.tiktoken import load_tiktoken

        return load_tiktoken(path, pattern=pattern, special_tokens=special_tokens)

    def save_sentencepiece(self, path: str | os.PathLike) -> Path:
        """Writes a sentencepiece `.model` file (Unigram or SentencePiece-style BPE tokenizers) that sentencepiece
        loads with the same ids."""
        from tokenforge.interop.sentencepiece import save_sentencepiece

        return save_sentencepiece(self, path)

    @classmethod
    def from_sentencepiece(cls, path: str | os.PathLike) -> Tokenizer:
        """Loads a sentencepiece `.model` file (Unigram or BPE; byte fallback, user-defined and control pieces):
        ids identical to sentencepiece's."""
        from tokenforge.interop.sentencepiece import load_sentencepiece

        return load_sentencepiece(path)

    def save_bert_vocab(self, path: str | os.PathLike) -> Path:
        """Writes a WordPiece tokenizer's tokens as BERT's `vocab.txt` (a directory gets `vocab.txt` inside)."""
        from tokenforge.interop.bert import save_bert_vocab

        return save_bert_vocab(self, path)

    @classmethod
    def from_bert_vocab(cls, path: str | os.PathLike, lowercase: bool = True) -> Tokenizer:
        """Loads BERT's `vocab.txt` (or a directory holding one) as a WordPiece tokenizer with BERT's pipeline
        (uncased unless `lowercase=False`)."""
        from tokenforge.interop.bert import load_bert_vocab

        return load_bert_vocab(path, lowercase=lowercase)

    def __repr__(self) -> str:
        return (
            f"Tokenizer(model={self.model.type!r}, vocab_size={self.vocab_size}, merges={len(self.merge_ids)}, "
            f"pretokenizer={self.pretokenizer!r}, special_tokens={len(self._special)})"
        )
