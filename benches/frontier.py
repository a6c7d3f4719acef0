"""The frontier: tokenforge against the fastest encoders (gigatoken, splintr, tokie) and tiktoken / HF.

Every library holds the same vocabulary (cl100k, o200k from their `.tiktoken` files, GPT-2 from `encoder.json` +
`vocab.bpe`, all fetched by scripts/fetch_test_data.sh; the others load our exports of them) and runs in one
process, alternating, on the held-out corpus (bench-data/heldout_5M.txt, benches/corpus.sh): paragraphs
(~90 B, split on blank lines) and ~100 KB documents (paragraphs joined). Ids are checked item by item against
tiktoken before timing; a library whose ids differ is reported and its row marked.

Rows (MB/s = 10^6 UTF-8 bytes per second, median of the runs; `x gt` = ratio to gigatoken in the same run):
  one   one thread, warm (the instance has seen the text before), a loop of single-text calls
  fresh one thread, a fresh instance for each pass (cold caches; construction not timed)
  batch all threads, each library's fastest batch API (flat/numpy output where it has one, buffer sources);
        a timed run repeats the call for >= 0.5 s and reports MB/s per call
  file  all threads, the items written to a temp file (paragraphs joined by "\n\n", 100 KB documents by
        "<|endoftext|>") and each library's file API on it: ours `encode_file(path, separator=...)`, gigatoken's
        `encode_files(TextFileSource([path], separator=...))`, tokie's `encode_files([path], separator=...)`.
        Timed: the whole call (reading the warm file, splitting, encoding, the output arrays), repeated as in batch
  train BPE training on a corpus file with the GPT-2 pattern (seconds; merges compared with gigatoken's)
  load  a new instance from the vocabulary's file (milliseconds): ours `Tokenizer.from_tiktoken(path,
        pattern=...)`, gigatoken's `Tokenizer.from_tiktoken(path, pretokenizer=...)`, splintr's
        `Tokenizer.from_bytes(file bytes, pattern)` on the same `.tiktoken` file (the collector run and the
        previous instance freed before each, untimed); ids of the new instance checked against tiktoken's
One-thread rows run in a child process with RAYON_NUM_THREADS=1, batch, file, train and load rows with --threads.

Last figures: README's frontier table (a quiet run of every row). Where the instructions go and what each step
changed: docs/benchmarks.md, "Encoding loop, instruction counts" and "Frontier runs, step by step".

    python benches/frontier.py [--rows one fresh batch file train load] [--vocab cl100k gpt2 o200k] [--runs 5]
                               [--threads 2]
"""

from __future__ import annotations

import argparse
import base64
import gc
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchlib import DATA, ROOT, Spread, bytes_to_unicode, corpus_path, join_items, machine, read_documents, table

FETCHED = Path(os.environ.get("TOKENFORGE_TEST_DATA", ROOT / "tests" / "data" / "fetched"))
ITEM_SETS = {"paragraphs": 0, "100 KB docs": 100_000}
GIGATOKEN_PRESET = {"cl100k": "gpt4", "gpt2": "gpt2", "o200k": "o200k"}
OURS_PRESET = {"cl100k": "gpt4", "gpt2": "gpt2", "o200k": "o200k"}
TIKTOKEN_FILES = {"cl100k": "cl100k_base", "o200k": "o200k_base"}


def fetched(name: str) -> Path:
    """A file fetched by scripts/fetch_test_data.sh, or exit with how to get it."""
    path = FETCHED / name
    if not path.is_file():
        sys.exit(f"{path}: missing; run scripts/fetch_test_data.sh")
    return path


def ours(vocab: str):
    """Our tokenizer of `vocab`, from its rank file (tiktoken semantics: a piece that is a token is emitted whole)."""
    import tokenforge as tf

    return tf.Tokenizer.from_tiktoken(rank_file(vocab), pattern=OURS_PRESET[vocab])


def rank_file(vocab: str) -> Path:
    """A `.tiktoken` rank file of `vocab` in bench-data/frontier/: cl100k, o200k unpacked; GPT-2 written from
    `encoder.json` (its ids are its ranks, as in tiktoken's r50k_base)."""
    path = DATA / "frontier" / f"{vocab}.tiktoken"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        if vocab in TIKTOKEN_FILES:
            path.write_bytes(gzip.decompress(fetched(f"tiktoken/{TIKTOKEN_FILES[vocab]}.tiktoken.gz").read_bytes()))
        else:
            byte_of = {c: b for b, c in bytes_to_unicode().items()}
            encoder = json.loads(fetched("gpt2/encoder.json").read_text(encoding="utf-8"))
            lines = [
                f"{base64.b64encode(bytes(byte_of[c] for c in t)).decode()} {i}"
                for t, i in encoder.items()
                if i < 50256
            ]
            path.write_text("\n".join(lines) + "\n")
    return path


def ranks(vocab: str) -> dict[bytes, int]:
    """The mergeable ranks of `vocab`."""
    lines = rank_file(vocab).read_text().split()
    return {base64.b64decode(t): int(r) for t, r in zip(lines[::2], lines[1::2])}


class Libraries:
    """Constructors of every library's tokenizer for one vocabulary."""

    def __init__(self, vocab: str) -> None:
        self.vocab = vocab
        self.tok = ours(vocab)
        self.pattern = self.tok.pattern
        self.ranks = ranks(vocab)
        hf_dir = Path(tempfile.mkdtemp())
        self.tok.save_huggingface(hf_dir)
        self.hf_json = hf_dir / "tokenizer.json"

    def make(self, name: str):
        """A new instance of library `name`."""
        if name in ("tokenforge", NUMPY, GC_PAUSED):
            return ours(self.vocab)
        if name == "tiktoken":
            import tiktoken

            return tiktoken.Encoding(self.vocab, pat_str=self.pattern, mergeable_ranks=self.ranks, special_tokens={})
        if name in ("gigatoken", GT_LISTS):
            import gigatoken

            return gigatoken.Tokenizer.from_tiktoken(rank_file(self.vocab), pretokenizer=GIGATOKEN_PRESET[self.vocab])
        if name == "splintr":
            import splintr

            return splintr.Tokenizer.from_bytes(rank_file(self.vocab).read_bytes(), self.pattern)
        if name == "tokie":
            import tokie

            return tokie.Tokenizer.from_json(str(self.hf_json))
        if name == "HF":
            from tokenizers import Tokenizer

            return Tokenizer.from_file(str(self.hf_json))
        raise ValueError(name)


# Our single-text rows with `encode(text, output="numpy")` (a uint32 array, as gigatoken's `encode` returns);
# "tokenforge" alone is the list output. Batch rows have no such line (ours are numpy there already).
NUMPY = "tokenforge numpy"
# Our list output with Python's cyclic garbage collector paused during the timed loop (`gc.disable()`): the loop
# keeps every result, and the collector's passes over those lists (not the encoder) are most of the list rows'
# cost on short items. Numpy arrays are not tracked by the collector.
GC_PAUSED = "tokenforge gc paused"
# gigatoken has no list output for one text: a user who wants lists calls `.tolist()` on its array.
GT_LISTS = "gigatoken tolist"
LIBS = ["tokenforge", NUMPY, GC_PAUSED, "gigatoken", GT_LISTS, "splintr", "tokie", "tiktoken", "HF"]


def one_loop(name: str, inst) -> Callable[[list[str]], list[Sequence[int]]]:
    """A loop of each library's fastest single-text call over the items, written as a user would (no wrapper
    function per call: a lambda around a call costs ~50 ns, a twentieth of a paragraph's encoding)."""
    if name in ("tokenforge", GC_PAUSED, "gigatoken"):
        encode = inst.encode
        return lambda items: [encode(t) for t in items]
    if name == NUMPY:
        encode = inst.encode
        return lambda items: [encode(t, output="numpy") for t in items]
    if name == GT_LISTS:
        encode = inst.encode
        return lambda items: [encode(t).tolist() for t in items]
    if name in ("tiktoken", "splintr"):
        encode = inst.encode_ordinary
        return lambda items: [encode(t) for t in items]
    encode = inst.encode
    return lambda items: [encode(t, add_special_tokens=False).ids for t in items]


def flat_lists(ids, offsets) -> list[list[int]]:
    """Per-text id lists from a flat buffer and its offsets."""
    ids, offsets = [int(i) for i in ids], [int(o) for o in offsets]
    return [ids[a:b] for a, b in zip(offsets, offsets[1:])]


def batch_call(name: str, inst, items: list[str], buffer: bytes | None) -> Callable[[], object] | None:
    """Each library's fastest batch call on `items` (a buffer source when `buffer` is given and it has one)."""
    if name == "tokenforge":
        if not hasattr(inst, "encode_buffer"):  # before the numpy output existed
            return lambda: inst.encode_batch(items)
        if buffer is not None:
            return lambda: inst.encode_buffer(buffer, separator=b"\n\n")
        return lambda: inst.encode_batch(items, output="numpy")
    if name == "gigatoken":
        import gigatoken

        if buffer is not None:
            return lambda: inst.encode_batch(gigatoken.BytesSource(buffer, separator=b"\n\n"))
        return lambda: inst.encode_batch(items)
    if name == "splintr":
        return lambda: inst.encode_batch_flat(items)
    if name == "tokie":
        return lambda: inst.encode_batch_flat(items)
    if name == "tiktoken":
        return lambda: inst.encode_ordinary_batch(items, num_threads=os.cpu_count())
    if name == "HF":
        return lambda: inst.encode_batch(items, add_special_tokens=False)
    return None


# The separator of each item set in a file: paragraphs hold no blank line, 100 KB documents do.
FILE_SEPARATORS = {True: b"\n\n", False: b"<|endoftext|>"}


def file_call(name: str, inst, path: Path, separator: bytes) -> Callable[[], object] | None:
    """Each library's file API on `path` (documents between occurrences of `separator`), or None."""
    if name == "tokenforge":
        return lambda: inst.encode_file(path, separator=separator)
    if name == "gigatoken":
        import gigatoken

        return lambda: inst.encode_files(gigatoken.TextFileSource([path], separator=separator))
    if name == "tokie":
        return lambda: inst.encode_files([str(path)], separator=separator)
    return None


def file_lists(name: str, out) -> list[list[int]]:
    """The per-document ids of a file call's result (tokie's gives offsets, its batch call lengths)."""
    return flat_lists(*out) if name == "tokie" else batch_lists(name, out)


def batch_lists(name: str, out) -> list[list[int]]:
    """The per-text ids of a batch call's result."""
    import numpy as np

    if name == "tokenforge":
        return out if isinstance(out, list) else flat_lists(*out)
    if name == "gigatoken":
        import awkward as ak

        return ak.to_list(out)
    if name == "splintr":
        return flat_lists(np.frombuffer(out[0], "<u4"), np.frombuffer(out[1], "<u8"))
    if name == "tokie":
        return flat_lists(out[0], np.concatenate([[0], np.cumsum(out[1])]))
    if name == "HF":
        return [e.ids for e in out]
    return [list(x) for x in out]


def mismatches(got: list[list[int]], want: list[list[int]]) -> int:
    """Items whose ids differ (a length mismatch counts every missing item)."""
    return sum(1 for a, b in zip(got, want) if list(a) != list(b)) + abs(len(got) - len(want))


# A timed batch run repeats the call until it lasts this long: one call on the 5 MB corpus takes 10-40 ms on
# 2 cores, and thread pools that are still waking up or spinning down skew so short a run by up to 2x.
BATCH_RUN_SECONDS = 0.5


def repeats_for(call: Callable[[], object]) -> int:
    """How many calls make one timed batch run last BATCH_RUN_SECONDS (from one untimed call)."""
    t = time.perf_counter()
    call()
    return max(1, round(BATCH_RUN_SECONDS / (time.perf_counter() - t)))


def repeated(call: Callable[[], object], n: int) -> Callable[[], object]:
    """`call` run `n` times."""

    def run() -> object:
        for _ in range(n):
            out = call()
        return out

    return run


def timed(runners: dict[str, Callable[[], object]], runs: int, before: Callable[[str], None] | None = None):
    """Wall seconds of each runner, alternating, `runs` times (`before(name)` untimed before each)."""
    walls: dict[str, list[float]] = {n: [] for n in runners}
    for _ in range(runs):
        for name in list(runners):
            if before:
                before(name)
            run = runners[name]  # after `before`, which may replace it (a fresh instance)
            t = time.perf_counter()
            run()
            walls[name].append(time.perf_counter() - t)
    return walls


def encode_rows(vocab: str, mode: str, runs: int, libs: Sequence[str]) -> list[list[object]]:
    """Rows of one encoding mode (`one`, `fresh`, `batch`) for one vocabulary."""
    L = Libraries(vocab)
    docs = read_documents("heldout_5M.txt")
    rows = []
    for label, size in ITEM_SETS.items():
        items = join_items(docs, size) if size else docs
        mbs, bad = measure(L, mode, items, size == 0, runs, libs)
        gt = mbs.get("gigatoken")
        for n in mbs:
            ratio = f"{mbs[n].median / gt.median:.2f}×" if gt else "-"
            ids = "yes" if bad[n] == 0 else f"NO ({bad[n]} of {len(items)} differ)"
            rows.append([vocab, label, mode, n, mbs[n].fmt(1), ratio, ids])
        print(f"  {vocab} {label} {mode}: " + ", ".join(f"{n} {m.median:.0f}" for n, m in mbs.items()), flush=True)
    return rows


def measure(L: Libraries, mode: str, items: list[str], buffered: bool, runs: int, libs: Sequence[str]):
    """MB/s of each library on `items` in `mode`, and how many items' ids differ from tiktoken's."""
    total = sum(len(t.encode()) for t in items)
    tik = L.make("tiktoken")
    want = [tik.encode_ordinary(t) for t in items]
    inst = {n: L.make(n) for n in libs}
    bad: dict[str, int] = {}
    if mode in ("batch", "file"):
        singles = (NUMPY, GC_PAUSED, GT_LISTS)
        lists = batch_lists if mode == "batch" else file_lists
        if mode == "batch":
            buffer = "\n\n".join(items).encode() if buffered else None
            calls = {n: batch_call(n, inst[n], items, buffer) for n in libs if n not in singles}
        else:
            separator = FILE_SEPARATORS[buffered]
            path = Path(tempfile.mkdtemp()) / "items.txt"
            path.write_bytes(separator.join(t.encode() for t in items))
            calls = {n: file_call(n, inst[n], path, separator) for n in libs if n not in singles}
        calls = {n: call for n, call in calls.items() if call is not None}
        for n, call in calls.items():
            bad[n] = mismatches(lists(n, call()), want)
        repeats = {n: repeats_for(call) for n, call in calls.items()}
        runners = {n: repeated(call, repeats[n]) for n, call in calls.items()}
        walls = {n: [w / repeats[n] for w in ws] for n, ws in timed(runners, runs).items()}
    else:
        loops = {n: one_loop(n, inst[n]) for n in libs}
        for n, each in loops.items():
            bad[n] = mismatches([list(ids) for ids in each(items)], want)

        def timed_loop(each: Callable[[list[str]], object], paused: bool) -> Callable[[], object]:
            def run() -> object:
                if paused:
                    gc.disable()
                try:
                    return each(items)
                finally:
                    gc.enable()

            return run

        runners = {n: timed_loop(each, n == GC_PAUSED) for n, each in loops.items()}

        def fresh(name: str) -> None:
            runners[name] = timed_loop(one_loop(name, L.make(name)), name == GC_PAUSED)

        walls = timed(runners, runs, fresh if mode == "fresh" else None)
    return {n: Spread([total / w / 1e6 for w in ws]) for n, ws in walls.items()}, bad


def train_rows(corpus: str, sizes: Sequence[int], runs: int) -> list[list[object]]:
    """BPE training with the GPT-2 pattern on a corpus file: ours (`tokenforge.train`) vs gigatoken."""
    import gigatoken

    import tokenforge as tf

    path = corpus_path(corpus)
    rows = []
    for vocab_size in sizes:
        walls: dict[str, list[float]] = {"tokenforge": [], "gigatoken": []}
        results = {}
        for _ in range(runs):
            t = time.perf_counter()
            tok = tf.train(path, vocab_size, pretokenizer="gpt2")
            walls["tokenforge"].append(time.perf_counter() - t)
            t = time.perf_counter()
            vocab, merges = gigatoken.train_bpe(str(path), vocab_size, [])
            walls["gigatoken"].append(time.perf_counter() - t)
            results = {"tokenforge": tok, "gigatoken": merges}
        same = results["tokenforge"].merges == [tuple(m) for m in results["gigatoken"]]
        secs = {n: Spread(ws) for n, ws in walls.items()}
        for n in walls:
            ratio = f"{secs['gigatoken'].median / secs[n].median:.2f}×"
            rows.append([corpus, f"{vocab_size}", "train", n, secs[n].fmt(2) + " s", ratio, "yes" if same else "NO"])
        print(f"  train {corpus} {vocab_size}: " + ", ".join(f"{n} {s.median:.2f} s" for n, s in secs.items()))
    return rows


# The libraries whose constructor reads the `.tiktoken` file itself.
LOADERS = ("tokenforge", "gigatoken", "splintr")


def load_rows(vocab: str, runs: int, libs: Sequence[str]) -> list[list[object]]:
    """Seconds to make a new instance of each library from the rank file of `vocab`, alternating."""
    L = Libraries(vocab)
    names = [n for n in LOADERS if n in libs]
    texts = read_documents("heldout_5M.txt")[:200]
    tik = L.make("tiktoken")
    want = [tik.encode_ordinary(t) for t in texts]
    bad = {n: mismatches([list(ids) for ids in one_loop(n, L.make(n))(texts)], want) for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(runs):
        for n in names:
            gc.collect()
            t = time.perf_counter()
            inst = L.make(n)
            walls[n].append(time.perf_counter() - t)
            del inst
    secs = {n: Spread([w * 1000 for w in ws]) for n, ws in walls.items()}
    gt = secs.get("gigatoken")
    rows = []
    for n in names:
        ratio = f"{gt.median / secs[n].median:.2f}×" if gt else "-"
        ids = "yes" if bad[n] == 0 else f"NO ({bad[n]} of {len(texts)} differ)"
        rows.append([vocab, "rank file", "load", n, secs[n].fmt(0) + " ms", ratio, ids])
    print(f"  load {vocab}: " + ", ".join(f"{n} {s.median:.0f} ms" for n, s in secs.items()), flush=True)
    return rows


def child(args: argparse.Namespace, mode: str, threads: int) -> list[list[object]]:
    """Runs one mode in a child process with `threads` Rust threads; returns its rows."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="true" if threads > 1 else "false")
    cmd = [sys.executable, __file__, "--child", mode, "--runs", str(args.runs), "--vocab", *args.vocab]
    cmd += ["--libs", *args.libs, "--train-sizes", *map(str, args.train_sizes), "--corpus", args.corpus]
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        if not line.startswith("ROWS "):
            print(line, flush=True)
    return json.loads(next(line[5:] for line in out.splitlines() if line.startswith("ROWS ")))


def main() -> None:
    """Parses the flags, runs each mode in its child and prints the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = ["one", "fresh", "batch", "file", "train", "load"]
    ap.add_argument("--rows", nargs="+", choices=modes, default=["one", "fresh", "batch", "file"])
    ap.add_argument("--vocab", nargs="+", choices=sorted(OURS_PRESET), default=["cl100k", "gpt2"])
    ap.add_argument("--libs", nargs="+", choices=LIBS, default=LIBS)
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each library (default 5)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads of the batch rows")
    ap.add_argument("--corpus", default="corpus_100M.txt", help="corpus file of the train rows")
    ap.add_argument("--train-sizes", nargs="+", type=int, default=[8000, 32000])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child == "train":
            rows = train_rows(args.corpus, args.train_sizes, args.runs)
        elif args.child == "load":
            rows = [r for v in args.vocab for r in load_rows(v, args.runs, args.libs)]
        else:
            rows = [r for v in args.vocab for r in encode_rows(v, args.child, args.runs, args.libs)]
        print("ROWS " + json.dumps(rows))
        return
    print(machine())
    print(f"load average before: {os.getloadavg()}")
    rows = []
    for mode in args.rows:
        threads = args.threads if mode in ("batch", "file", "train", "load") else 1
        rows += child(args, mode, threads)
    print(f"load average after: {os.getloadavg()}")
    print(f"\n{args.runs} alternating runs; MB/s median (min–max); train, load in time; x gt = vs gigatoken")
    print(table(["vocab", "items", "mode", "library", "MB/s", "x gt", "ids = tiktoken"], rows))


if __name__ == "__main__":
    main()
