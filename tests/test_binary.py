"""Binary BPE: raw bytes, chunks, byte caps, nested families, format detection."""

from __future__ import annotations

import glob
import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pip
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.corpus import CorpusStats
from tokenforge.corpus.executables import BinaryStats, binary_segments, detect_format
from tokenforge.training.binary import BINARY_SPECIALS, binary_report, sampled, save_family, train_binary_family
from tokenforge.training.memory import resident_bytes

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


def test_train_reports_what_binary_bpe_read(executables):
    stats = CorpusStats()
    tf.train(executables, 300, algorithm="binary", stats=stats)
    files = sorted(p for p in executables.iterdir())
    assert stats.files == stats.documents == len(files)
    assert stats.bytes == sum(p.stat().st_size for p in files)


def test_binary_rejects_text_options(executables):
    with pytest.raises(tf.ConfigError, match="pre-tokenizer"):
        tf.train(executables, 500, algorithm="binary", pretokenizer="gpt4")


CAPPED_SCRIPT = """
import json, sys
from tokenforge.training.binary import train_binary_family
family = train_binary_family(sys.argv[1], [300], max_memory=sys.argv[2])
status = open("/proc/self/status").read().split("VmHWM:")[1].split()
print(json.dumps({"peak": int(status[0]) * 1024, "merges": len(family[300].merges)}))
"""


def _machine_code_like(path: Path, size: int, seed: int) -> None:
    """Bytes with the statistics of code: a few hundred recurring 2–12 byte snippets and noise."""
    rng = random.Random(seed)
    snippets = [rng.randbytes(rng.randint(2, 12)) for _ in range(400)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(snippets) if rng.random() < 0.8 else rng.randbytes(1)
    path.write_bytes(bytes(out[:size]))


def test_memory_cap_samples_chunks_and_holds(tmp_path):
    for k in range(4):
        _machine_code_like(tmp_path / f"f{k}.bin", 6 << 20, k)
    # Learning from all 24 MiB would take about 1 GiB; the cap leaves room for about a third of the chunks.
    cap = 400 << 20
    out = subprocess.run(
        [sys.executable, "-c", CAPPED_SCRIPT, str(tmp_path), str(cap)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["merges"] == 300 - 256
    assert result["peak"] < cap, f"peak {result['peak'] / 2**20:.0f} MiB over the {cap / 2**20:.0f} MiB cap"
    assert "learning from a hash-chosen" in out.stderr


def test_chunk_sample_ignores_input_order_and_a_cap_that_fits(tmp_path):
    files = []
    for k in range(3):
        files.append(tmp_path / f"f{k}.bin")
        _machine_code_like(files[-1], 256 << 10, 10 + k)
    share = 0.4
    forward = [c for c, _ in sampled(binary_segments(files, 4096, BinaryStats()), share)]
    backward = [c for c, _ in sampled(binary_segments(files[::-1], 4096, BinaryStats()), share)]
    assert sorted(forward) == sorted(backward)
    assert 0.25 < len(forward) / (3 * 64) < 0.55, "about the share asked for"
    ample = resident_bytes() + (2 << 30)
    capped = train_binary_family(files, [400], chunk_size=4096, max_memory=ample)[400]
    assert capped.merges == train_binary_family(files, [400], chunk_size=4096)[400].merges
