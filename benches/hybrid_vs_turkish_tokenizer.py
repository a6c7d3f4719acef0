"""Our morphology-aware hybrid (`algorithm="hybrid"`, encoded in the Rust core) against the published
`turkish-tokenizer` 1.0.4 (Rust, PyO3) on the Turkish paragraphs of Debian's handbook: encoding speed, one text
at a time and (ours) as a batch on all cores, alternating in the same run, with how many paragraphs each gives
back exactly on decode.

    apt-get install debian-handbook hunspell-tr && pip install turkish-tokenizer==1.0.4
    python benches/hybrid_vs_turkish_tokenizer.py [--vocab-size 8000] [--repeat 20] [--runs 5]

Our hybrid is trained on the training half of the paragraphs with hunspell-tr's stems as roots and its suffixes
of at most 4 letters as affixes (as `tokenforge repro turkish` does); both encode the held-out half `--repeat`
times over. `turkish-tokenizer` has no batch call, so its batch is a loop.
"""

from __future__ import annotations

import argparse
import os

from benchlib import alternate, table
from turkish_tokenizer import TurkishTokenizer

import tokenforge as tf
from tokenforge.metrics.integrity import read_list
from tokenforge.repro.sources import hunspell_words, split, translated
from tokenforge.repro.turkish import hunspell_suffixes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=20, help="copies of the held-out paragraphs to encode")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    dic = hunspell_words("tr_TR")
    train, held = split(list(translated("tr-TR").values()), 2)
    ours = tf.train_from_iterator(
        train,
        args.vocab_size,
        algorithm="hybrid",
        roots=sorted(read_list(dic, "tr")),
        affixes=sorted(hunspell_suffixes(dic.with_suffix(".aff"))),
        language="tr",
    )
    theirs = TurkishTokenizer()
    texts = held * args.repeat
    size = sum(len(t.encode()) for t in texts)
    runners = {
        "ours, encode_batch (all cores)": lambda: ours.encode_batch(texts),
        "ours, encode per text": lambda: [ours.encode(t) for t in texts],
        "turkish-tokenizer, encode per text": lambda: [theirs.encode(t) for t in texts],
    }
    timings = alternate(runners, args.runs)
    base = min(timings.wall["turkish-tokenizer, encode per text"])
    rows = []
    for name in runners:
        best = min(timings.wall[name])
        rows.append([name, f"{size / best / 1e6:.2f}", f"{base / best:.2f}x", f"{timings.cores(name):.2f}"])
    exact = {
        "ours": sum(ours.decode(ours.encode(t)) == t for t in held),
        "turkish-tokenizer": sum(theirs.decode(theirs.encode(t)) == t for t in held),
    }
    print(f"{len(held):,} held-out paragraphs x {args.repeat} = {size / 1e6:.1f} MB; best of {args.runs} runs")
    print(table(["encoder", "MB/s", "vs turkish-tokenizer", "cores busy"], rows))
    print("decode exact: " + ", ".join(f"{k} {v:,}/{len(held):,}" for k, v in exact.items()))
    print(f"load average {os.getloadavg()[0]:.2f} at the end, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
