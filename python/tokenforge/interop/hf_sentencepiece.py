r"""SentencePiece-style `tokenizer.json` (Llama-2, Mistral, Gemma: BPE with `byte_fallback`; T5-like Unigram): our
Unigram and SentencePiece-style BPE models with sentencepiece's normalizer, both ways.

sentencepiece's normalizer becomes Hugging Face's steps: the charsmap `Precompiled`, extra spaces removed by three
`Replace` regexes (`\A +`, ` +\z`, ` {2,}` → ` `), the dummy prefix `Prepend("▁")` and spaces as `Replace(" ", "▁")`;
or a `Metaspace` pre-tokenizer (`prepend_scheme` always/first: the prefix unless the text starts with a space;
`split`: our `metaspace` pre-tokenizer). The reader takes those shapes (Llama's legacy normalizers, its newer
`Metaspace`, Gemma's `Replace` + `Split(" ")`) and refuses the rest with one line. Metaspace's `first` puts
the prefix only in front of the text at the start, not after a special or added token (`prefix_first_only`)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING

from tokenforge.errors import TokenforgeError, UnsupportedError
from tokenforge.models import CharBpeModel, UnigramModel
from tokenforge.models.pieces import BYTE_PIECE, SPACE, PieceKind
from tokenforge.normalizers import SentencePieceNormalizer
from tokenforge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenforge.interop.huggingface import _Reader

#: The `Replace` steps that remove extra spaces as sentencepiece's `remove_extra_whitespaces` does.
EXTRA_SPACES = ((r"\A +", ""), (r" +\z", ""), (" {2,}", " "))
# (\A and \z: Hugging Face's regexes are Oniguruma's, where ^ and $ match at every line.)


def _regex_replace(pattern: str, content: str) -> dict:
    return {"type": "Replace", "pattern": {"Regex": pattern}, "content": content}


def normalizer_steps(norm: SentencePieceNormalizer, pretokenizer: str) -> tuple[dict | None, dict | None]:
    """`(normalizer, pre_tokenizer)` of `tokenizer.json` for sentencepiece's normalizer and our pre-tokenizer
    (`none` or `metaspace`); ValueError naming what Hugging Face cannot express."""
    if norm.treat_whitespace_as_suffix:
        raise ValueError("treat_whitespace_as_suffix")
    if pretokenizer not in ("none", "metaspace"):
        raise ValueError(f"pre-tokenizer {pretokenizer!r} with sentencepiece's normalizer")
    steps = []
    if norm.precompiled_charsmap:
        charsmap = base64.b64encode(norm.precompiled_charsmap).decode()
        steps.append({"type": "Precompiled", "precompiled_charsmap": charsmap})
    if norm.remove_extra_whitespaces:
        steps += [_regex_replace(p, c) for p, c in EXTRA_SPACES]
    split = pretokenizer == "metaspace"
    if norm.prefix_unless_space or split:
        if not norm.escape_whitespaces:
            raise ValueError("a Metaspace split without spaces as ▁")
        if norm.add_dummy_prefix and not norm.prefix_unless_space:
            steps.append({"type": "Prepend", "prepend": SPACE})
        scheme = ("first" if norm.prefix_first_only else "always") if norm.prefix_unless_space else "never"
        pre = {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": scheme, "split": split}
    else:
        pre = None
        if norm.add_dummy_prefix:
            steps.append({"type": "Prepend", "prepend": SPACE})
        if norm.escape_whitespaces:
            steps.append({"type": "Replace", "pattern": {"String": " "}, "content": SPACE})
    return ({"type": "Sequence", "normalizers": steps} if steps else None), pre


def model_json(tok: Tokenizer) -> dict:
    """The `model` section of a Unigram or SentencePiece-style BPE tokenizer."""
    model = tok.model
    pieces = [t.decode("utf-8") for t in tok.vocab()]
    if isinstance(model, UnigramModel):
        scores = [s for _, s, _ in model.pieces()]
        return {
            "type": "Unigram",
            "unk_id": model.unk_id,
            "vocab": [[p, s] for p, s in zip(pieces, scores)],
            "byte_fallback": model.byte_fallback,
        }
    merges = sorted(model.merges, key=lambda m: m[2])
    unk = None if model.unk_id is None else pieces[model.unk_id]
    return {
        "type": "BPE",
        "dropout": None,
        "unk_token": unk,
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": model.fuse_unk,
        "byte_fallback": model.byte_fallback,
        "ignore_merges": False,
        "vocab": {p: i for i, p in enumerate(pieces)},
        "merges": [[pieces[a], pieces[b]] for (a, b), _, _ in merges],
    }


def decoder_json(norm: SentencePieceNormalizer) -> dict:
    """Hugging Face's decoder for sentencepiece's pieces (Llama's): ▁ as spaces, byte pieces fused, the dummy
    prefix's space stripped."""
    steps = [
        {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
        {"type": "ByteFallback"},
        {"type": "Fuse"},
    ]
    if norm.add_dummy_prefix:
        steps.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})
    return {"type": "Sequence", "decoders": steps}


def is_sentencepiece(data: dict, model: dict) -> bool:
    """Whether a `tokenizer.json` is SentencePiece-style: a Unigram model, byte fallback, or `▁` in its
    normalizer, pre-tokenizer or decoder."""
    if model.get("type") == "Unigram" or model.get("byte_fallback"):
        return True
    steps = [data.get("normalizer"), data.get("pre_tokenizer"), data.get("decoder")]
    return SPACE in json.dumps(steps, ensure_ascii=False)


def read(reader: _Reader, data: dict, model: dict) -> Tokenizer:
    """A Unigram or byte-fallback BPE `tokenizer.json` as our model in sentencepiece's pipeline."""
    norm, pre = normalizer(reader, data.get("normalizer"), data.get("pre_tokenizer"))
    special, added = reader.added_tokens(data.get("added_tokens", []))
    if model.get("type") == "Unigram":
        entries = reader.field(model, "vocab", list, '"model"')
        if not all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], str) for e in entries):
            raise reader.corrupt('"model"."vocab" is not a list of [piece, score]')
        pieces = [e[0] for e in entries]
        unk_id = model.get("unk_id")
    else:
        vocab = reader.field(model, "vocab", dict, '"model"')
        reserved = {i: t for t, i in (*special.items(), *added.items())}
        pieces = [t.decode() for t in reader.vocab(vocab, reserved, spell=str.encode)]
        unk = model.get("unk_token")
        unk_id = None if unk is None else vocab.get(unk)
        if unk is not None and unk_id is None:
            raise reader.corrupt(f"the unknown token {unk!r} is not in the vocabulary")
    byte_fallback = bool(model.get("byte_fallback", False))
    kinds = []
    for i, p in enumerate(pieces):
        if i == unk_id:
            kinds.append(PieceKind.UNKNOWN)
        elif byte_fallback and BYTE_PIECE.fullmatch(p):
            kinds.append(PieceKind.BYTE)
        elif p in special and special[p] == i:
            kinds.append(PieceKind.CONTROL)
        else:
            kinds.append(PieceKind.NORMAL)
    try:
        if model.get("type") == "Unigram":
            scores = [float(e[1]) for e in model["vocab"]]
            core = UnigramModel(pieces, scores, unk_id, byte_fallback, kinds)
        else:
            merges = reader.merges(reader.field(model, "merges", list, '"model"'), vocab)
            ranked = [(pair, new, rank) for rank, (pair, new) in enumerate(merges)]
            core = CharBpeModel(ranked, kinds, unk_id, byte_fallback, bool(model.get("fuse_unk", False)))
        if unk_id is not None:
            special.setdefault(pieces[unk_id], unk_id)
        return Tokenizer([p.encode() for p in pieces], (), pre, special, added, norm, model=core)
    except (TokenforgeError, TypeError, ValueError, OverflowError) as e:
        raise reader.corrupt(str(e)) from None


def normalizer(reader: _Reader, spec: object, pre: object) -> tuple[SentencePieceNormalizer, str]:
    """sentencepiece's normalizer and our pre-tokenizer (`none` or `metaspace`) for the shapes we read."""
    steps = [spec] if spec is not None else []
    while steps and isinstance(steps[0], dict) and steps[0].get("type") == "Sequence":
        steps = reader.field(steps[0], "normalizers", list, "normalizer") + steps[1:]
    fields: dict = {"add_dummy_prefix": False, "remove_extra_whitespaces": False, "escape_whitespaces": False}
    extra = []
    for step in steps:
        kind = reader.field(step, "type", str, "normalizer")
        pattern = step.get("pattern", {}) if kind == "Replace" else {}
        if kind == "Precompiled" and "precompiled_charsmap" not in fields:
            try:
                fields["precompiled_charsmap"] = base64.b64decode(step.get("precompiled_charsmap") or "", validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise reader.corrupt("Precompiled normalizer with a charsmap that is not base64") from None
            fields["name"] = "precompiled"
        elif kind == "Prepend" and step.get("prepend") == SPACE and not fields["escape_whitespaces"]:
            fields["add_dummy_prefix"] = True
        elif kind == "Replace" and pattern == {"String": " "} and step.get("content") == SPACE:
            fields["escape_whitespaces"] = True
        elif kind == "Replace" and (pattern.get("Regex"), step.get("content")) in EXTRA_SPACES:
            extra.append((pattern["Regex"], step["content"]))
        else:
            raise reader.unsupported(f"normalizer {kind} {step} in a SentencePiece-style tokenizer")
    if extra:
        if sorted(extra) != sorted(EXTRA_SPACES):
            raise reader.unsupported(f"a part of the extra-space removal ({extra})")
        fields["remove_extra_whitespaces"] = True
    pretokenizer = "none"
    kind = pre.get("type") if isinstance(pre, dict) else None
    if kind == "Metaspace" and pre.get("replacement", SPACE) == SPACE and not fields["escape_whitespaces"]:
        scheme = pre.get("prepend_scheme", "always" if pre.get("add_prefix_space", True) else "never")
        if scheme not in ("always", "first", "never"):
            raise reader.unsupported(f"Metaspace prepend_scheme {scheme!r}")
        fields.update(
            escape_whitespaces=True, prefix_unless_space=scheme != "never", prefix_first_only=scheme == "first"
        )
        fields["add_dummy_prefix"] = fields["add_dummy_prefix"] or scheme != "never"
        pretokenizer = "metaspace" if pre.get("split", True) else "none"
    elif kind == "Split" and fields["escape_whitespaces"] and pre.get("pattern") == {"String": " "}:
        pass  # Gemma: splits at spaces the normalizer has already made ▁, a no-op
    elif pre is not None:
        steps = pre.get("pretokenizers") if kind == "Sequence" else None
        names = (
            " + ".join(str(s.get("type")) for s in steps if isinstance(s, dict)) if isinstance(steps, list) else kind
        )
        raise reader.unsupported(f"pre-tokenizer {names or pre!r} in a SentencePiece-style tokenizer")
    return SentencePieceNormalizer(**fields), pretokenizer


def tokenizer_json(tok: Tokenizer, added_tokens: list[dict], post_processor: dict | None) -> dict:
    """The `tokenizer.json` of a Unigram or SentencePiece-style BPE tokenizer (UnsupportedError naming what Hugging
    Face cannot express)."""
    norm = tok.normalizer
    if norm is None:
        norm = SentencePieceNormalizer(add_dummy_prefix=False, remove_extra_whitespaces=False, escape_whitespaces=False)
    problem = None
    if not isinstance(norm, SentencePieceNormalizer):
        problem = f"normalizer {norm}"
    elif PieceKind.USER_DEFINED in tok.model.kinds():
        problem = "user-defined pieces"
    else:
        try:
            normalizer_json, pre = normalizer_steps(norm, tok.pretokenizer)
        except ValueError as e:
            problem = str(e)
    if problem:
        raise UnsupportedError(f"not supported yet: a tokenizer.json of a {tok.model.type} tokenizer with {problem}")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": normalizer_json,
        "pre_tokenizer": pre,
        "post_processor": post_processor,
        "decoder": decoder_json(norm),
        "model": model_json(tok),
    }
