"""Shared by the interop tests: the reference libraries set up from a tokenforge export, fetched real
vocabularies (cached, skipped with a message when scripts/fetch_test_data.sh has not run), and text."""

from __future__ import annotations

import base64
import functools
import gzip
from pathlib import Path

import pytest
import tiktoken
from hypothesis import strategies as st
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge import _core

FETCHED = Path(__file__).parent / "data" / "fetched"

CL100K_SPECIALS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
O200K_SPECIALS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def fetched(relative: str) -> Path:
    """A file fetched by scripts/fetch_test_data.sh; skips the test when it is not there."""
    path = FETCHED / relative
    if not path.is_file():
        pytest.skip(f"{path} is missing: run scripts/fetch_test_data.sh")
    return path


def hf_of(tok: tf.Tokenizer, directory: Path) -> HFTokenizer:
    """Stock `tokenizers` loading tokenforge's export of `tok`."""
    return HFTokenizer.from_file(str(tok.save_huggingface(directory)))


def tiktoken_of(tok: tf.Tokenizer, directory: Path) -> tiktoken.Encoding:
    """Stock `tiktoken` reading tokenforge's `.tiktoken` export of `tok` (pattern and specials passed along)."""
    path = tok.save_tiktoken(directory / "tok.tiktoken")
    return tiktoken.Encoding(
        "exported", pat_str=tok.pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens=tok.special_tokens
    )


@functools.cache
def openai_pair(name: str) -> tuple[tf.Tokenizer, tiktoken.Encoding]:
    """tokenforge's `from_tiktoken` of a fetched OpenAI vocabulary, and tiktoken's Encoding of the same file."""
    path = fetched(f"tiktoken/{name}.tiktoken.gz")
    preset, specials = {"cl100k_base": ("gpt4", CL100K_SPECIALS), "o200k_base": ("o200k", O200K_SPECIALS)}[name]
    ours = tf.Tokenizer.from_tiktoken(path, pattern=preset, special_tokens=specials)
    ranks = {}
    for line in gzip.decompress(path.read_bytes()).splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    theirs = tiktoken.Encoding(
        name, pat_str=_core.Pretokenizer(preset).pattern, mergeable_ranks=ranks, special_tokens=specials
    )
    return ours, theirs


# -- text -----------------------------------------------------------------------------------------------------

MULTILINGUAL = [
    "The committee met on Tuesday, 3 March 2026, at 09:45. It's the third meeting; they'll meet again "
    "in April — hopefully with fewer 'quick questions' (and more answers!). Costs rose 12.5% to $1,234,567.",
    "Der Ausschuss tagte am Dienstag. Größere Änderungen wurden nicht beschlossen, aber die Straße vor dem "
    "Rathaus bleibt gesperrt, weil Bauarbeiten länger dauern als geplant.",
    "Le comité s'est réuni mardi. « Où sont les procès-verbaux ? » a demandé l'élue ; personne n'a su répondre "
    "avant l'été. Ça arrive, dit-on, même aux meilleurs.",
    "El comité se reunió el martes. ¿Dónde están las actas? ¡Nadie lo sabía! La señora Núñez pidió más café.",
    "Комитет собрался во вторник. Решения не приняли, но ремонт дороги у ратуши продлится ещё две недели.",
    "Η επιτροπή συνεδρίασε την Τρίτη. Κανείς δεν ήξερε πού βρίσκονται τα πρακτικά της προηγούμενης συνάντησης.",
    "اجتمعت اللجنة يوم الثلاثاء. لم يعرف أحد أين توجد محاضر الاجتماع السابق، وسيستمر إصلاح الطريق أسبوعين.",
    "הוועדה התכנסה ביום שלישי. איש לא ידע היכן נמצאים הפרוטוקולים של הישיבה הקודמת.",
    "समिति की बैठक मंगलवार को हुई। किसी को नहीं पता था कि पिछली बैठक का विवरण कहाँ है।",
    "委员会于星期二开会。没有人知道上次会议的记录在哪里，市政厅前的道路维修还要再持续两周。",
    "委員会は火曜日に開かれました。前回の議事録がどこにあるのか、誰も知りませんでした。カタカナも混ぜます。",
    "위원회는 화요일에 모였습니다. 지난 회의록이 어디에 있는지 아무도 몰랐습니다.",
    "คณะกรรมการประชุมเมื่อวันอังคาร ไม่มีใครรู้ว่าบันทึกการประชุมครั้งก่อนอยู่ที่ไหน",
    "Komite salı günü toplandı. İstanbul'daki ılık havada kimse önceki toplantının tutanaklarını bulamadı.",
    "Tiếng Việt có dấu: Ủy ban họp vào thứ Ba; không ai biết biên bản cuộc họp trước ở đâu.",
    "Emoji and symbols: 👋🏽 👨‍👩‍👧‍👦 🇫🇷 ✓ ≠ ∑ ∞ €£¥ — ½ ¼ ™ © ® ° µ ß ﬁ ﬂ Ⅻ ①②③ ｆｕｌｌｗｉｄｔｈ",
    "def parse(line: str) -> dict[str, int]:\n    key, _, value = line.partition('=')\n"
    "    return {key.strip(): int(value or 0)}\n\n\tif x != y:\r\n\t\treturn None  # done\n",
    "Combining marks: e\u0301 a\u0308 n\u0303 — precomposed: é ä ñ. Zero width\u200bspace, NBSP\u00a0here, "
    "line\u2028separator.   Trailing spaces   \n\n\n  indented\n",
]

# Characters the split patterns treat specially: spaces of several kinds, line ends, digits of several
# scripts, apostrophes and contractions, letters of several cases and scripts, marks, punctuation, emoji.
TRICKY = st.sampled_from(
    list(" \t\n\r\x0b\x0c\u00a0\u2009\u3000'’\"0123456789٣५")
    + ["'s", "'LL", "'re", "\r\n", "  ", "\n\n"]
    + list("aZéÉßǅʰƻ中ひアДдΩא\u0301\u0308\u093f.,;:!?-_/\\()[]{}<>@#$%^&*+=|~`👋🏽€")
    + ["the", " the", "The"]
)


def tricky_text() -> st.SearchStrategy[str]:
    """Short texts made of the characters and fragments split patterns treat specially."""
    return st.lists(TRICKY, max_size=40).map("".join)


def word_text(words: list[str]) -> st.SearchStrategy[str]:
    """Texts made of real words and separators, so that many merges apply."""
    sep = st.sampled_from([" ", "  ", "\n", ", ", ". ", "'s ", "\t", "", "-", " 42 "])
    return st.lists(st.tuples(st.sampled_from(words), sep), max_size=30).map(
        lambda parts: "".join(w + s for w, s in parts)
    )


# The ASCII classes the block scanner tells apart (letters incl. contraction letters in both cases, digits,
# spaces, newlines, other white space, apostrophes, punctuation), and a few characters it leaves to the scalar one.
BLOCK_ASCII = list("asStTrReEvVmMlLdDxz019 \n\r\t\x0b\x0c'.,!(-/\"")
BLOCK_RARE = list("é\u00a0\u3000ſ’中\u0085٣😀")


def block_text() -> st.SearchStrategy[str]:
    """Texts of 60-300 characters that cross the 64-byte blocks of the preset scanners: runs of 1-7 of one ASCII
    character (spaces, newlines, digits, apostrophes), mixed white space, now and then a non-ASCII character."""
    run = st.tuples(st.sampled_from(BLOCK_ASCII), st.integers(1, 7)).map(lambda cn: cn[0] * cn[1])
    spaces = st.text(" \n\r\t\x0b", min_size=1, max_size=6)
    part = st.one_of(run, run, spaces, st.sampled_from(BLOCK_ASCII), st.sampled_from(BLOCK_RARE))
    return st.lists(part, min_size=30, max_size=120).map("".join).filter(lambda t: 60 <= len(t) <= 300)


def any_text(words: list[str]) -> st.SearchStrategy[str]:
    """Arbitrary text, tricky characters, or real words."""
    return st.one_of(st.text(), tricky_text(), word_text(words))


def words_of(docs: list[str], n: int = 300) -> list[str]:
    """The first `n` distinct whitespace-separated words of `docs`."""
    seen: dict[str, None] = {}
    for d in docs:
        for w in d.split():
            seen.setdefault(w, None)
            if len(seen) >= n:
                return list(seen)
    return list(seen)
