"""Mixture inference at data sizes the offline prose cannot reach: category samples drawn from real word
frequencies (pip `wordfreq`, 44 languages), then the paper's controlled protocol (`tokenforge mixture
experiment`).

With a word-level pre-tokenizer, what BPE sees of a text is its multiset of words, so documents of words drawn
independently from a language's frequency list give pre-token statistics of that language at any size (not
its phrase structure, which the word-level pattern cuts away anyway). The text is written to bench-data/wordfreq/.

    pip install wordfreq==3.1.1
    python benches/mixture_wordfreq.py [--mb 20] [--langs en de fr es it] [--trials 5] [--merges 3000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
from benchlib import DATA

WORDS_PER_DOC = 300
TOP_WORDS = 200_000


def write_language(lang: str, megabytes: float, out: Path, seed: int) -> Path:
    """`out/<lang>.txt`: documents of words drawn from the language's frequencies, blank-line separated."""
    import wordfreq

    path = out / f"{lang}.txt"
    if path.exists() and path.stat().st_size >= megabytes * 1e6 * 0.95:
        return path
    freqs = wordfreq.get_frequency_dict(lang)
    words = sorted(freqs, key=freqs.get, reverse=True)[:TOP_WORDS]
    p = np.array([freqs[w] for w in words])
    p /= p.sum()
    rng = np.random.default_rng(seed)
    size, docs = 0, []
    while size < megabytes * 1e6:
        doc = " ".join(words[i] for i in rng.choice(len(words), WORDS_PER_DOC, p=p))
        docs.append(doc)
        size += len(doc.encode()) + 2
    path.write_text("\n\n".join(docs), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=20, help="text per language (MB)")
    ap.add_argument("--langs", nargs="+", default=["en", "de", "fr", "es", "it"])
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--merges", type=int, default=3000)
    ap.add_argument("--train-mb", type=float, default=10)
    args = ap.parse_args()
    out = DATA / "wordfreq"
    out.mkdir(parents=True, exist_ok=True)
    cats = [f"{lang}={write_language(lang, args.mb, out, k)}" for k, lang in enumerate(args.langs)]
    cmd = [sys.executable, "-m", "tokenforge.cli", "mixture", "experiment", "--trials", str(args.trials)]
    cmd += ["--merges", str(args.merges), "--train-bytes", str(int(args.train_mb * 2**20))]
    for c in cats:
        cmd += ["-c", c]
    print(" ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
