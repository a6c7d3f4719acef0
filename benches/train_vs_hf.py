"""Training: tokenforge vs Hugging Face `tokenizers` BpeTrainer — wall time, peak memory, identical merges.

Both train on the same documents (a corpus file split on blank lines) with the same split pattern: HF with
Split(Regex(pattern), "isolated") + ByteLevel(add_prefix_space=False, use_regex=False) and the full byte
alphabet, ours with the matching preset. Timing alternates the two in this process (median and min–max of
--runs runs each); peak RSS comes from one fresh child process per trainer: the peak during training (the
documents, both libraries and the interpreter included), beside the RSS just before training.

    python benches/train_vs_hf.py [--quick] [--runs 5] [--pattern gpt4|gpt2] [--corpus 10M 100M]
                                  [--vocab 8000 32000] [--no-memory]
"""

from __future__ import annotations

import argparse
import json
import time

from benchlib import (
    Spread,
    alternate,
    bytes_to_unicode,
    child_report,
    hf_pretokenizer,
    machine,
    read_documents,
    reset_peak_rss,
    rss_mib,
    run_child,
    table,
)

CORPORA = {"10M": "corpus_10M.txt", "100M": "corpus_100M.txt"}


def pattern_of(preset: str) -> str:
    """The exact regex of one of our presets."""
    from tokenforge import _core

    return _core.Pretokenizer(preset).pattern


def train_hf(docs: list[str], vocab_size: int, preset: str):
    """HF byte-level BPE trained on `docs` with the preset's regex."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = hf_pretokenizer(pattern_of(preset))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    hf.train_from_iterator(docs, trainer=trainer)
    return hf


def train_ours(docs: list[str], vocab_size: int, preset: str):
    """Our tokenizer trained on `docs`."""
    import tokenforge as tf

    return tf.train_from_iterator(docs, vocab_size, pretokenizer=preset)


TRAINERS = {"hf": train_hf, "ours": train_ours}


def hf_merges(hf) -> list[tuple[bytes, bytes]]:
    """HF's merges in rank order, converted from byte-level strings to bytes."""
    u2b = {c: b for b, c in bytes_to_unicode().items()}
    merges = json.loads(hf.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [(bytes(u2b[c] for c in a), bytes(u2b[c] for c in b)) for a, b in pairs]


def merge_mismatches(theirs: list[tuple[bytes, bytes]], ours: list[tuple[bytes, bytes]]) -> tuple[int, str]:
    """Number of ranks where the merge lists differ (a length difference counts too) and the first one."""
    diff = [i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b]
    count = len(diff) + abs(len(theirs) - len(ours))
    if diff:
        i = diff[0]
        return count, f"rank {i}: HF {theirs[i]!r} vs ours {ours[i]!r}"
    if count:
        return count, f"lengths differ: HF {len(theirs)} vs ours {len(ours)} merges"
    return 0, ""


def child(which: str, corpus: str, vocab_size: int, preset: str) -> None:
    """Child-process mode: load the documents, reset the peak RSS, train once with `which`, report the peak
    and the RSS before training (the interpreter, the trainer's library and the documents)."""
    import tokenizers  # noqa: F401 (both libraries are loaded before the baseline)

    import tokenforge  # noqa: F401

    docs = read_documents(CORPORA[corpus])
    reset_peak_rss()
    before = rss_mib()
    t0 = time.perf_counter()
    TRAINERS[which](docs, vocab_size, preset)
    child_report(seconds=time.perf_counter() - t0, before_mib=round(before, 1))


def bench(corpus: str, vocab_size: int, preset: str, runs: int, memory: bool) -> list[object]:
    """One table row: times, ratio, peak memory and merge check for one corpus and vocab size."""
    docs = read_documents(CORPORA[corpus])
    results: dict[str, object] = {}

    def runner(name: str):
        def run() -> None:
            results[name] = TRAINERS[name](docs, vocab_size, preset)

        return run

    times = alternate({name: runner(name) for name in TRAINERS}, runs)
    hf, ours = Spread(times.wall["hf"]), Spread(times.wall["ours"])
    mismatches, first = merge_mismatches(hf_merges(results["hf"]), results["ours"].merges)
    if first:
        print(f"  first merge mismatch ({corpus}, {vocab_size}): {first}")
    peak = {"hf": "-", "ours": "-", "before": "-"}
    if memory:
        for which in TRAINERS:
            r = run_child("train_vs_hf.py", [which, corpus, str(vocab_size), preset])
            peak[which] = r.get("peak_mib", r.get("error"))
            peak["before"] = r.get("before_mib", "-")
    row = [corpus, vocab_size, hf.fmt(), ours.fmt(), f"{hf.median / ours.median:.2f}×"]
    row += [f"{times.cores('hf'):.1f} / {times.cores('ours'):.1f}"]
    row += [peak["hf"], peak["ours"], peak["before"], f"{mismatches} / {len(results['ours'].merges)}"]
    print("  " + " | ".join(str(c) for c in row), flush=True)
    return row


def main() -> None:
    """Parses the flags and prints the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=4, metavar=("WHICH", "CORPUS", "VOCAB", "PRESET"), help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="10M corpus only, 3 runs")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each trainer (default 5)")
    ap.add_argument("--pattern", choices=["gpt4", "gpt2"], default="gpt4", help="split pattern preset")
    ap.add_argument("--corpus", nargs="+", choices=list(CORPORA), default=list(CORPORA))
    ap.add_argument("--vocab", nargs="+", type=int, default=[8000, 32000], help="vocab sizes (bytes included)")
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the peak-RSS children")
    args = ap.parse_args()
    if args.child:
        which, corpus, vocab, preset = args.child
        return child(which, corpus, int(vocab), preset)
    if args.quick:
        args.corpus, args.runs = ["10M"], 3
    print(machine())
    print(f"pattern {args.pattern}, {args.runs} alternating runs each\n")
    rows = [bench(c, v, args.pattern, args.runs, args.memory) for c in args.corpus for v in args.vocab]
    header = ["corpus", "vocab", "HF s", "ours s", "HF/ours", "cores HF / ours"]
    header += ["HF MiB", "ours MiB", "before training MiB", "merges ≠"]
    print("\n" + table(header, rows))


if __name__ == "__main__":
    main()
