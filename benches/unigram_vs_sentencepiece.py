"""Unigram LM against sentencepiece 0.2.3: training time and peak RSS on the same text and settings (each run
in a fresh process, the two alternating), held-out tokens of the two models, and encoding speed (one thread,
and a batch on all cores) of sentencepiece's model, raw text in, through each library's whole pipeline
(ours: `Tokenizer.from_sentencepiece`, the normalizer in the Rust encoder).

    python benches/unigram_vs_sentencepiece.py [--corpus corpus_10M.txt] [--vocab-size 8000] [--runs 2]

Corpora come from bench-data/ (benches/corpus.sh, or TOKENFORGE_BENCH_DATA). sentencepiece gets every line
(`input_sentence_size=0`), `num_threads` = the cores, its defaults otherwise; ours gets the same text,
vocabulary size and defaults (`tokenforge.train(algorithm="unigram")`: nmt_nfkc, as sentencepiece).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import alternate, child_report, corpus_path, run_child, table

CORES = os.cpu_count() or 1


def _train_child(which: str, corpus: str, vocab_size: int, out: str) -> None:
    """Trains one model in this (fresh) process and reports the time and peak RSS."""
    t0 = time.perf_counter()
    if which == "sentencepiece":
        import sentencepiece as spm

        spm.SentencePieceTrainer.train(
            input=corpus,
            model_prefix=out,
            vocab_size=vocab_size,
            model_type="unigram",
            input_sentence_size=0,
            num_threads=CORES,
            minloglevel=2,
        )
    else:
        import tokenforge as tf

        tf.train([corpus], vocab_size=vocab_size, algorithm="unigram").save(out)
    child_report(seconds=time.perf_counter() - t0)


def _lines(name: str) -> list[str]:
    return [line for line in corpus_path(name).read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus_10M.txt")
    parser.add_argument("--heldout", default="heldout_5M.txt")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    corpus = str(corpus_path(args.corpus))
    print(f"load average {os.getloadavg()}; {CORES} cores; {args.corpus}, vocab {args.vocab_size}")
    with tempfile.TemporaryDirectory() as tmp:
        out = {w: str(Path(tmp) / w) for w in ("sentencepiece", "tokenforge")}
        runs: dict[str, list[dict]] = {w: [] for w in out}
        for r in range(args.runs):
            for which in list(out)[:: 1 if r % 2 == 0 else -1]:
                report = run_child("unigram_vs_sentencepiece.py", [which, corpus, str(args.vocab_size), out[which]])
                if "error" in report:
                    sys.exit(f"{which}: {report['error']}")
                runs[which].append(report)
                print(f"  {which}: {report['seconds']:.2f} s, peak {report['peak_mib']:.0f} MiB")
        best = {w: min(r["seconds"] for r in rs) for w, rs in runs.items()}
        peak = {w: max(r["peak_mib"] for r in rs) for w, rs in runs.items()}
        print(f"load average {os.getloadavg()}")
        print(
            table(
                ["training", "seconds (best)", "peak MiB"],
                [[w, f"{best[w]:.2f}", f"{peak[w]:.0f}"] for w in out]
                + [["ratio", f"{best['sentencepiece'] / best['tokenforge']:.2f}x faster", ""]],
            )
        )
        _compare(out, args)


def _compare(out: dict[str, str], args: argparse.Namespace) -> None:
    """Held-out tokens and encoding speed of the two trained models."""
    import sentencepiece as spm

    from tokenforge import Tokenizer

    sp = spm.SentencePieceProcessor(model_file=out["sentencepiece"] + ".model")
    ours = Tokenizer.load(out["tokenforge"])
    held_out = _lines(args.heldout)
    size = sum(len(line.encode()) for line in held_out)
    theirs_n = sum(len(ids) for ids in sp.encode(held_out, num_threads=CORES))
    ours_n = sum(len(ids) for ids in ours.encode_batch(held_out))
    print(
        table(
            ["held-out", "tokens", "bytes/token"],
            [
                ["sentencepiece", f"{theirs_n:,}", f"{size / theirs_n:.3f}"],
                ["tokenforge", f"{ours_n:,}", f"{size / ours_n:.3f}"],
            ]
            + [["ratio ours/theirs", f"{ours_n / theirs_n:.4f}", ""]],
        )
    )
    # Encoding with sentencepiece's model in both, raw text in: normalizer + Viterbi per line.
    same = Tokenizer.from_sentencepiece(out["sentencepiece"] + ".model")
    assert same.vocab_size == sp.get_piece_size()
    theirs_ids = sp.encode(held_out, num_threads=CORES)
    mismatches = sum(a != b for a, b in zip(theirs_ids, same.encode_batch(held_out)))
    print(f"ids of sentencepiece's model, ours vs sentencepiece: {mismatches} of {len(held_out):,} lines differ")
    runners = {
        "sentencepiece loop": lambda: [sp.encode(line) for line in held_out],
        "tokenforge loop": lambda: [same.encode(line) for line in held_out],
        "sentencepiece batch": lambda: sp.encode(held_out, num_threads=CORES),
        "tokenforge batch": lambda: same.encode_batch(held_out),
    }
    t = alternate(runners, args.runs + 1)
    mb = size / 1e6
    rows = [[name, f"{mb / min(t.wall[name]):.2f}"] for name in runners]
    print(f"load average {os.getloadavg()}")
    print(table(["encoding held-out lines", "MB/s (best)"], rows))
    for kind in ("loop", "batch"):
        ratio = min(t.wall[f"sentencepiece {kind}"]) / min(t.wall[f"tokenforge {kind}"])
        print(f"{kind}: tokenforge {ratio:.2f}x sentencepiece's speed")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _train_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
