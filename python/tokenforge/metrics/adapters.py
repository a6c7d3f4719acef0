"""Any tokenizer behind one interface, so every metric runs the same way on ours and on foreign ones.

An adapter gives: `vocab_size` (every id, special tokens included), `encode_batch(texts)` (ordinary text: no
special tokens matched, none added), `tokenize(texts)` (the ids of all texts plus where each token lies in the
UTF-8 bytes of the texts joined end to end) and `entries()` (what every vocabulary entry stands for).

Kinds, told by `load_adapter(spec)`:
- whatever `tokenforge.loading.load_any` reads (a tokenforge directory or `tokenforge.json`, a byte-level BPE
  `tokenizer.json`, a `.tiktoken` file with its pattern, a sentencepiece `.model`): our Rust encoder;
- any other Hugging Face `tokenizer.json` (WordPiece, Unigram, SentencePiece-style BPE): the `tokenizers` library;
- a `.model` file our reader refuses: the `sentencepiece` library;
- the name of a tiktoken encoding (`cl100k_base`, ...) whose file tiktoken finds locally (its cache,
  `TIKTOKEN_CACHE_DIR`): the `tiktoken` library.

Token spans: for a tokenizer whose tokens decode to exactly the raw bytes (byte-level BPE without normaliser) a
token's span follows from the byte lengths of the tokens before it; the foreign libraries report offsets
themselves (characters for `tokenizers`, bytes for `sentencepiece`); one of ours with a normaliser takes them
from `tokenizers` on its exported tokenizer.json (from `sentencepiece` on its exported `.model` for
sentencepiece's normaliser). A tokenizer that changes the text and reports no offsets has
no spans (`Tokenized.starts` is None) and the metrics that need them are n/a.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from tokenforge.errors import ConfigError, TokenizerFileError, UnsupportedError
from tokenforge.interop.bytelevel import from_unicode
from tokenforge.interop.gpt2 import ENCODER_FILE, VERSION_LINE
from tokenforge.loading import HF_FILE, SENTENCEPIECE_START, load_any, looks_like_tiktoken
from tokenforge.models.pieces import SPACE, PieceKind, PieceModel
from tokenforge.normalizers import SentencePieceNormalizer
from tokenforge.tokenizer import MODEL_FILE, Tokenizer

BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
SPAN_DTYPE = np.int64


@dataclass(frozen=True)
class VocabEntry:
    """One vocabulary entry: `surface` is what it adds to the text (a word-initial mark as a leading space, a
    WordPiece continuation prefix removed); `control` for special/unknown tokens; `byte_fallback` for `<0xXX>`
    pieces; `word_initial` when the entry can only start a word (leading space, or a WordPiece non-`##` piece)."""

    id: int
    surface: bytes
    control: bool = False
    byte_fallback: bool = False
    word_initial: bool = False


@dataclass
class Tokenized:
    """The tokens of a list of texts: all ids in order, per text how many, and each token's byte span in the
    texts' UTF-8 joined end to end (`starts`/`ends` None when the tokenizer cannot tell)."""

    ids: np.ndarray
    counts: np.ndarray
    starts: np.ndarray | None
    ends: np.ndarray | None


def char_byte_offsets(text: str) -> np.ndarray:
    """`offsets[i]` = the UTF-8 byte offset of character `i` of `text` (length `len(text) + 1`)."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    widths = 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)
    out = np.zeros(len(cp) + 1, dtype=SPAN_DTYPE)
    np.cumsum(widths, out=out[1:])
    return out


def from_char_offsets(texts: list[str], encodings) -> Tokenized:
    """Ids and byte spans from encodings with `ids` and character `offsets` into each text."""
    counts = np.array([len(e.ids) for e in encodings], dtype=SPAN_DTYPE)
    ids = np.fromiter(chain.from_iterable(e.ids for e in encodings), dtype=SPAN_DTYPE, count=int(counts.sum()))
    starts, ends, base = [], [], 0
    for text, e in zip(texts, encodings):
        offsets = char_byte_offsets(text)
        chars = np.array(e.offsets, dtype=SPAN_DTYPE).reshape(-1, 2)
        starts.append(offsets[chars[:, 0]] + base)
        ends.append(offsets[chars[:, 1]] + base)
        base += int(offsets[-1])
    empty = np.zeros(0, dtype=SPAN_DTYPE)
    return Tokenized(ids, counts, np.concatenate([empty, *starts]), np.concatenate([empty, *ends]))


class Adapter(ABC):
    """A tokenizer as the metrics see it (see the module docstring)."""

    name: str
    vocab_size: int

    @property
    def kind(self) -> str:
        """What reads the tokenizer, as the report's "read with" column shows it."""
        return type(self).__name__.removesuffix("Adapter")

    @abstractmethod
    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (ordinary text: no special tokens)."""

    @abstractmethod
    def read_entries(self) -> list[VocabEntry]:
        """Every vocabulary entry, read from the tokenizer (`entries` keeps them)."""

    def entries(self) -> list[VocabEntry]:
        """Every vocabulary entry (ids without a token, e.g. gaps in a tiktoken file, are left out)."""
        if not hasattr(self, "_entries"):
            self._entries = self.read_entries()
        return self._entries

    def token_lengths(self) -> tuple[np.ndarray, np.ndarray]:
        """`(bytes, characters)` of every id's surface (control tokens: 0), as arrays indexed by id (0 for ids
        without an entry). A token's characters are its bytes that start a UTF-8 sequence, so a character
        split over several tokens counts once, in the token holding its first byte."""
        if not hasattr(self, "_lengths"):
            ordinary = [e for e in self.entries() if not e.control]
            ids = np.array([e.id for e in ordinary], dtype=SPAN_DTYPE)
            sizes = np.array([len(e.surface) for e in ordinary], dtype=SPAN_DTYPE)
            data = np.frombuffer(b"".join(e.surface for e in ordinary), dtype=np.uint8)
            starts_char = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))
            bounds = np.concatenate(([0], np.cumsum(sizes)))
            nbytes = np.zeros(self.vocab_size, dtype=SPAN_DTYPE)
            nchars = np.zeros(self.vocab_size, dtype=SPAN_DTYPE)
            nbytes[ids] = sizes
            nchars[ids] = starts_char[bounds[1:]] - starts_char[bounds[:-1]]
            self._lengths = (nbytes, nchars)
        return self._lengths

    def tokenize(self, texts: list[str]) -> Tokenized:
        """The tokens of `texts` with their spans, from the token lengths (exact when the tokens decode to the
        raw bytes, checked on the total; otherwise no spans)."""
        lists = self.encode_batch(texts)
        counts = np.fromiter((len(x) for x in lists), dtype=SPAN_DTYPE, count=len(lists))
        ids = np.fromiter(chain.from_iterable(lists), dtype=SPAN_DTYPE, count=int(counts.sum()))
        lengths = self.token_lengths()[0][ids]
        ends = np.cumsum(lengths)
        total = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        if (ends[-1] if len(ends) else 0) != total:
            return Tokenized(ids, counts, None, None)
        return Tokenized(ids, counts, ends - lengths, ends)


class OursAdapter(Adapter):
    """A tokenforge `Tokenizer` (encoded in Rust on all cores)."""

    def __init__(self, tok: Tokenizer, name: str, source: str | None = None) -> None:
        self.tok = tok
        self.name = name
        self.vocab_size = tok.vocab_size
        self.source = source

    @property
    def kind(self) -> str:
        """tokenforge, and the file kind it read when that is not its own."""
        return "tokenforge" if self.source is None else f"tokenforge ({self.source})"

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text."""
        return self.tok.encode_batch(texts)

    def tokenize(self, texts: list[str]) -> Tokenized:
        """Spans from the token lengths when the tokens spell the raw text (no normaliser, no markers such as
        the hybrid's); else from our own offsets. Where we track none yet (sentencepiece's normaliser), from the
        offsets `sentencepiece` (or, for a model it cannot hold, `tokenizers`) tracks on our export, whose ids
        are ours; no spans when neither can hold it."""
        if self.tok.normalizer is None and not self.tok.model.markers():
            return super().tokenize(texts)
        try:
            return from_char_offsets(texts, self.tok.encode_batch(texts, offsets=True))
        except ConfigError:
            pass
        if not hasattr(self, "_offsets"):
            self._offsets = self._exported()
        if self._offsets is None:
            plain = super().tokenize(texts)
            return Tokenized(plain.ids, plain.counts, None, None)
        return self._offsets.tokenize(texts)

    def _exported(self) -> Adapter | None:
        """Our tokenizer exported to the library that tracks offsets through its normaliser (None: none can)."""
        with tempfile.TemporaryDirectory() as d:
            if isinstance(self.tok.normalizer, SentencePieceNormalizer):
                try:
                    return SentencePieceAdapter(self.tok.save_sentencepiece(Path(d) / "x.model"), self.name)
                except (ConfigError, UnsupportedError):
                    pass
            try:
                return HuggingFaceAdapter(self.tok.save_huggingface(d), self.name)
            except (ConfigError, UnsupportedError):
                return None

    def read_entries(self) -> list[VocabEntry]:
        """Every token; special tokens are control tokens; empty placeholders (ids a tiktoken file skips) are left
        out; sentencepiece pieces as `SentencePieceAdapter` reads them."""
        if isinstance(self.tok.model, PieceModel):
            return [
                piece_entry(i, t.decode(), k) for i, (t, k) in enumerate(zip(self.tok.vocab(), self.tok.model.kinds()))
            ]
        markers = self.tok.model.markers()
        special = set(self.tok.special_tokens.values()) - markers
        return [
            VocabEntry(i, b"")
            if i in markers
            else VocabEntry(i, t, control=i in special, word_initial=i not in special and t.startswith(b" "))
            for i, t in enumerate(self.tok.vocab())
            if t or i in special
        ]


class TiktokenAdapter(Adapter):
    """A `tiktoken.Encoding`."""

    def __init__(self, encoding, name: str) -> None:
        self.enc = encoding
        self.name = name
        self.vocab_size = encoding.n_vocab

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (`encode_ordinary_batch`)."""
        return self.enc.encode_ordinary_batch(texts, num_threads=os.cpu_count() or 1)

    def read_entries(self) -> list[VocabEntry]:
        """Every id that has bytes; special tokens are control tokens."""
        special = {self.enc.encode_single_token(s) for s in self.enc.special_tokens_set}
        out = []
        for i in range(self.vocab_size):
            if i in special:
                out.append(VocabEntry(i, b"", control=True))
                continue
            try:
                t = self.enc.decode_single_token_bytes(i)
            except KeyError:
                continue
            out.append(VocabEntry(i, t, word_initial=t.startswith(b" ")))
        return out


class HuggingFaceAdapter(Adapter):
    """Any `tokenizer.json` through the `tokenizers` library; spans from its character offsets."""

    def __init__(self, path: Path, name: str) -> None:
        tokenizers = _require("tokenizers", path)
        try:
            self.tok = tokenizers.Tokenizer.from_file(str(path))
        except Exception as e:  # the library raises plain Exceptions for every kind of bad file
            raise TokenizerFileError(f"{path}: the tokenizers library cannot read it: {e}") from None
        self.spec = json.loads(path.read_text(encoding="utf-8"))
        self.name = name
        self.vocab_size = self.tok.get_vocab_size(with_added_tokens=True)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (no special tokens added)."""
        return [e.ids for e in self.tok.encode_batch_fast(texts, add_special_tokens=False)]

    def tokenize(self, texts: list[str]) -> Tokenized:
        """Ids and spans from the library's offsets (characters of the original text, turned into bytes)."""
        return from_char_offsets(texts, self.tok.encode_batch(texts, add_special_tokens=False))

    def read_entries(self) -> list[VocabEntry]:
        """Every entry: byte-level strings mapped back to bytes, `▁` as a space, `<0xXX>` byte pieces, the
        WordPiece continuation prefix removed (pieces without it start a word)."""
        model = self.spec.get("model") or {}
        kind = model.get("type")
        prefix = model.get("continuing_subword_prefix") or ("##" if kind == "WordPiece" else None)
        byte_level = '"ByteLevel"' in json.dumps([self.spec.get("pre_tokenizer"), self.spec.get("decoder")])
        special = {t["id"] for t in self.spec.get("added_tokens") or [] if t.get("special")}
        out = []
        for piece, i in self.tok.get_vocab(with_added_tokens=True).items():
            if i in special:
                out.append(VocabEntry(i, b"", control=True))
                continue
            fallback = BYTE_PIECE.fullmatch(piece) if model.get("byte_fallback") or kind == "Unigram" else None
            if fallback:
                out.append(VocabEntry(i, bytes([int(fallback.group(1), 16)]), byte_fallback=True))
            elif byte_level and from_unicode(piece) is not None:
                surface = from_unicode(piece)
                out.append(VocabEntry(i, surface, word_initial=surface.startswith(b" ")))
            elif prefix and kind == "WordPiece":
                continued = piece.startswith(prefix)
                surface = piece[len(prefix) :] if continued else piece
                out.append(VocabEntry(i, surface.encode(), word_initial=not continued))
            else:
                out.append(piece_entry(i, piece))
        return sorted(out, key=lambda e: e.id)


class SentencePieceAdapter(Adapter):
    """A sentencepiece `.model` through the `sentencepiece` library; spans from its byte offsets (which need the
    `protobuf` package)."""

    def __init__(self, path: Path, name: str) -> None:
        spm = _require("sentencepiece", path)
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.Load(str(path))
        except (OSError, RuntimeError) as e:
            raise TokenizerFileError(f"{path}: not a sentencepiece model ({e})") from None
        self.name = name
        self.vocab_size = self.sp.GetPieceSize()

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (no BOS/EOS)."""
        return self.sp.Encode(texts, num_threads=os.cpu_count() or 1)

    def tokenize(self, texts: list[str]) -> Tokenized:
        """Ids and spans from the pieces' byte offsets in the original text."""
        try:
            protos = self.sp.Encode(texts, return_type="proto", num_threads=os.cpu_count() or 1)
        except ImportError:
            raise ConfigError(f"{self.name}: sentencepiece needs the protobuf package for offsets") from None
        ids, starts, ends, counts, base = [], [], [], [], 0
        for text, proto in zip(texts, protos):
            pieces = proto.pieces
            counts.append(len(pieces))
            for p in pieces:
                ids.append(p.id)
                starts.append(p.begin + base)
                ends.append(p.end + base)
            base += len(text.encode("utf-8"))
        return Tokenized(*(np.array(x, dtype=SPAN_DTYPE) for x in (ids, counts, starts, ends)))

    def read_entries(self) -> list[VocabEntry]:
        """Every piece: control and unknown pieces are control tokens, `<0xXX>` byte pieces are byte
        fallback, `▁` is a space."""
        sp = self.sp
        kinds = [
            PieceKind.CONTROL if sp.IsControl(i) or sp.IsUnknown(i) else PieceKind.BYTE if sp.IsByte(i) else None
            for i in range(self.vocab_size)
        ]
        return [piece_entry(i, sp.IdToPiece(i), k) for i, k in enumerate(kinds)]


def piece_entry(i: int, piece: str, kind: PieceKind | None = None) -> VocabEntry:
    """The entry of a sentencepiece piece: control and unknown pieces are control tokens, `<0xXX>` byte pieces
    are byte fallback, `▁` is a space."""
    if kind in (PieceKind.CONTROL, PieceKind.UNKNOWN):
        return VocabEntry(i, b"", control=True)
    if kind == PieceKind.BYTE:
        return VocabEntry(i, bytes([int(piece[3:5], 16)]), byte_fallback=True)
    surface = piece.replace(SPACE, " ")
    return VocabEntry(i, surface.encode(), word_initial=surface.startswith(" "))


def _require(module: str, path: object):
    try:
        return __import__(module)
    except ImportError:
        raise ConfigError(f"{path}: reading this tokenizer needs the {module} package (pip install {module})") from None


def _tiktoken_encoding(name: str):
    tiktoken = _require("tiktoken", name)
    try:
        return tiktoken.get_encoding(name)
    except ValueError:
        raise ConfigError(f"{name}: no such file, and not a tiktoken encoding name") from None
    except Exception as e:  # network errors of every kind when the file is not cached
        raise ConfigError(
            f"{name}: tiktoken encoding not available locally ({type(e).__name__}); "
            "set TIKTOKEN_CACHE_DIR to a folder holding its file, or give the .tiktoken file and --pattern"
        ) from None


def split_name(spec: str) -> tuple[str | None, str]:
    """`NAME=PATH` → (NAME, PATH); a plain PATH → (None, PATH)."""
    name, sep, rest = spec.partition("=")
    if sep and name and not Path(spec).exists() and "/" not in name:
        return name, rest
    return None, spec


def default_name(path: str) -> str:
    """A short name for a tokenizer path: the directory name for `dir/tokenizer.json`-like files, else the stem."""
    p = Path(path)
    if p.name in ("tokenizer.json", "tokenforge.json", "tokenizer.model") and p.parent.name:
        return p.parent.name
    return p.name if p.is_dir() else p.name.split(".")[0] or path


def _may_be_tiktoken(path: Path) -> bool:
    """Whether a pattern can apply: a file that is not JSON (the pattern given for a set of tokenizers applies to
    their .tiktoken files only)."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return not f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _file_kind(path: Path) -> str | None:
    """The kind of a tokenizer file `load_any` read (None for tokenforge's own)."""
    if path.is_dir():
        return None if (path / MODEL_FILE).is_file() else _file_kind(path / HF_FILE)
    with path.open("rb") as f:
        head = f.read(4096)
    if looks_like_tiktoken(head):
        return ".tiktoken"
    if head.startswith(SENTENCEPIECE_START):
        return "sentencepiece .model"
    if head.startswith(VERSION_LINE.encode()) or path.name == ENCODER_FILE:
        return "GPT-2 files"
    return None if b'"format": "tokenforge"' in head or b'"format":"tokenforge"' in head else "tokenizer.json"


def _starts_json_or_tiktoken(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096)
    return head[:1] == b"{" or looks_like_tiktoken(head)


def load_adapter(spec: str, pattern: str | None = None) -> Adapter:
    """The tokenizer named by `spec` (`[NAME=]PATH` or a tiktoken encoding name) behind an `Adapter`; `pattern`
    is the pre-tokenizer of a `.tiktoken` file (ignored for the other kinds)."""
    name, path = split_name(spec)
    name = name or default_name(path)
    p = Path(path)
    if not p.exists():
        return TiktokenAdapter(_tiktoken_encoding(path), name)
    try:
        return OursAdapter(load_any(p, pattern if _may_be_tiktoken(p) else None), name, _file_kind(p))
    except UnsupportedError:
        if p.is_dir():
            p = p / "tokenizer.json"
        return HuggingFaceAdapter(p, name)
    except TokenizerFileError:
        # Only a file no reader of ours recognised may be a sentencepiece model; a JSON or .tiktoken file's
        # own error is the one to show.
        if p.is_file() and not _starts_json_or_tiktoken(p):
            return SentencePieceAdapter(p, name)
        raise
