"""Shared by the Unigram tests: sentencepiece models trained on the spot, and multilingual text."""

from __future__ import annotations

import random
from pathlib import Path

import sentencepiece as spm

from tokenforge.models.unigram import PieceKind, UnigramModel

SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéèàüöß",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщыэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "han": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
    "kana": "あいうえおかきくけこさしすせそアイウエオカキクケコ",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
}


def multilingual_lines(n: int, seed: int = 0) -> list[str]:
    """`n` lines of made-up words in seven scripts (Zipf-like word frequencies), with digits and punctuation."""
    rng = random.Random(seed)
    lexicon = []
    for alphabet in SCRIPTS.values():
        for _ in range(300):
            lexicon.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))))
    weights = [1 / (k + 1) for k in range(len(lexicon))]
    rng.shuffle(lexicon)
    lines = []
    for _ in range(n):
        words = rng.choices(lexicon, weights, k=rng.randint(3, 15))
        if rng.random() < 0.3:
            words.append(str(rng.randint(0, 99999)) + rng.choice(".,;!?"))
        lines.append(" ".join(words))
    return lines


def train_sentencepiece(lines: list[str], directory: Path, name: str, vocab_size: int, **options) -> Path:
    """A sentencepiece Unigram model trained on `lines`; returns the `.model` path."""
    corpus = directory / f"{name}.txt"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(directory / name),
        vocab_size=vocab_size,
        model_type="unigram",
        minloglevel=2,
        num_threads=2,
        **options,
    )
    return directory / f"{name}.model"


def kind_of(sp: spm.SentencePieceProcessor, i: int) -> PieceKind:
    """The type of piece `i`, through sentencepiece's predicates."""
    if sp.is_unknown(i):
        return PieceKind.UNKNOWN
    if sp.is_control(i):
        return PieceKind.CONTROL
    if sp.is_byte(i):
        return PieceKind.BYTE
    if sp.is_unused(i):
        return PieceKind.UNUSED
    return PieceKind.NORMAL


def model_of(sp: spm.SentencePieceProcessor, byte_fallback: bool) -> UnigramModel:
    """Our model with the pieces, scores and types of a loaded sentencepiece model."""
    n = sp.get_piece_size()
    return UnigramModel(
        [sp.id_to_piece(i) for i in range(n)],
        [sp.get_score(i) for i in range(n)],
        sp.unk_id(),
        byte_fallback,
        [kind_of(sp, i) for i in range(n)],
    )
