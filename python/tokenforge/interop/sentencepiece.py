"""sentencepiece `.model` files: reading and writing the protobuf (`ModelProto`) with its pieces, scores, types,
trainer and normalizer specs.

`read_model(path)` checks everything a tokenizer needs (a hostile or corrupt file gets one `TokenizerFileError`
line naming it, never a traceback) and returns a `SentencePieceModel`; `write_model` writes one back so that
sentencepiece loads it with the same ids. Fields not named here (newer sentencepiece versions) are kept from
the file read, as protobuf unknown fields.

`load_sentencepiece` / `save_sentencepiece` turn a `.model` into a `Tokenizer` and back: the pieces are the
vocabulary, control and unknown pieces its special tokens, the model a `UnigramModel` or a `CharBpeModel`
(merges from the scores), the normalizer a `SentencePieceNormalizer`, no pre-tokenizer.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import DecodeError

from tokenforge import _core
from tokenforge.corpus.files import input_error
from tokenforge.errors import TokenizerFileError, UnsupportedError
from tokenforge.interop.sentencepiece_proto import MODEL_TYPES, PIECE_TYPES, ModelProto
from tokenforge.models import CharBpeModel, UnigramModel
from tokenforge.models.pieces import BYTE_PIECE, PieceKind, PieceModel
from tokenforge.normalizers import SentencePieceNormalizer
from tokenforge.tokenizer import Tokenizer

#: Files larger than this are refused before parsing (the largest real vocabularies are ~10 MB).
MAX_FILE_BYTES = 1 << 30

_TYPE_NAMES = {number: name for name, number in PIECE_TYPES.items()}
_MODEL_NAMES = {number: name.lower() for name, number in MODEL_TYPES.items()}
SUPPORTED_KINDS = ("unigram", "bpe")


@dataclass
class SentencePieceModel:
    """What a `.model` file holds: `pieces[id]`, `scores[id]`, `types[id]` (NORMAL, UNKNOWN, CONTROL,
    USER_DEFINED, BYTE, UNUSED), the model kind (`unigram` or `bpe`), byte fallback and the normalizer."""

    kind: str
    pieces: list[str]
    scores: list[float]
    types: list[str]
    byte_fallback: bool = False
    normalization: SentencePieceNormalizer = field(default_factory=SentencePieceNormalizer)
    #: The file this came from, serialized: `write_model` keeps its other fields (trainer spec, unknown fields).
    original: bytes = b""

    @property
    def unk_id(self) -> int | None:
        """The id of the UNKNOWN piece (None when there is none)."""
        return next((i for i, t in enumerate(self.types) if t == "UNKNOWN"), None)

    def ids_of(self, kind: str) -> list[int]:
        """The ids of the pieces of one type, in id order."""
        return [i for i, t in enumerate(self.types) if t == kind]

    def normalizer(self) -> _core.SpmNormalizer:
        """sentencepiece's normalizer for this model (the Rust core's), user-defined pieces kept whole."""
        return self.normalization.core([self.pieces[i] for i in self.ids_of("USER_DEFINED")])


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TokenizerFileError(f"{path}: {size:,} bytes is too large for a sentencepiece model")
        return path.read_bytes()
    except OSError as e:
        raise input_error(path, e) from None


def parse_model(raw: bytes, source: str) -> SentencePieceModel:
    """Parses and checks the bytes of a `.model` file; `source` names it in errors."""
    proto = ModelProto()
    try:
        proto.ParseFromString(raw)
        return _checked(proto, raw, source)
    except (DecodeError, UnicodeDecodeError, ValueError) as e:
        if isinstance(e, (TokenizerFileError, UnsupportedError)):
            raise
        raise TokenizerFileError(f"{source}: not a sentencepiece model ({type(e).__name__}: {e})") from None


def _checked(proto, raw: bytes, source: str) -> SentencePieceModel:
    def bad(problem: str) -> TokenizerFileError:
        return TokenizerFileError(f"{source}: not a valid sentencepiece model: {problem}")

    if not proto.pieces:
        raise bad("it has no pieces")
    trainer = proto.trainer_spec
    kind = _MODEL_NAMES.get(trainer.model_type, str(trainer.model_type))
    if kind not in SUPPORTED_KINDS:
        raise UnsupportedError(f"{source}: not supported yet: sentencepiece {kind.upper()} models")
    pieces, scores, types, seen = [], [], [], {}
    for i, p in enumerate(proto.pieces):
        piece, score, kind_name = p.piece, p.score, _TYPE_NAMES.get(p.type, "NORMAL")
        if not piece:
            raise bad(f"piece {i} is empty")
        if not isinstance(piece, str):  # protobuf hands a string field that is not UTF-8 over as bytes
            raise bad(f"piece {i} is not UTF-8")
        if not math.isfinite(score):
            raise bad(f"piece {i} ({piece!r}) has the score {score}")
        if piece in seen:
            raise bad(f"pieces {seen[piece]} and {i} are both {piece!r}")
        if kind_name == "BYTE" and not BYTE_PIECE.fullmatch(piece):
            raise bad(f"piece {i} is a BYTE piece but {piece!r} is not of the form <0xXX>")
        seen[piece] = i
        pieces.append(piece)
        scores.append(score)
        types.append(kind_name)
    unknown = [i for i, t in enumerate(types) if t == "UNKNOWN"]
    if len(unknown) != 1:
        raise bad(f"it has {len(unknown)} UNKNOWN pieces (sentencepiece needs exactly one)")
    if "BYTE" in types and not trainer.byte_fallback:
        raise bad("it has BYTE pieces but byte_fallback is off")
    spec = proto.normalizer_spec
    norm = SentencePieceNormalizer(
        name=spec.name or "identity",
        precompiled_charsmap=bytes(spec.precompiled_charsmap),
        add_dummy_prefix=spec.add_dummy_prefix,
        remove_extra_whitespaces=spec.remove_extra_whitespaces,
        escape_whitespaces=spec.escape_whitespaces,
        treat_whitespace_as_suffix=trainer.treat_whitespace_as_suffix,
    )
    model = SentencePieceModel(kind, pieces, scores, types, trainer.byte_fallback, norm, raw)
    try:
        model.normalizer()
    except TokenizerFileError as e:
        raise bad(str(e)) from None
    return model


def read_model(path: str | os.PathLike) -> SentencePieceModel:
    """Reads a sentencepiece `.model` file (Unigram or BPE), checking it."""
    p = Path(path)
    return parse_model(_read_bytes(p), str(p))


def _set(message, name: str, value) -> None:
    """Sets a field only when it changes, so an unchanged model serializes as the file it came from."""
    if getattr(message, name) != value:
        setattr(message, name, value)


def to_proto(model: SentencePieceModel):
    """The `ModelProto` of `model`: the original file's fields, with the pieces, kind and specs of `model`."""
    proto = ModelProto()
    if model.original:
        proto.ParseFromString(model.original)
    held = [(p.piece, p.score, _TYPE_NAMES.get(p.type, "NORMAL")) for p in proto.pieces]
    if held != list(zip(model.pieces, model.scores, model.types)):
        del proto.pieces[:]
        for piece, score, kind in zip(model.pieces, model.scores, model.types):
            entry = proto.pieces.add(piece=piece, score=score)
            if kind != "NORMAL":
                entry.type = PIECE_TYPES[kind]
    trainer = proto.trainer_spec
    unk = model.unk_id
    fields = {
        "model_type": MODEL_TYPES[model.kind.upper()],
        "vocab_size": len(model.pieces),
        "byte_fallback": model.byte_fallback,
        "treat_whitespace_as_suffix": model.normalization.treat_whitespace_as_suffix,
        "unk_id": -1 if unk is None else unk,
        "unk_piece": "<unk>" if unk is None else model.pieces[unk],
    }
    for role in ("bos", "eos", "pad"):
        piece = getattr(trainer, f"{role}_piece")
        fields[f"{role}_id"] = next(
            (i for i, (p, t) in enumerate(zip(model.pieces, model.types)) if p == piece and t == "CONTROL"), -1
        )
    for name, value in fields.items():
        _set(trainer, name, value)
    norm = model.normalization
    for name in ("name", "precompiled_charsmap", "add_dummy_prefix", "remove_extra_whitespaces", "escape_whitespaces"):
        _set(proto.normalizer_spec, name, getattr(norm, name))
    return proto


def write_model(model: SentencePieceModel, path: str | os.PathLike) -> Path:
    """Writes `model` as a sentencepiece `.model` file; returns its path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(to_proto(model).SerializeToString())
    return p


#: The roles of sentencepiece's meta pieces under their default names (for `transformers`: padding, bos/eos).
META_ROLES = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}


def piece_tokenizer(model: PieceModel, vocab: list[bytes], normalizer: SentencePieceNormalizer) -> Tokenizer:
    """A `Tokenizer` in sentencepiece's pipeline: `normalizer`, no pre-tokenizer, the control and unknown
    pieces as special tokens (never matched in text unless allowed, as in sentencepiece), their roles."""
    kinds = model.kinds()
    special = {vocab[i].decode(): i for i, k in enumerate(kinds) if k in (PieceKind.CONTROL, PieceKind.UNKNOWN)}
    roles = {role: name for role, name in META_ROLES.items() if name in special}
    unknown = [vocab[i].decode() for i, k in enumerate(kinds) if k == PieceKind.UNKNOWN]
    roles.update({"unk_token": unknown[0]} if unknown else {})
    return Tokenizer(vocab, (), "none", special, None, normalizer, model=model, roles=roles)


def to_tokenizer(model: SentencePieceModel) -> Tokenizer:
    """The `Tokenizer` of a sentencepiece model: ids identical to sentencepiece's."""
    kinds = [PieceKind[t] for t in model.types]
    if model.kind == "unigram":
        core = UnigramModel(model.pieces, model.scores, model.unk_id, model.byte_fallback, kinds)
    else:
        core = CharBpeModel.from_scores(model.pieces, model.scores, kinds, model.unk_id, model.byte_fallback)
    return piece_tokenizer(core, [p.encode() for p in model.pieces], model.normalization)


def load_sentencepiece(path: str | os.PathLike) -> Tokenizer:
    """The `Tokenizer` of a sentencepiece `.model` file (Unigram or BPE)."""
    return to_tokenizer(read_model(path))


def from_tokenizer(tok: Tokenizer, target: str) -> SentencePieceModel:
    """The sentencepiece model of `tok` (UnsupportedError naming `target` and what sentencepiece cannot hold)."""

    def unsupported(problem: str) -> UnsupportedError:
        return UnsupportedError(f"{target}: sentencepiece cannot hold this tokenizer: {problem}")

    model = tok.model
    if isinstance(model, UnigramModel):
        kind, scores = "unigram", [s for _, s, _ in model.pieces()]
    elif isinstance(model, CharBpeModel):
        kind, scores = "bpe", model.piece_scores()
        if model.unk_id is None:
            raise unsupported("its BPE model has no unknown piece")
    else:
        raise unsupported(f"its model is {model.type} (sentencepiece has unigram and SentencePiece-style BPE)")
    if tok.pretokenizer != "none":
        raise unsupported(f"it pre-tokenizes ({tok.pretokenizer}) and sentencepiece does not")
    if tok.added_tokens:
        raise unsupported("it has added tokens, which sentencepiece does not match in text")
    norm = tok.normalizer
    if norm is None:
        norm = SentencePieceNormalizer(add_dummy_prefix=False, remove_extra_whitespaces=False, escape_whitespaces=False)
    if not isinstance(norm, SentencePieceNormalizer) or norm.prefix_unless_space or norm.prefix_first_only:
        raise unsupported(f"its normalizer ({norm}) is not sentencepiece's")
    pieces = [t.decode("utf-8") for t in tok.vocab()]
    types = [k.name for k in model.kinds()]
    return SentencePieceModel(kind, pieces, scores, types, model.byte_fallback, norm)


def save_sentencepiece(tok: Tokenizer, path: str | os.PathLike) -> Path:
    """Writes `tok` as a sentencepiece `.model` file that sentencepiece loads with the same ids."""
    return write_model(from_tokenizer(tok, str(path)), path)
