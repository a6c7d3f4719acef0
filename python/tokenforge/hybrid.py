"""Morphology-aware hybrid tokenizer (Bayram et al. 2025, "Tokens with Meaning: A Hybrid Tokenization Approach
for NLP"): words are segmented by a lexicon into a root and affixes, affixes that differ only by vowel harmony
or consonant assimilation share one id (the decoder picks the surface from the text before it), case and the
space between words are special tokens (`<uppercase>`, `<space>`), and byte-level BPE covers the rest.

Unlike the published `turkish-tokenizer` (whose decode changes 15 of 92 UDHR lines), decoding restores the text
exactly: the encoder only uses a shared affix id or `<uppercase>` where the decoder's rule gives back the very
same characters, and falls back to BPE otherwise.

**Prototype in Python**: segmentation and the encode loop run in Python (words are cached, so each distinct
word is segmented once); the BPE part runs in the Rust core. It is a standalone class (`HybridTokenizer`), read
by `tokenforge eval` through its adapter, not yet a `tf.train(algorithm="hybrid")` family.

Vocabulary: ids 0–1 the specials, then the roots (lower case), then one id per affix group (shown as its first
allomorph), then the BPE tokenizer's ids (bytes, merges).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.metrics.integrity import read_list
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator

UPPER, SPACE = "<uppercase>", "<space>"
SPECIALS = (UPPER, SPACE)
FILE = "hybrid.json"
FORMAT = "tokenforge-hybrid"
WORD = re.compile(r"[^\W\d_]+")
#: Share of the vocabulary that roots may take (the paper: 20k roots of a 32k vocabulary).
ROOT_SHARE = 0.6
BACK, FRONT = set("aıou"), set("eiöü")
VOICELESS = set("çfhkpsşt")
#: The high vowel that follows each vowel (backness and rounding).
HIGH = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}
#: Archiphonemes of Turkish affixes: letters that alternate by harmony or assimilation, and their class.
ARCHI = {"a": "A", "e": "A", "ı": "I", "i": "I", "u": "I", "ü": "I", "d": "D", "t": "D", "c": "C", "ç": "C"}


def tr_lower(text: str) -> str:
    """Lower case with Turkish dotted and dotless i."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def tr_upper_first(text: str) -> str:
    """The first character upper-cased with Turkish i rules."""
    head = {"i": "İ", "ı": "I"}.get(text[:1], text[:1].upper())
    return head + text[1:]


def affix_key(affix: str, harmony: bool) -> str:
    """The group of an affix: its archiphoneme spelling with harmony, else the affix itself."""
    return "".join(ARCHI.get(c, c) for c in affix) if harmony else affix


def realise(allomorphs: tuple[str, ...], before: str) -> str:
    """The allomorph of a group that Turkish harmony picks after the text `before`: the vowel class follows the
    vowel before it, the affix's own vowels included (a/e by backness; ı/i/u/ü by backness and rounding), d/t and
    c/ç by the voicing of the last letter. The first allomorph when none fits."""
    before = tr_lower(before)
    start_vowel = next((c for c in reversed(before) if c in BACK or c in FRONT), "")
    last = before[-1:]

    def fits(form: str) -> bool:
        if form[:1] in ("d", "t", "c", "ç") and last and (form[0] in ("t", "ç")) != (last in VOICELESS):
            return False
        vowel = start_vowel
        for c in form:
            if vowel and c in "ae" and (c == "a") != (vowel in BACK):
                return False
            if vowel and c in "ıiuü" and c != HIGH[vowel]:
                return False
            if c in BACK or c in FRONT:
                vowel = c
        return True

    return next((f for f in allomorphs if fits(f)), allomorphs[0])


def read_entries(source: str | os.PathLike | Iterable[str], language: str | None, strip: str = "") -> list[str]:
    """Entries of a word-list file (one per line, hunspell `.dic` works) or of a list, folded, sorted."""
    if isinstance(source, (str, os.PathLike)):
        return sorted(read_list(source, language, strip))
    return sorted({tr_lower(s.strip(strip)) if language == "tr" else s.strip(strip).lower() for s in source} - {""})


class HybridTokenizer:
    """Roots and affix groups from a lexicon, BPE for the rest; `encode`/`decode` round-trip exactly."""

    def __init__(self, roots: list[str], groups: list[tuple[str, ...]], bpe: Tokenizer, harmony: bool = True):
        self.roots = list(roots)
        self.groups = [tuple(g) for g in groups]
        self.bpe = bpe
        self.harmony = harmony
        self.root_id = {r: len(SPECIALS) + i for i, r in enumerate(self.roots)}
        self.group_base = len(SPECIALS) + len(self.roots)
        self.group_of = {a: self.group_base + k for k, g in enumerate(self.groups) for a in g}
        self.bpe_base = self.group_base + len(self.groups)
        self.max_root = max(map(len, self.roots), default=0)
        self._segment = lru_cache(maxsize=1 << 18)(self._segment_word)

    n_specials = len(SPECIALS)  # `<uppercase>` (id 0) and `<space>` (id 1)

    @property
    def vocab_size(self) -> int:
        """Specials, roots, affix groups and the BPE vocabulary."""
        return self.bpe_base + self.bpe.vocab_size

    def _cover(self, rest: str, before: str) -> list[int] | None:
        """Group ids covering `rest` after `before` (longest affix first), each giving back its exact surface."""
        if not rest:
            return []
        for n in range(len(rest), 0, -1):
            affix = rest[:n]
            gid = self.group_of.get(affix)
            if gid is None or realise(self.groups[gid - self.group_base], before) != affix:
                continue
            tail = self._cover(rest[n:], before + affix)
            if tail is not None:
                return [gid, *tail]
        return None

    def _segment_word(self, word: str) -> tuple[int, ...]:
        """Ids of a lower-case word: the longest root whose remainder affixes cover exactly, else BPE."""
        for n in range(min(len(word), self.max_root), 0, -1):
            rid = self.root_id.get(word[:n])
            if rid is not None:
                affixes = self._cover(word[n:], word[:n])
                if affixes is not None:
                    return (rid, *affixes)
        return tuple(self.bpe_base + i for i in self.bpe.encode(word))

    def _pieces(self, text: str) -> Iterator[tuple[str, str]]:
        """`("word", w)` and `("gap", g)` runs of the text, in order."""
        pos = 0
        for m in WORD.finditer(text):
            if m.start() > pos:
                yield "gap", text[pos : m.start()]
            yield "word", m.group(0)
            pos = m.end()
        if pos < len(text):
            yield "gap", text[pos:]

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`."""
        out: list[int] = []
        for kind, piece in self._pieces(text):
            if kind == "gap":
                if piece == " ":
                    out.append(1)
                else:
                    out.extend(self.bpe_base + i for i in self.bpe.encode(piece))
                continue
            lower = tr_lower(piece)
            if piece == lower:
                out.extend(self._segment(lower))
            elif tr_upper_first(lower) == piece:
                out.append(0)
                out.extend(self._segment(lower))
            else:
                out.extend(self.bpe_base + i for i in self.bpe.encode(piece))
        return out

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text."""
        return [self.encode(t) for t in texts]

    def decode(self, ids: list[int]) -> str:
        """The text of `ids` (exactly the encoded text)."""
        parts: list[str] = []
        pending: list[int] = []
        word = ""  # the current word so far, lower case: what an affix's surface depends on
        upper = False

        def emit(s: str) -> None:
            nonlocal upper
            if upper and s:
                s, upper = tr_upper_first(s), False
            parts.append(s)

        def flush() -> None:
            if pending:
                emit(self.bpe.decode_bytes(pending).decode("utf-8", "replace"))
                pending.clear()

        for i in ids:
            if i >= self.bpe_base:
                pending.append(i - self.bpe_base)
                continue
            flush()
            if i == 0:
                upper = True
            elif i == 1:
                emit(" ")
            elif i < self.group_base:
                word = self.roots[i - len(SPECIALS)]
                emit(word)
            else:
                affix = realise(self.groups[i - self.group_base], word)
                word += affix
                emit(affix)
        flush()
        return "".join(parts)

    def token_text(self, i: int) -> str:
        """What id `i` stands for (a group as its first allomorph, a BPE token as its bytes)."""
        if i < len(SPECIALS):
            return SPECIALS[i]
        if i < self.group_base:
            return self.roots[i - len(SPECIALS)]
        if i < self.bpe_base:
            return self.groups[i - self.group_base][0]
        return self.bpe.token_bytes(i - self.bpe_base).decode("utf-8", "replace")

    def save(self, directory: str | os.PathLike) -> Path:
        """Writes `hybrid.json` and the BPE part (`bpe/`) into `directory`."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.bpe.save(d / "bpe")
        data = {"format": FORMAT, "version": 1, "roots": self.roots, "groups": self.groups, "harmony": self.harmony}
        (d / FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return d / FILE

    @classmethod
    def load(cls, directory: str | os.PathLike) -> HybridTokenizer:
        """Reads what `save` wrote."""
        d = Path(directory)
        try:
            data = json.loads((d / FILE).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise TokenizerFileError(f"{d / FILE}: not a hybrid tokenizer (format {data.get('format')!r})")
            return cls(data["roots"], [tuple(g) for g in data["groups"]], Tokenizer.load(d / "bpe"), data["harmony"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            if isinstance(e, TokenizerFileError):
                raise
            raise TokenizerFileError(f"{d / FILE}: corrupt hybrid tokenizer ({type(e).__name__}: {e})") from None


def train_hybrid(
    texts: Iterable[str],
    vocab_size: int,
    roots: str | os.PathLike | Iterable[str],
    affixes: str | os.PathLike | Iterable[str],
    language: str | None = "tr",
    **bpe_options,
) -> HybridTokenizer:
    """Trains on documents: keeps the roots the corpus uses most (at most `ROOT_SHARE` of the vocabulary), groups
    the affixes (by Turkish harmony when `language` is `tr`), and trains BPE on what the lexicon leaves."""
    docs = list(texts)
    root_list = read_entries(roots, language)
    affix_list = read_entries(affixes, language, strip="-")
    harmony = language == "tr"
    grouped: dict[str, list[str]] = {}
    for a in affix_list:
        grouped.setdefault(affix_key(a, harmony), []).append(a)
    groups = [tuple(v) for _, v in sorted(grouped.items())]
    words = Counter(tr_lower(w) for d in docs for w in WORD.findall(d))
    full = HybridTokenizer(root_list, groups, Tokenizer.bytes_only(), harmony)
    used: Counter[str] = Counter()
    for w, n in words.items():
        first = full._segment(w)[0]
        if len(SPECIALS) <= first < full.group_base:
            used[full.roots[first - len(SPECIALS)]] += n
    budget = int(vocab_size * ROOT_SHARE)
    kept = sorted(r for r, _ in used.most_common(budget))
    bpe_size = vocab_size - len(SPECIALS) - len(kept) - len(groups)
    if bpe_size < 256:
        raise ConfigError(
            f"vocab_size {vocab_size} leaves {bpe_size} ids for BPE after {len(kept)} roots and "
            f"{len(groups)} affix groups: at least 256 are needed"
        )
    lexical = HybridTokenizer(kept, groups, Tokenizer.bytes_only(), harmony)
    residue = [w for w, n in words.items() for _ in range(n) if lexical._segment(w)[0] >= lexical.bpe_base]
    gaps = [g for d in docs for kind, g in lexical._pieces(d) if kind == "gap" and g != " "]
    bpe = train_from_iterator(residue + gaps, bpe_size, **bpe_options)
    return HybridTokenizer(kept, groups, bpe, harmony)
