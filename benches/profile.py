"""Where our time goes: phase timings, and single workloads to run under a sampling profiler.

    python benches/profile.py phases [--pattern gpt4] [--corpus 10M] [--vocab 32000] [--runs 3]
    python benches/profile.py train [--pattern gpt4] [--corpus 10M] [--vocab 32000]   # one training run
    python benches/profile.py encode [--items paragraphs|100k] [--repeat 3]           # encode loops

`phases` times training in its two stages through the low-level core API (pre-token counting with
`WordCounter.feed` in the batches the library uses, then `train_bpe`), and encoding split into what a Python
call costs (`encode("")` per item), pre-tokenization alone (`Pretokenizer.split`, which also builds the
pieces' Python strings) and the whole `encode`. Run the workloads under a profiler, e.g.

    py-spy record --native -r 250 -o train.svg -- python benches/profile.py train
    perf record -F 999 -g -- python benches/profile.py encode
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from benchlib import Spread, alternate, cached_tokenizer, join_items, read_documents, table, text_bytes

CORPORA = {"10M": "corpus_10M.txt", "100M": "corpus_100M.txt"}
BATCH_SEGMENTS = 4096  # documents per WordCounter.feed call, as the library batches them


def count(docs: Sequence[str], pattern: str):
    """Pre-token counts of `docs` (a `_core.WordCounter`)."""
    from tokenforge import _core

    counter = _core.WordCounter(pattern)
    for i in range(0, len(docs), BATCH_SEGMENTS):
        batch = docs[i : i + BATCH_SEGMENTS]
        counter.feed(batch, [True] * len(batch))
    counter.finish()
    return counter


def training_phases(docs: Sequence[str], pattern: str, vocab_size: int, runs: int) -> list[list[object]]:
    """Rows: count, merge and the whole `train_from_iterator`, in seconds."""
    import tokenforge as tf
    from tokenforge import _core

    counted: dict[str, object] = {}

    def do_count() -> None:
        counted["c"] = count(docs, pattern)

    t = alternate({"count": do_count}, runs)
    counter = counted["c"]
    t2 = alternate(
        {
            "merge": lambda: _core.train_bpe(counter, vocab_size),
            "train_from_iterator": lambda: tf.train_from_iterator(docs, vocab_size, pretokenizer=pattern),
        },
        runs,
    )
    print(f"  {len(counter)} distinct pre-tokens, {counter.total()} in all")
    return [[n, Spread(w).fmt(3), f"{timing.cores(n):.1f}"] for timing in (t, t2) for n, w in timing.wall.items()]


def encoding_runners(tok, items: Sequence[str]) -> dict[str, Callable[[], object]]:
    """The encoding phases as runners: call overhead, pre-tokenization alone, whole encode."""
    from tokenforge import _core

    pre = _core.Pretokenizer(tok.pretokenizer)
    return {
        'encode("") per item': lambda: [tok.encode("") for _ in items],
        "Pretokenizer.split": lambda: [pre.split(t) for t in items],
        "encode": lambda: [tok.encode(t) for t in items],
        "encode_batch": lambda: tok.encode_batch(items),
    }


def encode_items(kind: str) -> list[str]:
    """The held-out text as paragraphs or as ~100 KB items."""
    docs = read_documents("heldout_5M.txt")
    return docs if kind == "paragraphs" else join_items(docs, 100_000)


def encoding_phases(pattern: str, runs: int) -> list[list[object]]:
    """Rows: each encoding phase on paragraphs and on 100 KB items, seconds and MB/s."""
    tok = cached_tokenizer(pattern, 32000)
    rows = []
    for kind in ("paragraphs", "100k"):
        items = encode_items(kind)
        total = text_bytes(items)
        t = alternate(encoding_runners(tok, items), runs)
        for name, w in t.wall.items():
            rows.append([kind, name, Spread(w).fmt(3), f"{total / Spread(w).median / 1e6:.1f}"])
    return rows


def main() -> None:
    """Parses the flags and runs the phases or one workload."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["phases", "train", "encode"])
    ap.add_argument("--pattern", choices=["gpt4", "gpt2"], default="gpt4")
    ap.add_argument("--corpus", choices=list(CORPORA), default="10M")
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per phase (phases)")
    ap.add_argument("--items", choices=["paragraphs", "100k"], default="paragraphs", help="(encode)")
    ap.add_argument("--repeat", type=int, default=3, help="training runs (train) or passes over the items (encode)")
    args = ap.parse_args()
    if args.what == "train":
        import tokenforge as tf

        docs = read_documents(CORPORA[args.corpus])
        for _ in range(args.repeat):
            tf.train_from_iterator(docs, args.vocab, pretokenizer=args.pattern)
    elif args.what == "encode":
        tok, items = cached_tokenizer(args.pattern, 32000), encode_items(args.items)
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for t in items:
                tok.encode(t)
        print(f"{args.repeat * text_bytes(items) / (time.perf_counter() - t0) / 1e6:.1f} MB/s")
    else:
        docs = read_documents(CORPORA[args.corpus])
        print(f"training phases: {args.corpus}, vocab {args.vocab}, {args.pattern}")
        rows = training_phases(docs, args.pattern, args.vocab, args.runs)
        print(table(["phase", "seconds", "cores"], rows))
        print(f"\nencoding phases: heldout_5M, 32k, {args.pattern}")
        print(table(["items", "phase", "seconds", "MB/s"], encoding_phases(args.pattern, args.runs)))


if __name__ == "__main__":
    main()
