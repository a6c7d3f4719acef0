"""Encoding throughput: tokenforge vs tiktoken and Hugging Face `tokenizers`, on one thread and on a batch.

One 32k tokenizer of ours per pattern (trained on corpus_10M.txt, cached in bench-data/tokenizers/) is exported
to tiktoken and to HF, so all three libraries hold the same model. The held-out text (heldout_5M.txt) is
encoded as paragraphs (split on blank lines: ~100-byte items) and as ~100 KB items (paragraphs joined).

1 thread: tiktoken `encode_ordinary` in a loop, ours `encode` in a loop, HF `encode_batch` with
TOKENIZERS_PARALLELISM=false. Batch: tiktoken `encode_ordinary_batch(num_threads=T)`, ours `encode_batch`, HF
`encode_batch` with parallelism on; the Rust thread pools get T threads (RAYON_NUM_THREADS). Runs alternate in
this process; the figures are MB/s (10^6 bytes of UTF-8 per second), median and min–max. Ids are checked to be
identical across the three libraries, item by item.

    python benches/encode_vs_tiktoken.py [--quick] [--runs 5] [--pattern gpt2 gpt4] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from benchlib import Spread, alternate, join_items, machine, read_documents, table, text_bytes

VOCAB = 32000
ITEM_SETS = {"paragraphs": 0, "100 KB items": 100_000}


def first_difference(a: Sequence[int], b: Sequence[int]) -> int:
    """Index of the first position where two id lists differ."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def report_mismatch(tok, name: str, items: Sequence[str], ours: list[list[int]], theirs: list[list[int]]) -> int:
    """Counts items whose ids differ and prints the first one (the whole item when short, else its context)."""
    bad = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    if not bad:
        return 0
    i = bad[0]
    a, b = ours[i], theirs[i]
    k = first_difference(a, b)
    print(f"  first mismatch vs {name}: item {i} ({len(items[i].encode())} bytes), first differing id at {k}")
    if len(items[i]) <= 2000:
        print(f"    text: {items[i]!r}\n    ours:   {a}\n    {name}: {b}")
    else:
        offset = len(tok.decode_bytes(a[:k]))
        print(f"    text at byte {offset}: {items[i].encode()[max(0, offset - 200) : offset + 200]!r}")
    print(f"    ours   {[tok.token_bytes(t) for t in a[max(0, k - 3) : k + 8]]}")
    print(f"    {name} {[tok.token_bytes(t) for t in b[max(0, k - 3) : k + 8]]}")
    return len(bad)


def hf_ids(hf, items: Sequence[str], parallel: bool) -> list[list[int]]:
    """HF `encode_batch` ids, with its thread pool on or off."""
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if parallel else "false"
    return [e.ids for e in hf.encode_batch(items, add_special_tokens=False)]


def make_runners(tok, enc, hf, items: Sequence[str], threads: int) -> dict[str, Callable[[], object]]:
    """The six timed variants: each library on one thread and on a batch."""
    return {
        "tiktoken": lambda: [enc.encode_ordinary(t) for t in items],
        "ours": lambda: [tok.encode(t) for t in items],
        "HF": lambda: hf_ids(hf, items, parallel=False),
        "tiktoken batch": lambda: enc.encode_ordinary_batch(items, num_threads=threads),
        "ours batch": lambda: tok.encode_batch(items),
        "HF batch": lambda: hf_ids(hf, items, parallel=True),
    }


def bench(pattern: str, runs: int, threads: int) -> list[list[object]]:
    """Table rows (1 thread and batch, for each item set) for one pattern."""
    from benchlib import cached_tokenizer, hf_tokenizer, tiktoken_encoding

    tok = cached_tokenizer(pattern, VOCAB)
    enc, hf = tiktoken_encoding(tok), hf_tokenizer(tok)
    docs = read_documents("heldout_5M.txt")
    rows = []
    for label, size in ITEM_SETS.items():
        items = join_items(docs, size) if size else docs
        total = text_bytes(items)
        print(f"{pattern}, {label}: {len(items)} items, {total / 1e6:.2f} MB, mean {total / len(items):.0f} bytes")
        ours = [tok.encode(t) for t in items]
        mism = {
            "tiktoken": report_mismatch(tok, "tiktoken", items, ours, [enc.encode_ordinary(t) for t in items]),
            "HF": report_mismatch(tok, "HF", items, ours, hf_ids(hf, items, parallel=False)),
            "ours batch": report_mismatch(tok, "ours batch", items, ours, tok.encode_batch(items)),
        }
        runners = make_runners(tok, enc, hf, items, threads)
        t = alternate(runners, runs)
        mbs = {name: Spread([total / w / 1e6 for w in walls]) for name, walls in t.wall.items()}
        print("  cores used: " + ", ".join(f"{n} {t.cores(n):.1f}" for n in runners))
        for mode, suffix in (("1 thread", ""), (f"batch, {threads} threads", " batch")):
            tk, us, h = mbs["tiktoken" + suffix], mbs["ours" + suffix], mbs["HF" + suffix]
            row = [pattern, label, mode, tk.fmt(1), us.fmt(1), h.fmt(1)]
            row += [f"{us.median / tk.median:.2f}×", f"{us.median / h.median:.2f}×"]
            row += [f"{us.median / mbs['ours'].median:.2f}×" if suffix else "-"]
            rows.append(row)
            print("  " + " | ".join(str(c) for c in row), flush=True)
        print(f"  items with different ids: {mism}")
    return rows


def main() -> None:
    """Parses the flags and prints the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="gpt4 pattern only, 3 runs")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each variant (default 5)")
    ap.add_argument("--pattern", nargs="+", choices=["gpt2", "gpt4"], default=["gpt2", "gpt4"])
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads of the batch variants")
    args = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)  # before any Rust thread pool starts
    if args.quick:
        args.pattern, args.runs = ["gpt4"], 3
    print(machine())
    print(f"{VOCAB} vocab, {args.runs} alternating runs each, MB/s median (min–max)\n")
    rows = [row for p in args.pattern for row in bench(p, args.runs, args.threads)]
    header = ["pattern", "items", "mode", "tiktoken", "ours", "HF", "ours/tiktoken", "ours/HF", "ours batch/1 thread"]
    print("\n" + table(header, rows))


if __name__ == "__main__":
    main()
