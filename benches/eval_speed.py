"""How long `tokenforge eval` takes: 5 tokenizers over the 10 MB benchmark corpus (the issue asks for well under a
minute), with the time split into loading, encoding per tokenizer and the rest (word spans, alignment, counts).

    python benches/eval_speed.py [--corpus corpus_10M.txt] [--runs 3]

Tokenizers: ours trained on the corpus with the gpt2 and gpt4 patterns (32k, cached in bench-data/tokenizers/),
the fetched DeepSeek and Claude `tokenizer.json` and cl100k `.tiktoken` (scripts/fetch_test_data.sh), all read
through `tokenforge.metrics.load_adapter` as `tokenforge eval` does.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchlib import ROOT, cached_tokenizer, corpus_path, machine, table

from tokenforge.metrics import evaluate, load_adapter
from tokenforge.metrics.adapters import OursAdapter

FETCHED = ROOT / "tests" / "data" / "fetched"


def adapters():
    """The five tokenizers behind adapters."""
    out = [OursAdapter(cached_tokenizer(p, 32000), f"ours-{p}-32k") for p in ("gpt2", "gpt4")]
    out.append(load_adapter(f"deepseek={FETCHED / 'deepseek' / 'tokenizer.json'}"))
    out.append(load_adapter(f"claude={FETCHED / 'anthropic' / 'tokenizer.json'}"))
    out.append(load_adapter(f"cl100k={FETCHED / 'tiktoken' / 'cl100k_base.tiktoken.gz'}", pattern="gpt4"))
    return out


def main() -> None:
    """Runs the evaluation `--runs` times and prints a markdown table of medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus_10M.txt")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = corpus_path(args.corpus)
    print(machine(), "\n")
    rows: dict[str, list[float]] = {}
    for _ in range(args.runs):
        start = time.perf_counter()
        ads = adapters()
        for a in ads:
            a.token_lengths()
        loaded = time.perf_counter()
        result = evaluate(ads, [("bench", str(path))])
        total = time.perf_counter() - start
        rows.setdefault("load tokenizers", []).append(loaded - start)
        encode = 0.0
        for name, entry in result["tokenizers"].items():
            seconds = entry["corpora"]["bench"]["encode_seconds"]
            rows.setdefault(f"encode {name}", []).append(seconds)
            encode += seconds
        rows.setdefault("measure (words, spans, counts, composition)", []).append(result["seconds"] - encode)
        rows.setdefault("total", []).append(total)
    size = result["corpora"]["bench"]["bytes"] / 1e6
    print(f"{args.corpus}: {size:.1f} MB, {args.runs} runs, median (min–max) seconds\n")
    print(
        table(
            ["step", "seconds"],
            [[k, f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f})"] for k, v in rows.items()],
        )
    )


if __name__ == "__main__":
    main()
