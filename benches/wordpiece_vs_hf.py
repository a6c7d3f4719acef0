"""WordPiece against Hugging Face `tokenizers`: training (the same files and vocabulary size, BERT's defaults on
both sides: `BertWordPieceTokenizer().train` and `tokenforge.train(algorithm="wordpiece")`) and encoding of
held-out lines (one at a time, and a batch on all cores) with HF's trained `tokenizer.json`, loaded by each
library. The competitors alternate in one process; prints MB/s, ratios, the load average, and whether the
vocabularies and ids agree.

    python benches/wordpiece_vs_hf.py [--corpus corpus_10M.txt] [--mb 4] [--vocab-size 8000] [--runs 2]

Corpora come from bench-data/ (benches/corpus.sh, or TOKENFORGE_BENCH_DATA); `--mb` takes the first MB of it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from benchlib import alternate, corpus_path, table

import tokenforge as tf

CORES = os.cpu_count() or 1


def head(name: str, mb: float, out: Path) -> Path:
    """The first `mb` MB of a corpus (whole lines) as a file."""
    text = corpus_path(name).read_text(encoding="utf-8")[: int(mb * 1e6)]
    out.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
    return out


def agreement(a: dict[str, int], b: dict[str, int]) -> str:
    """How far two vocabularies (token -> id) agree."""
    same_ids = sum(b.get(t) == i for t, i in a.items())
    return f"{len(a.keys() & b.keys()):,} tokens in common of {len(a):,}, {same_ids:,} with the same id"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus_10M.txt")
    parser.add_argument("--heldout", default="heldout_5M.txt")
    parser.add_argument("--mb", type=float, default=4.0, help="MB of the corpus to train on")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    from tokenizers import BertWordPieceTokenizer, Tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        corpus = head(args.corpus, args.mb, Path(tmp) / "corpus.txt")
        size = corpus.stat().st_size / 1e6
        print(f"load average {os.getloadavg()}; {CORES} cores; {size:.1f} MB of {args.corpus}, vocab {args.vocab_size}")
        trained: dict[str, object] = {}
        hf_vocabs: list[dict[str, int]] = []

        def hf_train() -> None:
            hf = BertWordPieceTokenizer()
            hf.train([str(corpus)], vocab_size=args.vocab_size, show_progress=False)
            trained["hf"] = hf
            hf_vocabs.append(hf.get_vocab())

        def ours_train() -> None:
            trained["ours"] = tf.train(corpus, vocab_size=args.vocab_size, algorithm="wordpiece")

        t = alternate({"tokenizers": hf_train, "tokenforge": ours_train}, args.runs)
        print(f"load average {os.getloadavg()}")
        best = {name: min(w) for name, w in t.wall.items()}
        print(
            table(
                ["training", "seconds (best)", "MB/s", "cores busy"],
                [[n, f"{s:.2f}", f"{size / s:.2f}", f"{t.cores(n):.1f}"] for n, s in best.items()]
                + [["ratio", f"tokenforge {best['tokenizers'] / best['tokenforge']:.2f}x tokenizers' speed", "", ""]],
            )
        )
        our_vocab = trained["ours"].get_vocab()
        for k, hf_vocab in enumerate(hf_vocabs):
            print(f"vocabulary vs tokenizers' run {k + 1}: {agreement(our_vocab, hf_vocab)}")
        # tokenizers' trainer walks a HashMap: the ids of the ## alphabet and ties at the end change run to run
        print(f"tokenizers' run 1 vs its run 2: {agreement(hf_vocabs[0], hf_vocabs[-1])}")
        path = Path(tmp) / "hf.json"
        trained["hf"].save(str(path))
        encode(Tokenizer.from_file(str(path)), tf.Tokenizer.from_huggingface(path), args)


def encode(hf, ours: tf.Tokenizer, args: argparse.Namespace) -> None:
    """Held-out lines through HF's trained tokenizer in both libraries: ids, then speed."""
    lines = [line for line in corpus_path(args.heldout).read_text(encoding="utf-8").splitlines() if line.strip()]
    mb = sum(len(line.encode()) for line in lines) / 1e6
    theirs = [e.ids for e in hf.encode_batch(lines, add_special_tokens=False)]
    differ = sum(a != b for a, b in zip(theirs, ours.encode_batch(lines)))
    print(f"ids on {len(lines):,} held-out lines ({mb:.1f} MB), ours vs tokenizers: {differ} lines differ")
    runners = {
        "tokenizers loop": lambda: [hf.encode(line, add_special_tokens=False) for line in lines],
        "tokenforge loop": lambda: [ours.encode(line) for line in lines],
        "tokenizers batch": lambda: hf.encode_batch_fast(lines, add_special_tokens=False),
        "tokenforge batch": lambda: ours.encode_batch(lines),
    }
    t = alternate(runners, args.runs + 1)
    print(f"load average {os.getloadavg()}")
    print(table(["encoding held-out lines", "MB/s (best)"], [[n, f"{mb / min(t.wall[n]):.2f}"] for n in runners]))
    for kind in ("loop", "batch"):
        ratio = min(t.wall[f"tokenizers {kind}"]) / min(t.wall[f"tokenforge {kind}"])
        print(f"{kind}: tokenforge {ratio:.2f}x tokenizers' speed")


if __name__ == "__main__":
    main()
