"""Dataset tokenization throughput: `tokenforge tokenize` vs a `datasets`-style map with HF `tokenizers`.

The corpus is bench-data/corpus_10M.txt split on blank lines into paragraphs, written once as JSON lines
(bench-data/corpus_10M.jsonl). Both sides read that file, encode every paragraph with the same 32k gpt4-pattern
tokenizer (trained on the corpus by benchlib) on all cores, and write the same npy output: uint16 tokens and an
int64 document-offset index. HF: `json.loads` per line, `Tokenizer.encode_batch` over batches of 1000 documents
(what `datasets.map(batched=True)` hands a tokenizer), ids gathered into numpy and saved. Ours: the `tokenforge
tokenize` command, flat and `--pack --context 4096`. Each variant runs in a fresh process (start-up included),
alternating, and the flat outputs are checked to be identical.

    python benches/tokenize_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchlib import DATA, Spread, alternate, cached_tokenizer, hf_tokenizer, machine, read_documents, table

CORPUS = "corpus_10M.txt"
HF_BATCH = 1000


def jsonl_corpus() -> Path:
    """bench-data/corpus_10M.jsonl: the corpus's paragraphs as JSON lines (made once)."""
    path = DATA / (Path(CORPUS).stem + ".jsonl")
    if not path.is_file():
        tmp = path.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for doc in read_documents(CORPUS):
                f.write(json.dumps({"text": doc}, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return path


def tokenizer_dir() -> Path:
    """The directory of the cached benchmark tokenizer (trained on first use)."""
    cached_tokenizer("gpt4", 32000, CORPUS)
    return DATA / "tokenizers" / f"{Path(CORPUS).stem}-gpt4-32000"


def hf_child(corpus: str, out: str) -> None:
    """The HF side, run in a child process: a `datasets`-style batched map, then the npy output."""
    import tokenforge as tf

    hf = hf_tokenizer(tf.Tokenizer.load(tokenizer_dir()))
    started = time.perf_counter()
    chunks, lengths, batch = [], [], []

    def flush() -> None:
        for enc in hf.encode_batch(batch):
            chunks.append(np.asarray(enc.ids, dtype=np.uint16))
            lengths.append(len(enc.ids))
        batch.clear()

    with open(corpus, encoding="utf-8") as f:
        for line in f:
            batch.append(json.loads(line)["text"])
            if len(batch) == HF_BATCH:
                flush()
    if batch:
        flush()
    np.save(Path(out) / "tokens.npy", np.concatenate(chunks))
    np.save(Path(out) / "tokens.idx.npy", np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    print(json.dumps({"seconds": time.perf_counter() - started}))


def ours_command(corpus: Path, out: Path, pack: bool) -> list[str]:
    """The `tokenforge tokenize` command line."""
    cmd = [sys.executable, "-m", "tokenforge.cli", "tokenize", "-t", str(tokenizer_dir()), str(corpus)]
    return cmd + ["-o", str(out), "--no-progress"] + (["--pack", "--context", "4096"] if pack else [])


def flat_tokens(out: Path) -> np.ndarray:
    """All tokens of a `tokenforge tokenize` flat output, in order."""
    from tokenforge.dataset import Dataset

    ds = Dataset(out)
    return np.concatenate([np.asarray(ds.shard(i).tokens) for i in range(ds.num_shards)])


def main() -> None:
    """Runs the comparison and prints a markdown report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        hf_child(*args.child)
        return
    corpus = jsonl_corpus()
    tokenizer_dir()
    size = corpus.stat().st_size
    text_bytes = sum(len(d.encode()) for d in read_documents(CORPUS))
    print(machine() + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        outs = {name: Path(tmp) / name for name in ("hf", "ours", "ours_pack")}
        outs["hf"].mkdir()

        cpu: dict[str, list[float]] = {}
        last: dict[str, str] = {}

        def child(name: str, cmd: list[str], out: Path | None = None) -> None:
            """Runs a child process (after clearing its output directory) and records its CPU seconds."""
            if out is not None:
                shutil.rmtree(out, ignore_errors=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            last[name] = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            cpu.setdefault(name, []).append(used)

        hf_cmd = [sys.executable, __file__, "--child", str(corpus), str(outs["hf"])]
        runners = {
            "HF map": lambda: child("HF map", hf_cmd),
            "ours": lambda: child("ours", ours_command(corpus, outs["ours"], False), outs["ours"]),
            "ours --pack": lambda: child(
                "ours --pack", ours_command(corpus, outs["ours_pack"], True), outs["ours_pack"]
            ),
        }
        timings = alternate(runners, args.runs)
        same = np.array_equal(np.load(outs["hf"] / "tokens.npy"), flat_tokens(outs["ours"]))
    rows = []
    hf_median = Spread(timings.wall["HF map"]).median
    for name in runners:
        wall = Spread(timings.wall[name])
        mbs = Spread([text_bytes / 1e6 / s for s in timings.wall[name]])
        rows.append(
            [
                name,
                wall.fmt(),
                mbs.fmt(1),
                f"{hf_median / wall.median:.2f}×",
                f"{Spread(cpu[name]).median / wall.median:.2f}",
            ]
        )
    print(
        f"{corpus.name}: {size / 1e6:.1f} MB of JSON lines, {text_bytes / 1e6:.1f} MB of text; "
        f"{args.runs} alternating runs, each a fresh process (wall seconds, start-up included)\n"
    )
    print(table(["variant", "s", "MB/s of text", "vs HF map", "cores"], rows))
    print(f"\nflat token streams identical to HF's: {same}")
    print("packed run: " + " / ".join(last["ours --pack"].strip().splitlines()))


if __name__ == "__main__":
    main()
