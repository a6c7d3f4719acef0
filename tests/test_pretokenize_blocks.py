"""The preset scanners' pieces against the Python `regex` module running their exact patterns, on texts that cross
the 64-byte blocks of the block scanner (gpt2, gpt4, qwen2, o200k): the pieces themselves, not only the ids, so that
a wrong cut that BPE happens to hide still fails."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from interop_support import block_text

from tokenforge import _core

PATTERNS = {
    "gpt2": _core.GPT2_PATTERN,
    "gpt4": _core.CL100K_PATTERN,
    "qwen2": _core.QWEN2_PATTERN,
    "o200k": _core.O200K_PATTERN,
}
# Runs placed across a block edge: white space, contractions, digit groups, symbols with their trailing newlines
# (and o200k's slashes), case changes inside a word.
EDGE_RUNS = ["\n \n", "  \n\t ", "'ll", "'S", "1234567", "!!\n\n", " ( x", "\r\n\r\n  y", "é  z", "!\n/\n/a", "aBc's'd"]


@pytest.mark.parametrize("name", sorted(PATTERNS))
@given(text=block_text())
def test_block_scanner_pieces_are_the_regex_matches(name, text):
    # The presets' patterns match everywhere, so their matches cover the text: they are the pieces.
    assert _core.Pretokenizer(name).split(text) == regex.findall(PATTERNS[name], text)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_block_scanner_on_runs_across_a_block_edge(name):
    for lead in range(56, 70):
        for run in EDGE_RUNS:
            text = ("ab " * 30)[:lead] + run + "b c\n"
            assert _core.Pretokenizer(name).split(text) == regex.findall(PATTERNS[name], text), repr(text)
