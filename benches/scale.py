"""Scale: counting throughput vs Hugging Face, and peak memory of capped training on a corpus whose distinct
pre-tokens need several times the cap.

    python benches/scale.py [--runs 3] [--cap-mib 256]
    python benches/scale.py --ray [--runs 3]

1. Counting: our pre-token counting (`count_pretokens`, all cores) vs HF `train_from_iterator` at the smallest
   vocabulary (its word counting plus a trivial merge phase), gpt4 pattern, on corpus_100M.txt's documents.
2. Memory: a synthetic corpus of millions of distinct words (their uncapped training needs about 3× the cap),
   trained in a fresh process with `max_memory=cap` and without; peak RSS (VmHWM) of each.
3. `--ray` (instead): counting of corpus_100M.txt's documents as a JSON-lines file, read from disk, locally
   (all cores) vs as Ray tasks over 8 MB pieces on a local Ray instance with all cores (`pip install
   'tokenforge[ray]'`; start-up excluded, one warm-up run).
"""

from __future__ import annotations

import argparse
import string
import sys

from benchlib import Spread, alternate, child_report, machine, read_documents, run_child, table, text_bytes


def words(n_rare: int, n_common: int, repeats: int):
    """`n_rare` distinct words seen once and `n_common` words seen `repeats` times, in documents of 50k words."""

    def word(i: int) -> str:
        letters = []
        for _ in range(7):
            i, r = divmod(i, 26)
            letters.append(string.ascii_lowercase[r])
        return "".join(letters)

    for start in range(0, n_rare, 50_000):
        yield " ".join(word(i) for i in range(start, min(n_rare, start + 50_000)))
    common = " ".join(word(i) for i in range(n_common))
    for _ in range(repeats):
        yield common


def child(args: argparse.Namespace) -> None:
    import tempfile

    import tokenforge as tf

    cap = None if args.cap == "none" else int(args.cap)
    with tempfile.TemporaryDirectory() as d:
        tok = tf.train_from_iterator(
            words(args.rare, 2000, 200), vocab_size=2000, max_memory=cap, spill_dir=d if cap else None
        )
    child_report(vocab=tok.vocab_size)


def ray_counting(args: argparse.Namespace) -> None:
    """Counting throughput from a JSON-lines file: local vs Ray tasks (same counts, checked)."""
    import json
    import os
    import tempfile
    from pathlib import Path

    import ray

    from tokenforge.corpus import CorpusOptions, CorpusStats, iter_segments
    from tokenforge.distributed import RayOptions, ray_counting
    from tokenforge.progress import Progress
    from tokenforge.training.counting import count_pretokens
    from tokenforge.training.options import TrainOptions

    print(machine())
    docs = read_documents("corpus_100M.txt")
    mb = text_bytes(docs) / 1e6
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "corpus.jsonl"
        with open(path, "w") as f:
            f.writelines(json.dumps({"text": doc}) + "\n" for doc in docs)
        options = RayOptions(shard_bytes=8 << 20)
        counts = {}

        def local():
            with Progress(enabled=False) as bar:
                (c,) = count_pretokens(iter_segments([path], CorpusOptions(), CorpusStats()), ["gpt4"], bar)
            counts["local"] = c.most_common(len(c))

        def on_ray():
            count = ray_counting([path], CorpusOptions(), CorpusStats(), TrainOptions(), options)
            with Progress(enabled=False) as bar:
                (c,) = count(["gpt4"], bar, None)
            counts["ray"] = c.most_common(len(c))

        on_ray()  # warm-up: worker processes start
        t = alternate({"local (count)": local, "ray tasks (count)": on_ray}, args.runs)
    ray.shutdown()
    assert counts["local"] == counts["ray"], "Ray counts differ from local counts"
    spread = {name: Spread(t.wall[name]) for name in t.wall}
    rows = [[name, f"{mb / spread[name].median:.1f} MB/s", spread[name].fmt()] for name in t.wall]
    print(f"\nCounting pre-tokens of {mb:.1f} MB of JSON lines ({len(docs):,} documents), gpt4, {args.runs} runs:\n")
    print(table(["", "throughput", "median (min–max)"], rows))
    print(f"\n{os.cpu_count()} cores, 8 MB pieces, identical counts")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cap-mib", type=int, default=256)
    p.add_argument("--rare", type=int, default=6_000_000, help="distinct rare words in the memory test")
    p.add_argument("--ray", action="store_true", help="counting locally vs as Ray tasks (needs ray)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--cap", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)
    if args.ray:
        return ray_counting(args)

    from benchlib import hf_pretokenizer
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from tokenforge import _core
    from tokenforge.progress import Progress
    from tokenforge.training.counting import count_pretokens

    print(machine())
    docs = read_documents("corpus_100M.txt")
    mb = text_bytes(docs) / 1e6

    def ours():
        with Progress(enabled=False) as bar:
            count_pretokens(((d, True) for d in docs), ["gpt4"], bar)

    def hf():
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = hf_pretokenizer(_core.CL100K_PATTERN)
        trainer = trainers.BpeTrainer(
            vocab_size=257, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
        )
        tok.train_from_iterator(docs, trainer)

    t = alternate({"HF (count + 1 merge)": hf, "tokenforge (count)": ours}, args.runs)
    spread = {name: Spread(t.wall[name]) for name in t.wall}
    rows = [
        [name, f"{mb / spread[name].median:.1f} MB/s", spread[name].fmt(), f"{t.cores(name):.1f}"] for name in t.wall
    ]
    ratio = spread["HF (count + 1 merge)"].median / spread["tokenforge (count)"].median
    print(f"\nCounting pre-tokens of {mb:.1f} MB ({len(docs):,} documents), gpt4 pattern, {args.runs} runs:\n")
    print(table(["", "throughput", "median (min–max)", "cores"], rows))
    print(f"\ntokenforge / HF: {ratio:.2f}×")

    cap = args.cap_mib << 20
    capped = run_child("scale.py", ["--cap", str(cap), "--rare", str(args.rare)], timeout=1800)
    free = run_child("scale.py", ["--cap", "none", "--rare", str(args.rare)], timeout=1800)
    print(f"\nTraining on {args.rare:,} distinct rare words + 2,000 common ones (2k vocab), peak RSS:\n")
    print(
        table(
            ["run", "peak MiB", "cap MiB"],
            [
                ["max_memory", capped.get("peak_mib", capped.get("error")), args.cap_mib],
                ["no cap", free.get("peak_mib", free.get("error")), "-"],
            ],
        )
    )


if __name__ == "__main__":
    sys.exit(main())
