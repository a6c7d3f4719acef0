"""Binary BPE: raw bytes, chunks, byte caps, nested families, format detection."""

from __future__ import annotations

import glob
import os
import struct
import sys
from pathlib import Path

import pip
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.corpus.executables import BinaryStats, detect_format
from tokenforge.training.binary import BINARY_SPECIALS, binary_report, save_family, train_binary_family

PE_FILES = sorted(glob.glob(os.path.join(os.path.dirname(pip.__file__), "_vendor", "distlib", "*.exe")))


@pytest.fixture(scope="module")
def executables(tmp_path_factory) -> Path:
    """A directory of real executables: this Python (ELF) and pip's Windows launchers (PE)."""
    d = tmp_path_factory.mktemp("bin")
    (d / "python").write_bytes(Path(sys.executable).resolve().read_bytes()[: 2 << 20])
    for p in PE_FILES[:3]:
        (d / os.path.basename(p)).write_bytes(Path(p).read_bytes())
    return d


@pytest.fixture(scope="module")
def family(executables):
    stats = BinaryStats()
    fam = train_binary_family(executables, [300, 600, 1000], special_tokens=BINARY_SPECIALS, stats=stats)
    return fam, stats


def test_formats_are_detected():
    assert detect_format(Path(sys.executable).resolve().read_bytes()[:4096]) == "elf"
    for p in PE_FILES:
        assert detect_format(Path(p).read_bytes()[:4096]) == "pe"
    assert detect_format(b"\xcf\xfa\xed\xfe" + bytes(60)) == "macho"
    assert detect_format(b"\xca\xfe\xba\xbe" + struct.pack(">I", 2) + bytes(60)) == "macho-fat"
    java_class = b"\xca\xfe\xba\xbe" + struct.pack(">HH", 0, 52) + bytes(60)
    assert detect_format(java_class) == "other"
    assert detect_format(b"MZ" + bytes(100)) == "other"


def test_family_members_are_prefixes_with_shared_ids(family):
    fam, stats = family
    assert stats.formats["elf"][0] == 1 and stats.formats["pe"][0] == len(PE_FILES[:3])
    small, mid, large = fam[300], fam[600], fam[1000]
    assert (small.vocab_size, mid.vocab_size, large.vocab_size) == (300, 600, 1000)
    for tok in fam.values():
        assert tok.special_tokens == {s: 256 + k for k, s in enumerate(BINARY_SPECIALS)}
    assert large.vocab()[:600] == mid.vocab() and mid.vocab()[:300] == small.vocab()
    assert large.merges[: len(mid.merges)] == mid.merges


def test_tokens_respect_the_byte_cap(family, executables):
    fam, _ = family
    assert max(len(fam[1000].token_bytes(i)) for i in range(263, 1000)) <= 16
    capped = tf.train(executables, 500, algorithm="binary", max_token_bytes=3)
    lengths = [len(capped.token_bytes(i)) for i in range(256, 500)]
    assert max(lengths) == 3


@given(data=st.binary(max_size=3000))
def test_bytes_round_trip(family, data):
    tok = family[0][1000]
    assert tok.decode_bytes(tok.encode_bytes(data)) == data


def test_report_per_format(family, executables):
    rows = binary_report(family[0][1000], executables)
    assert set(rows) == {"elf", "pe"}
    for row in rows.values():
        assert row["bytes_per_token"] > 1.0 and 0 < row["vocab_utilization"] <= 1


def test_saved_family_loads_in_hf_for_utf8_bytes(family, tmp_path):
    save_family(family[0], tmp_path)
    tok = tf.Tokenizer.load(tmp_path / "1000")
    assert tok.vocab() == family[0][1000].vocab()
    # HF takes text, not bytes: it can only be given bytes that are valid UTF-8 (see docs/binary.md).
    hf = HFTokenizer.from_file(str(tmp_path / "1000" / "tokenizer.json"))
    data = Path(tf.__file__).read_bytes()
    assert hf.encode(data.decode(), add_special_tokens=False).ids == tok.encode_bytes(data)


def test_binary_rejects_text_options(executables):
    with pytest.raises(tf.ConfigError, match="pre-tokenizer"):
        tf.train(executables, 500, algorithm="binary", pretokenizer="gpt4")
