"""Binary BPE (Bommarito 2025, "Binary BPE: cross-platform tokenizers for binary analysis").

Raw bytes with no pre-tokenization: files are cut into fixed-size chunks (8 KiB by default) and BPE merges
bytes inside a chunk, with tokens of at most 16 bytes. One run yields a *family* of nested vocabularies
(e.g. 4K/8K/16K/32K/64K): each is a prefix of one merge list, and the special tokens sit right after the 256
bytes, so a token has the same id in every member of the family."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tokenforge.corpus import CorpusStats
from tokenforge.corpus.executables import BinaryStats, binary_files, binary_segments, detect_format, file_chunks
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.bpe import TokenRules, learn_merges
from tokenforge.training.counting import count_pretokens
from tokenforge.training.memory import MIN_WORKING, available_memory, default_cap, parse_size, resident_bytes

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

log = logging.getLogger("tokenforge")

#: The reference's seven special tokens (pass them as `special_tokens` to get its layout).
BINARY_SPECIALS = ("<|start|>", "<|end|>", "<|pad|>", "<|unk|>", "<|cls|>", "<|sep|>", "<|mask|>")
CHUNK_SIZE = 8192
MAX_TOKEN_BYTES = 16
#: Peak memory of the merge phase per byte of chunks it learns from (35–41 measured on ELF files).
BYTES_PER_CHUNK_BYTE = 44
#: Memory kept aside under a cap for reading and for the interpreter's own growth.
READING_MARGIN = 64 << 20


def sample_share(total_bytes: int, max_memory: int | str | None) -> float:
    """The share of chunks of a corpus of `total_bytes` that fits a memory cap (1.0 without one, or when the
    corpus fits): chunks rarely repeat, so the merge phase grows with the bytes learned from, about
    `BYTES_PER_CHUNK_BYTE` per byte."""
    if max_memory is None:
        return 1.0
    cap = parse_size(max_memory)
    budget = cap - resident_bytes() - READING_MARGIN
    if budget < MIN_WORKING:
        raise ConfigError(
            f"max_memory {cap / 2**20:.0f} MiB is too small: the process already uses "
            f"{resident_bytes() / 2**20:.0f} MiB; allow at least {(MIN_WORKING + READING_MARGIN) / 2**20:.0f} MiB more"
        )
    need = total_bytes * BYTES_PER_CHUNK_BYTE
    return min(1.0, budget / need) if need else 1.0


def sampled(segments: Iterator[tuple[bytes, bool]], share: float) -> Iterator[tuple[bytes, bool]]:
    """The chunks whose hash falls in the first `share` of the hash range: the same chunks whatever the order of
    the input, equal chunks kept or left out together."""
    if share >= 1.0:
        yield from segments
        return
    bound = int(share * 2**64)
    for chunk, end in segments:
        if int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") < bound:
            yield chunk, end


def train_binary_family(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    vocab_sizes: Sequence[int],
    *,
    chunk_size: int = CHUNK_SIZE,
    max_token_bytes: int = MAX_TOKEN_BYTES,
    min_frequency: int = 2,
    special_tokens: Sequence[str] = (),
    progress: bool = False,
    stats: BinaryStats | None = None,
    max_memory: int | str | None = None,
) -> dict[int, Tokenizer]:
    """Trains Binary BPE once, to the largest of `vocab_sizes`, and returns the nested family
    `{vocab size: Tokenizer}`. Ids 256.. are the special tokens; merges follow. Under `max_memory` ("4GB"),
    when the corpus would not fit, training learns from a hash-chosen share of the chunks (logged)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = binary_files(paths)
    total = sum(p.stat().st_size for p in files)
    share = sample_share(total, default_cap("Binary BPE") if max_memory is None else max_memory)
    if share < 1.0:
        log.warning(
            "memory cap: learning from a hash-chosen %.1f%% of the chunks (about %.0f MB of %.0f MB fit in %.0f MiB)",
            100 * share,
            total * share / 1e6,
            total / 1e6,
            parse_size(max_memory) / 2**20 if max_memory is not None else available_memory() / 2**21,
        )
    sizes = sorted(set(vocab_sizes))
    specials = list(dict.fromkeys(special_tokens))
    if not sizes or sizes[0] < 256 + len(specials):
        raise ConfigError(f"every vocab size must hold the 256 bytes and {len(specials)} special tokens: {sizes}")
    stats = BinaryStats() if stats is None else stats
    stats.share = share
    base = Tokenizer.bytes_only()
    placeholders = [*base.vocab(), *([b""] * len(specials))]
    with Progress(enabled=progress) as bar:
        bar.start("counting chunks", unit="bytes")
        (counter,) = count_pretokens(sampled(binary_segments(files, chunk_size, stats), share), ["none"], bar)
        if len(counter) == 0:
            capped = f" in the {100 * share:.1f}% of chunks the memory cap holds" if share < 1 else ""
            raise CorpusError(f"{', '.join(map(str, paths))}: no bytes to learn from{capped}")
        vocab, merges = learn_merges(
            counter,
            sizes[-1],
            [],
            bar,
            min_frequency=min_frequency,
            rules=TokenRules(max_token_bytes=max_token_bytes),
            base=(placeholders, []),
        )
    special_ids = {s: 256 + k for k, s in enumerate(specials)}
    for s, i in special_ids.items():
        vocab[i] = s.encode()
    family = {}
    for size in sizes:
        n = min(size, len(vocab))
        family[size] = Tokenizer(vocab[:n], [m for m in merges if m[1] < n], "none", special_tokens=special_ids)
    return family


def train_files(paths: list, vocab_size: int, opts: TrainOptions, stats: CorpusStats | None) -> Tokenizer:
    """Binary BPE as `tokenforge.train(paths, algorithm="binary")` runs it: one member of a family; `stats`
    counts each file as one document of raw bytes."""
    read = BinaryStats()
    family = train_binary_family(
        paths,
        [vocab_size],
        chunk_size=opts.chunk_size,
        max_token_bytes=opts.max_token_bytes or MAX_TOKEN_BYTES,
        min_frequency=opts.min_frequency,
        special_tokens=opts.specials,
        progress=opts.progress,
        stats=read,
        max_memory=opts.max_memory,
    )
    if stats is not None:
        stats.files, stats.documents, stats.bytes = read.files, read.files, read.bytes
        stats.learned_share = read.share
    return family[vocab_size]


def save_family(family: dict[int, Tokenizer], directory: str | os.PathLike) -> list[Path]:
    """Writes each member under `directory/<vocab size>/` (tokenforge.json and tokenizer.json)."""
    out = []
    for size, tok in sorted(family.items()):
        d = Path(directory) / str(size)
        out.append(tok.save(d))
        tok.save_huggingface(d)
    return out


def binary_report(tok: Tokenizer, paths: str | os.PathLike | Iterable[str | os.PathLike]) -> dict[str, dict]:
    """Per executable format: files, bytes, tokens, bytes per token and the share of the vocabulary used,
    encoding each file whole (`encode_bytes`)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    rows: dict[str, dict] = {}
    used: dict[str, set[int]] = {}
    for path in binary_files(paths):
        data = b"".join(file_chunks(path, 1 << 20))
        kind = detect_format(data[:4096])
        ids = tok.encode_bytes(data)
        row = rows.setdefault(kind, {"files": 0, "bytes": 0, "tokens": 0})
        row["files"] += 1
        row["bytes"] += len(data)
        row["tokens"] += len(ids)
        used.setdefault(kind, set()).update(ids)
    ordinary = tok.vocab_size - len(tok.special_tokens)
    for kind, row in rows.items():
        row["bytes_per_token"] = row["bytes"] / row["tokens"] if row["tokens"] else 0.0
        row["vocab_utilization"] = len(used[kind]) / ordinary
    return rows
