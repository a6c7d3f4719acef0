"""Hugging Face `tokenizer.json`: export for `tokenizers` / `transformers`, import of byte-level BPE and
WordPiece files.

The export is stock `tokenizers` that gives the same ids as tokenforge. Byte-level BPE: a BPE model with
`ignore_merges`, a `Split(Regex(pattern), "isolated")` then `ByteLevel(use_regex=False)` pre-tokenizer, special
tokens as special added tokens. `tokenizers` renumbers added tokens missing from the model vocabulary (from its
size on), so when the special and added tokens do not directly follow the ordinary ones (unused ids, tokens in
between), they also go into the model vocabulary under their text, as in GPT-2's own file. WordPiece:
`BertNormalizer`, `BertPreTokenizer`, the WordPiece model and decoder.

The import takes the shapes real byte-level BPE and WordPiece models ship; anything else raises `UnsupportedError`
("not supported yet: ...").
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

from tokenforge import _core
from tokenforge.corpus.files import input_error
from tokenforge.errors import (
    ConfigError,
    InputFileError,
    PretokenizerError,
    TokenforgeError,
    TokenizerFileError,
    UnsupportedError,
)
from tokenforge.interop import hf_sentencepiece
from tokenforge.interop.bytelevel import from_unicode, to_unicode
from tokenforge.interop.hf_processors import ProcessorReader, template_json
from tokenforge.models import BpeModel, CharBpeModel, UnigramModel, WordPieceModel
from tokenforge.normalizers import nmt_nfkc_charsmap
from tokenforge.processors import ROLES
from tokenforge.tokenizer import Merge, Tokenizer

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "tokenizer_config.json"
PRESETS = ("gpt2", "gpt4", "o200k", "code", "deepseek-v3")

# -- export ------------------------------------------------------------------------------------------------


def ordinary_ids(tok: Tokenizer) -> Iterator[int]:
    """Ids of the ordinary tokens: neither special nor added, and not an unused (empty) id."""
    reserved = set(tok.special_tokens.values()) | set(tok.added_tokens.values())
    return (i for i in range(tok.vocab_size) if i not in reserved and tok.token_bytes(i))


def check_merges(tok: Tokenizer, ordinary: set[int]) -> None:
    """Raises ConfigError unless every merge uses ordinary tokens only (a file format has no other kind; that
    each merge spells its token the core checked when the tokenizer was made)."""
    for rank, ((a, b), n) in enumerate(tok.merge_ids):
        if not {a, b, n} <= ordinary:
            raise ConfigError(f"merge {rank} ({a}, {b}) -> {n} uses a special, added or unused token")


def unique_ordinary(tok: Tokenizer) -> dict[bytes, int]:
    """Ordinary token bytes → id; ConfigError when two ids share their bytes (no file format can hold that)."""
    seen: dict[bytes, int] = {}
    for i in ordinary_ids(tok):
        t = tok.token_bytes(i)
        if t in seen:
            raise ConfigError(f"tokens {seen[t]} and {i} have the same bytes {t!r}")
        seen[t] = i
    return seen


def pretokenizer_json(pattern: str) -> dict:
    """The `pre_tokenizer` of `tokenizer.json` for a split pattern ('' for no splitting; a JSON array of
    patterns for a sequence of splits)."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
    if not pattern:
        return byte_level
    splits = [
        {"type": "Split", "pattern": {"Regex": p}, "behavior": "Isolated", "invert": False}
        for p in _core.Pretokenizer(pattern).patterns
    ]
    return {"type": "Sequence", "pretokenizers": [*splits, byte_level]}


def added_token_json(text: str, i: int, special: bool) -> dict:
    """One entry of `added_tokens` (specials match raw text, added tokens the normalized text, as ours)."""
    return {
        "id": i,
        "content": text,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": not special,
        "special": special,
    }


def added_in_model_vocab(text: str, i: int, vocab: dict[str, int]) -> None:
    """Puts an added token into the model vocabulary under its text, as GPT-2's file does for its
    special token: `tokenizers` then keeps its id. Refused when `tokenizers` could confuse that entry with
    ordinary bytes (the text is also a byte-level spelling of other bytes)."""
    spelled = from_unicode(text)
    if text in vocab or spelled not in (None, text.encode()):
        raise ConfigError(
            f"added token {text!r} (id {i}) reads as the byte-level spelling of {spelled!r}: "
            "tokenizer.json cannot keep it apart from ordinary tokens"
        )
    vocab[text] = i


#: `BertNormalizer` settings of our `bert` normalizers (clean text, Chinese characters; lowercase or not).
BERT_NORMALIZERS = {"bert": True, "bert-cased": False}


def normalizer_json(name: str | None) -> dict | None:
    """The `normalizer` of `tokenizer.json` for one of ours."""
    if name in BERT_NORMALIZERS:
        lowercase = BERT_NORMALIZERS[name]
        return {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": lowercase,
        }
    if name == "nmt_nfkc":
        return {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(nmt_nfkc_charsmap()).decode()}
    return {"type": name} if name else None


def special_added_tokens(tok: Tokenizer) -> list[dict]:
    """The `added_tokens` entries, by id."""
    added = [(text, i, True) for text, i in tok.special_tokens.items()]
    added += [(text, i, False) for text, i in tok.added_tokens.items()]
    return [added_token_json(*e) for e in sorted(added, key=lambda e: e[1])]


def post_processor_json(tok: Tokenizer) -> dict | None:
    """The `post_processor` of `tokenizer.json` (None without one)."""
    return None if tok.post_processor is None else template_json(tok.post_processor, tok.token_id)


def config_json(tok: Tokenizer) -> dict:
    """The content of `tokenizer_config.json`: the class `transformers` loads, the special tokens and their roles
    (so that it can pad, add bos/eos, mask...)."""
    roles = tok.roles
    if isinstance(tok.model, WordPieceModel):
        roles.setdefault("unk_token", tok.model.unk_token)
    named = set(roles.values())
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **roles,
        "additional_special_tokens": [t for t in tok.special_tokens if t not in named],
        "clean_up_tokenization_spaces": False,
    }


def wordpiece_json(tok: Tokenizer) -> dict:
    """The `tokenizer.json` of a WordPiece tokenizer (BERT's pipeline)."""
    model = tok.model
    if tok.pretokenizer != "bert":
        raise UnsupportedError(
            f"cannot export WordPiece with pre-tokenizer {tok.pretokenizer!r} to tokenizer.json (only bert)"
        )
    seen: dict[str, int] = {}
    for i in range(tok.vocab_size):
        text = tok.token_bytes(i).decode("utf-8")
        if text in seen:
            raise ConfigError(f"tokens {seen[text]} and {i} are both {text!r}")
        seen[text] = i
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special_added_tokens(tok),
        "normalizer": normalizer_json(tok.normalizer),
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": post_processor_json(tok),
        "decoder": {"type": "WordPiece", "prefix": model.prefix, "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": model.unk_token,
            "continuing_subword_prefix": model.prefix,
            "max_input_chars_per_word": model.max_input_chars_per_word,
            "vocab": seen,
        },
    }


def to_tokenizer_json(tok: Tokenizer) -> dict:
    """The content of a `tokenizer.json` giving the same ids as `tok` (ConfigError if none can)."""
    if isinstance(tok.model, WordPieceModel):
        return wordpiece_json(tok)
    if isinstance(tok.model, (UnigramModel, CharBpeModel)):
        return hf_sentencepiece.tokenizer_json(tok, special_added_tokens(tok), post_processor_json(tok))
    if not isinstance(tok.model, BpeModel):
        raise UnsupportedError(f"not supported yet: a Hugging Face tokenizer.json of a {tok.model.type} model")
    ordinary = unique_ordinary(tok)
    check_merges(tok, set(ordinary.values()))
    vocab = {to_unicode(t): i for t, i in ordinary.items()}
    added = special_added_tokens(tok)
    # tokenizers numbers added tokens missing from the model vocabulary from its size on, in list order
    if [e["id"] for e in added] != list(range(len(vocab), len(vocab) + len(added))):
        for e in added:
            added_in_model_vocab(e["content"], e["id"], vocab)
    merges = []
    seen = set()
    for (a, b), _ in tok.merge_ids:
        if (a, b) not in seen:  # a repeated pair never applies again; tokenizers would keep the last rank
            seen.add((a, b))
            merges.append([to_unicode(tok.token_bytes(a)), to_unicode(tok.token_bytes(b))])
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": normalizer_json(tok.normalizer),
        "pre_tokenizer": pretokenizer_json(tok.pattern),
        "post_processor": post_processor_json(tok),
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": tok.ignore_merges,
            "vocab": vocab,
            "merges": merges,
        },
    }


def save_huggingface(tok: Tokenizer, directory: str | os.PathLike) -> Path:
    """Writes `tokenizer.json` and `tokenizer_config.json` into `directory` (created if needed) so that
    `tokenizers.Tokenizer.from_file` and `transformers.AutoTokenizer.from_pretrained` give tokenforge's ids
    (with `add_special_tokens=False`; Hugging Face always matches special tokens in text). Returns the path of
    `tokenizer.json`."""
    data = to_tokenizer_json(tok)
    config = config_json(tok)
    path = Path(directory) / TOKENIZER_FILE
    write_files(
        {
            path: json.dumps(data, ensure_ascii=False, indent=1),
            path.with_name(CONFIG_FILE): json.dumps(config, ensure_ascii=False, indent=1),
        }
    )
    return path


# -- import ------------------------------------------------------------------------------------------------


class _Reader:
    """Checks one `tokenizer.json` and turns it into a Tokenizer; every error names the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def corrupt(self, what: str) -> TokenizerFileError:
        """The error for a file that breaks the format."""
        return TokenizerFileError(f"{self.source}: corrupt tokenizer.json: {what}")

    def unsupported(self, kind: str) -> UnsupportedError:
        """The error for a valid file of a kind we do not read yet."""
        return UnsupportedError(f"{self.source}: not supported yet: {kind}")

    def field(self, obj: object, key: str, kind: type, where: str) -> object:
        """`obj[key]`, checked to be of type `kind` (a bool is not an int)."""
        if not isinstance(obj, dict) or key not in obj:
            raise self.corrupt(f'{where} has no "{key}"')
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise self.corrupt(f'{where}."{key}" is not {kind.__name__}')
        return value

    def normalizer(self, spec: object) -> str | None:
        """NFC, NFKC, a BertNormalizer or None (also inside a Sequence of at most one normalizer)."""
        while spec is not None:
            kind = self.field(spec, "type", str, "normalizer")
            if kind in ("NFC", "NFKC"):
                return kind
            if kind == "BertNormalizer":
                return self.bert_normalizer(spec)
            if kind != "Sequence":
                raise self.unsupported(f"normalizer {kind}")
            parts = self.field(spec, "normalizers", list, "normalizer")
            if len(parts) > 1:
                raise self.unsupported(f"normalizer Sequence of {len(parts)} normalizers")
            spec = parts[0] if parts else None
        return None

    def bert_normalizer(self, spec: dict) -> str:
        """`bert` or `bert-cased` for the BertNormalizer settings they implement."""
        lowercase = bool(spec.get("lowercase", True))
        strip = spec.get("strip_accents")
        if (
            not spec.get("clean_text", True)
            or not spec.get("handle_chinese_chars", True)
            or strip not in (None, lowercase)
        ):
            raise self.unsupported(f"BertNormalizer with {spec}")
        return next(name for name, lower in BERT_NORMALIZERS.items() if lower == lowercase)

    def byte_level(self, spec: dict) -> bool:
        """Checks a ByteLevel pre-tokenizer; returns whether it splits with GPT-2's regex."""
        if spec.get("add_prefix_space", False):
            raise self.unsupported("ByteLevel pre-tokenizer with add_prefix_space")
        return bool(spec.get("use_regex", True))

    def split(self, spec: dict) -> str:
        """The regex of a `Split(Regex(p), "isolated")` pre-tokenizer."""
        pattern = self.field(spec, "pattern", dict, "Split pre-tokenizer")
        if "Regex" not in pattern:
            raise self.unsupported(f"Split pre-tokenizer with pattern {pattern!r} (only Regex patterns are)")
        regex = self.field(pattern, "Regex", str, "Split pattern")
        behavior = spec.get("behavior")
        if behavior != "Isolated" or spec.get("invert", False):
            raise self.unsupported(f"Split pre-tokenizer with behavior {behavior!r} (only Isolated, not inverted)")
        return regex

    def pretokenizer(self, spec: object) -> str:
        """Our pre-tokenizer spec (preset name, regex or `none`) for a byte-level `pre_tokenizer`."""
        if spec is None:
            raise self.unsupported("a tokenizer without pre-tokenizer (not byte-level)")
        kind = self.field(spec, "type", str, "pre_tokenizer")
        steps = self.field(spec, "pretokenizers", list, "pre_tokenizer") if kind == "Sequence" else [spec]
        kinds = [self.field(s, "type", str, "pre_tokenizer") for s in steps]
        if not kinds or kinds[-1] != "ByteLevel" or any(k not in ("Split", "ByteLevel") for k in kinds):
            raise self.unsupported(f"pre-tokenizer {' + '.join(kinds) or kind} (expected Split(s) then ByteLevel)")
        patterns = [self.split(s) for s in steps[:-1] if s["type"] == "Split"]
        if "ByteLevel" in kinds[:-1]:
            raise self.unsupported("pre-tokenizer with several ByteLevel steps")
        if self.byte_level(steps[-1]):
            patterns.append(_core.GPT2_PATTERN)
        if not patterns:
            return "none"
        spec = json.dumps(patterns) if len(patterns) > 1 else patterns[0]
        return next((p for p in PRESETS if _core.Pretokenizer(p).patterns == patterns), spec)

    def model(self, model: dict) -> None:
        """Refuses BPE models other than plain byte-level BPE."""
        if model.get("byte_fallback"):
            raise self.unsupported("BPE with byte_fallback (a SentencePiece-style vocabulary)")
        if model.get("dropout"):
            raise self.unsupported("BPE dropout")
        for key in ("continuing_subword_prefix", "end_of_word_suffix"):
            if model.get(key):
                raise self.unsupported(f"BPE with {key}")

    def added_tokens(self, entries: object) -> tuple[dict[str, int], dict[str, int]]:
        """Special and added (non-special) tokens: text → id."""
        if not isinstance(entries, list):
            raise self.corrupt('"added_tokens" is not a list')
        special: dict[str, int] = {}
        added: dict[str, int] = {}
        for e in entries:
            i = self.field(e, "id", int, "an added token")
            text = self.field(e, "content", str, "an added token")
            if not text or i < 0:
                raise self.corrupt(f"added token {text!r} with id {i}")
            for flag in ("single_word", "lstrip", "rstrip"):
                if e.get(flag):
                    raise self.unsupported(f"added token {text!r} with {flag}")
            kind = special if e.get("special", False) else added
            if text in special or text in added:
                raise self.corrupt(f"added token {text!r} appears twice")
            kind[text] = i
        return special, added

    def vocab(self, vocab: dict, reserved: dict[int, str], spell=from_unicode) -> list[bytes]:
        """Token bytes by id: added tokens as their UTF-8, others from their spelling (`spell`: the byte-level
        string by default; None for a token it cannot read)."""
        for key, i in vocab.items():
            if not isinstance(i, int) or isinstance(i, bool) or i < 0:
                raise self.corrupt(f"vocabulary entry {key!r} has id {i!r}")
        size = max([*vocab.values(), *reserved], default=-1) + 1
        if size > 2 * (len(vocab) + len(reserved)) + 256:
            raise self.corrupt(f"ids go up to {size - 1} for only {len(vocab) + len(reserved)} tokens")
        out: list[bytes | None] = [None] * size
        for i, text in reserved.items():
            if out[i] is not None:
                raise self.corrupt(f"id {i} belongs to two added tokens")
            if vocab.get(text, i) != i:
                raise self.corrupt(f"added token {text!r} has id {i} but vocabulary id {vocab[text]}")
            out[i] = text.encode()
        for key, i in vocab.items():
            raw = spell(key)
            if i in reserved:
                if key != reserved[i] and raw != out[i]:
                    raise self.corrupt(f"id {i} is both added token {reserved[i]!r} and vocabulary token {key!r}")
                continue
            if raw is None:
                raise self.unsupported(f"a vocabulary that is not byte-level (token {key!r})")
            if out[i] is not None:
                raise self.corrupt(f"id {i} is given to two vocabulary entries")
            out[i] = raw
        return [b"" if t is None else t for t in out]

    def merges(self, merges: object, vocab: dict) -> list[Merge]:
        """`((left, right), new)` by rank; a pair listed twice keeps its last rank (as `tokenizers` does)."""
        if not isinstance(merges, list):
            raise self.corrupt('"model"."merges" is not a list')
        last: dict[tuple[int, int], int] = {}
        out: list[Merge | None] = []
        for rank, m in enumerate(merges):
            if isinstance(m, str):
                parts = m.split(" ")
            elif isinstance(m, list) and all(isinstance(p, str) for p in m):
                parts = m
            else:
                raise self.corrupt(f"merge {rank} is {m!r}, not a pair of tokens")
            if len(parts) != 2:
                raise self.corrupt(f"merge {rank} ({m!r}) does not have two parts")
            ids = []
            for part in (*parts, parts[0] + parts[1]):
                if part not in vocab:
                    raise self.corrupt(f"merge {rank} ({parts[0]!r}, {parts[1]!r}): {part!r} is not in the vocabulary")
                ids.append(vocab[part])
            pair = (ids[0], ids[1])
            if pair in last:
                out[last[pair]] = None
            last[pair] = rank
            out.append((pair, ids[2]))
        return [m for m in out if m is not None]

    def read(self, data: object) -> Tokenizer:
        """The Tokenizer the parsed file describes, its post-processor included."""
        if not isinstance(data, dict):
            raise self.corrupt("not a JSON object")
        tok = self.pipeline(data)
        tok.post_processor = ProcessorReader(self.unsupported, tok.token_id).read(data.get("post_processor"))
        return tok

    def pipeline(self, data: dict) -> Tokenizer:
        """The Tokenizer of the file's normalizer, pre-tokenizer, model and added tokens."""
        model = self.field(data, "model", dict, "the file")
        kind = model.get("type", "BPE")
        if kind == "WordPiece":
            return self.wordpiece(data, model)
        if kind in ("Unigram", "BPE") and hf_sentencepiece.is_sentencepiece(data, model):
            return hf_sentencepiece.read(self, data, model)
        if kind != "BPE":
            raise self.unsupported(f"{kind} model (BPE, Unigram and WordPiece are)")
        self.model(model)
        vocab = self.field(model, "vocab", dict, '"model"')
        normalizer = self.normalizer(data.get("normalizer"))
        pre = self.pretokenizer(data.get("pre_tokenizer"))
        special, added = self.added_tokens(data.get("added_tokens", []))
        reserved = {i: t for t, i in (*special.items(), *added.items())}
        tokens = self.vocab(vocab, reserved)
        merges = self.merges(self.field(model, "merges", list, '"model"'), vocab)
        ignore = model.get("ignore_merges", False)
        try:
            return Tokenizer(tokens, merges, pre, special, added, normalizer, bool(ignore))
        except PretokenizerError as e:
            raise self.unsupported(f"pre-tokenizer regex {pre!r} ({e})") from None
        except TokenforgeError as e:
            raise self.corrupt(str(e)) from None

    def wordpiece(self, data: dict, model: dict) -> Tokenizer:
        """A WordPiece tokenizer (BERT's pipeline: BertNormalizer or none, BertPreTokenizer)."""
        vocab = self.field(model, "vocab", dict, '"model"')
        unk = self.field(model, "unk_token", str, '"model"')
        prefix = model.get("continuing_subword_prefix", "##")
        max_chars = model.get("max_input_chars_per_word", 100)
        if not isinstance(prefix, str) or not isinstance(max_chars, int) or isinstance(max_chars, bool):
            raise self.corrupt('"model" has a bad continuing_subword_prefix or max_input_chars_per_word')
        pre = data.get("pre_tokenizer")
        if not isinstance(pre, dict) or pre.get("type") != "BertPreTokenizer":
            raise self.unsupported(f"WordPiece with pre-tokenizer {pre!r} (only BertPreTokenizer is)")
        decoder = data.get("decoder")
        if decoder is not None and (decoder.get("type") != "WordPiece" or decoder.get("prefix", "##") != prefix):
            raise self.unsupported(f"WordPiece with decoder {decoder!r}")
        normalizer = self.normalizer(data.get("normalizer"))
        special, added = self.added_tokens(data.get("added_tokens", []))
        reserved = {i: t for t, i in (*special.items(), *added.items())}
        tokens = self.vocab(vocab, reserved, spell=str.encode)
        if unk not in special:
            if unk not in vocab:
                raise self.corrupt(f"the unknown token {unk!r} is not in the vocabulary")
            special[unk] = vocab[unk]
        wordpiece = WordPieceModel(unk, prefix, max_chars)
        try:
            return Tokenizer(tokens, (), "bert", special, added, normalizer, model=wordpiece)
        except TokenforgeError as e:
            raise self.corrupt(str(e)) from None


def read_file(path: Path) -> bytes:
    """The bytes of a tokenizer file (InputFileError when missing or unreadable)."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise input_error(path, e) from None


def write_files(files: dict[Path, str]) -> None:
    """Writes text files (UTF-8), creating their directories (InputFileError when that fails)."""
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            raise InputFileError(f"{path}: cannot write ({e.strerror or e})") from None


def read_json(path: Path) -> object:
    """The parsed JSON of a tokenizer file, with our errors for missing, unreadable and non-JSON files."""
    raw = read_file(path)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise TokenizerFileError(f"{path}: not a tokenizer.json (not JSON: {e})") from None


def from_tokenizer_json(data: object, source: str = "<tokenizer.json>") -> Tokenizer:
    """A Tokenizer from the parsed content of a byte-level BPE or WordPiece `tokenizer.json`."""
    return _Reader(source).read(data)


def load_huggingface(path: str | os.PathLike) -> Tokenizer:
    """Loads a byte-level BPE or WordPiece `tokenizer.json` (or a directory holding one) as a Tokenizer."""
    p = Path(path)
    if p.is_dir():
        p = p / TOKENIZER_FILE
    tok = from_tokenizer_json(read_json(p), str(p))
    if p.with_name(CONFIG_FILE).is_file():
        tok.roles = config_roles(tok, read_json(p.with_name(CONFIG_FILE)))
    return tok


def config_roles(tok: Tokenizer, config: object) -> dict[str, str]:
    """The token roles of a `tokenizer_config.json` (a token given as text or as an AddedToken object) that
    name tokens of `tok`; others are left out (`transformers` would add such a token to the vocabulary)."""
    roles = {}
    for role in ROLES:
        entry = config.get(role) if isinstance(config, dict) else None
        name = entry.get("content") if isinstance(entry, dict) else entry
        if isinstance(name, str) and tok.token_id(name) is not None:
            roles[role] = name
    return roles
