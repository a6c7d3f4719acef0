"""SuperBPE vs plain BPE: held-out tokens, training time and peak memory over vocab sizes and transition points.

Sweep: for each vocab size V, plain BPE with SuperBPE's stage-1 pattern (o200k without contractions) and
SuperBPE at each transition t = fraction × V, all trained on `corpus_10M.txt` (documents split on blank lines)
and evaluated on `heldout_5M.txt` (each document encoded on its own). Every training run is a fresh child
process: wall seconds of `train_from_iterator` (documents already in memory) and the peak RSS during training
(reset after loading the documents; the RSS before training is the interpreter, the library and the documents).

Stage-2 pattern from scratch (`--slice-mb`): HF `tokenizers` BpeTrainer with Split(Regex(STAGE2_PATTERN),
"isolated") + ByteLevel vs ours with `pretokenizer=STAGE2_PATTERN` on the first N MB of the corpus, and both
with the stage-1 pattern for contrast: HF's merge loop is slow on long pre-tokens.

    python benches/superbpe_sweep.py [--vocab 8000 16000 32000 64000] [--transitions 0.5 0.65 0.8] [--runs 1]
                                     [--slice-mb 8] [--slice-vocab 32000] [--no-sweep] [--no-slice]
    python benches/superbpe_sweep.py --phases 32000 16000      # where one SuperBPE run's time goes
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from benchlib import (
    MIB,
    child_report,
    hf_pretokenizer,
    machine,
    peak_rss_mib,
    read_documents,
    reset_peak_rss,
    rss_mib,
    run_child,
    table,
    text_bytes,
)

TRAIN, HELDOUT = "corpus_10M.txt", "heldout_5M.txt"
PATTERNS = {"stage1": "STAGE1_PATTERN", "stage2": "STAGE2_PATTERN"}


def pattern(name: str) -> str:
    """SuperBPE's stage-1 or stage-2 regex, from the library."""
    from tokenforge.training import superbpe

    return getattr(superbpe, PATTERNS[name])


def first_mb(docs: list[str], mb: float) -> list[str]:
    """The leading documents holding `mb` MB (10^6 UTF-8 bytes) in all."""
    out, size = [], 0
    for d in docs:
        if size >= mb * 1e6:
            break
        out.append(d)
        size += len(d.encode()) + 2
    return out


def train_hf(docs: list[str], vocab_size: int, split: str):
    """HF byte-level BPE from scratch with one of SuperBPE's split patterns."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = hf_pretokenizer(pattern(split))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    hf.train_from_iterator(docs, trainer=trainer)
    return hf


def train_ours(docs: list[str], vocab_size: int, spec: str):
    """Ours: `spec` is `bpe` (stage-1 pattern), `stage2` (stage-2 pattern from scratch) or `superbpe:T`."""
    import tokenforge as tf

    if spec.startswith("superbpe:"):
        return tf.train_from_iterator(docs, vocab_size, algorithm="superbpe", transition=int(spec.split(":")[1]))
    return tf.train_from_iterator(docs, vocab_size, pretokenizer=pattern("stage2" if spec == "stage2" else "stage1"))


def heldout_tokens(tok, hf: bool) -> int:
    """Tokens of the held-out documents, each encoded on its own."""
    docs = read_documents(HELDOUT)
    if hf:
        return sum(len(e.ids) for e in tok.encode_batch(docs))
    return sum(len(ids) for ids in tok.encode_batch(docs))


def child(lib: str, spec: str, vocab_size: int, slice_mb: float) -> None:
    """Child mode: load the documents, reset the peak RSS, train once, note the training peak, then count
    held-out tokens (after the peak is taken)."""
    import tokenizers  # noqa: F401 (both libraries resident before the baseline)

    import tokenforge  # noqa: F401

    docs = read_documents(TRAIN)
    if slice_mb:
        docs = first_mb(docs, slice_mb)
    reset_peak_rss()
    before = rss_mib()
    t0 = time.perf_counter()
    tok = train_hf(docs, vocab_size, spec) if lib == "hf" else train_ours(docs, vocab_size, spec)
    seconds = time.perf_counter() - t0
    train_peak = peak_rss_mib()
    tokens = heldout_tokens(tok, lib == "hf")
    child_report(seconds=seconds, train_peak_mib=round(train_peak, 1), before_mib=round(before, 1), tokens=tokens)


def measure(lib: str, spec: str, vocab_size: int, runs: int, slice_mb: float = 0) -> dict:
    """`runs` children of one configuration: median seconds, highest training peak, held-out tokens."""
    results = [run_child("superbpe_sweep.py", [lib, spec, str(vocab_size), str(slice_mb)]) for _ in range(runs)]
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        print(f"  {lib} {spec} {vocab_size}: {errors[0]}", flush=True)
        return {"error": errors[0]}
    secs = [r["seconds"] for r in results]
    out = {
        "seconds": statistics.median(secs),
        "range": f"{min(secs):.1f}–{max(secs):.1f}" if runs > 1 else "",
        "peak": max(r["train_peak_mib"] for r in results),
        "before": results[0]["before_mib"],
        "tokens": results[0]["tokens"],
    }
    print(f"  {lib} {spec} {vocab_size}: {out}", flush=True)
    return out


def secs(m: dict) -> str:
    """'median (min–max)' seconds of a measurement, or its error."""
    if "error" in m:
        return m["error"]
    return f"{m['seconds']:.1f}" + (f" ({m['range']})" if m["range"] else "")


def sweep(vocabs: list[int], fractions: list[float], runs: int, heldout_bytes: int) -> str:
    """The sweep table: one row per (vocab, transition), plain BPE first."""
    rows = []
    for v in vocabs:
        bpe = measure("ours", "bpe", v, runs)
        if "error" in bpe:
            continue
        rows.append([v, "— (BPE)", bpe["tokens"], f"{heldout_bytes / bpe['tokens']:.3f}", "", secs(bpe), ""])
        rows[-1] += [bpe["peak"], ""]
        for f in [*fractions, 0.0]:
            t = round(v * f)
            label = f"{t} ({f:.0%})" if f else "0 (stage 2 from scratch)"
            sb = measure("ours", f"superbpe:{t}" if f else "stage2", v, runs)
            if "error" in sb:
                rows.append([v, label, sb["error"], "", "", "", "", "", ""])
                continue
            change = sb["tokens"] / bpe["tokens"] - 1
            ratio = sb["seconds"] / bpe["seconds"]
            rows.append([v, label, sb["tokens"], f"{heldout_bytes / sb['tokens']:.3f}", f"{change:+.1%}"])
            rows[-1] += [secs(sb), f"{ratio:.2f}×", sb["peak"], f"{sb['peak'] / bpe['peak']:.2f}×"]
    header = ["vocab", "transition t", "held-out tokens", "bytes/token", "vs BPE", "train s", "SuperBPE/BPE time"]
    header += ["peak MiB", "SuperBPE/BPE peak"]
    return table(header, rows)


def from_scratch(mb: float, vocab_size: int, runs: int, heldout_bytes: int) -> str:
    """HF vs ours trained from scratch on the first `mb` MB, with the stage-2 and the stage-1 pattern."""
    rows = []
    for split, ours_spec in (("stage2", "stage2"), ("stage1", "bpe")):
        hf = measure("hf", split, vocab_size, runs, mb)
        ours = measure("ours", ours_spec, vocab_size, runs, mb)
        ratio = f"{hf['seconds'] / ours['seconds']:.1f}×" if "error" not in hf and "error" not in ours else ""
        row = [split, secs(hf), secs(ours), ratio, hf.get("peak", ""), ours.get("peak", "")]
        row += [f"{heldout_bytes / hf['tokens']:.3f}" if "tokens" in hf else ""]
        row += [f"{heldout_bytes / ours['tokens']:.3f}" if "tokens" in ours else ""]
        rows.append(row)
    header = ["pattern", "HF s", "ours s", "HF/ours", "HF peak MiB", "ours peak MiB", "HF bytes/token"]
    header += ["ours bytes/token"]
    return table(header, rows)


def phases(vocab_size: int, transition: int) -> str:
    """Where a SuperBPE run's time goes, through the library's own steps (`count_pretokens`,
    `learn_merges`), beside plain BPE's: counting with the stage-1 pattern alone and with both patterns in
    one pass, stage-1 merges to t, the replay of the t inherited merges on the stage-2 pre-tokens alone (a
    run to t, i.e. no new merge), and replay plus the stage-2 merges to V."""
    from tokenforge.corpus import CorpusStats, iter_documents
    from tokenforge.progress import Progress
    from tokenforge.tokenizer import Tokenizer
    from tokenforge.training.bpe import TokenRules, learn_merges
    from tokenforge.training.counting import count_pretokens
    from tokenforge.training.superbpe import superbpe_rules

    docs = read_documents(TRAIN)
    rows = []

    def timed(label: str, step):
        t0 = time.perf_counter()
        out = step()
        rows.append([label, f"{time.perf_counter() - t0:.2f}"])
        return out

    bar = Progress(enabled=False)
    base = (Tokenizer.bytes_only().vocab(), [])
    stage2_rules = superbpe_rules(TokenRules())
    with bar:
        (plain,) = timed(
            "count, stage-1 pattern only",
            lambda: count_pretokens(iter_documents(docs, CorpusStats()), [pattern("stage1")], bar),
        )
        timed(f"plain BPE merges to {vocab_size}", lambda: learn_merges(plain, vocab_size, [], bar, base=base))
        one, two = timed(
            "count, both patterns in one pass",
            lambda: count_pretokens(iter_documents(docs, CorpusStats()), [pattern("stage1"), pattern("stage2")], bar),
        )
        rows[-1][0] += f" ({len(one)} / {len(two)} distinct pre-tokens)"
        stage1 = timed(f"stage-1 merges to {transition}", lambda: learn_merges(one, transition, [], bar, base=base))
        timed(
            f"stage 2: replay of the {transition - 256} inherited merges only",
            lambda: learn_merges(two, transition, [], bar, rules=stage2_rules, base=stage1),
        )
        timed(
            f"stage 2: replay + merges to {vocab_size}",
            lambda: learn_merges(two, vocab_size, [], bar, rules=stage2_rules, base=stage1),
        )
    return table(["step", "seconds"], rows)


def main() -> None:
    """Parses the flags and prints the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=4, metavar=("LIB", "SPEC", "VOCAB", "SLICE_MB"), help=argparse.SUPPRESS)
    ap.add_argument("--vocab", nargs="+", type=int, default=[8000, 16000, 32000, 64000])
    ap.add_argument("--transitions", nargs="+", type=float, default=[0.5, 0.65, 0.8], help="t as a share of V")
    ap.add_argument("--runs", type=int, default=1, help="child runs per configuration (median time)")
    ap.add_argument("--slice-mb", type=float, default=8, help="MB of the corpus for the from-scratch comparison")
    ap.add_argument("--slice-vocab", type=int, default=32000)
    ap.add_argument("--no-sweep", dest="sweep", action="store_false")
    ap.add_argument("--no-slice", dest="slice", action="store_false")
    ap.add_argument("--phases", nargs=2, type=int, metavar=("VOCAB", "T"), help="time the steps of one run only")
    args = ap.parse_args()
    if args.child:
        lib, spec, vocab, mb = args.child
        return child(lib, spec, int(vocab), float(mb))
    print(machine())
    if args.phases:
        print(f"\n### Steps of SuperBPE at {args.phases[0]}, t = {args.phases[1]} ({TRAIN})\n")
        return print(phases(*args.phases))
    heldout_bytes = text_bytes(read_documents(HELDOUT))
    print(f"held-out: {heldout_bytes / MIB:.2f} MiB ({heldout_bytes} bytes); {args.runs} run(s) per configuration\n")
    if args.sweep:
        print(f"### SuperBPE vs BPE ({TRAIN})\n", flush=True)
        print("\n" + sweep(args.vocab, args.transitions, args.runs, heldout_bytes) + "\n", flush=True)
    if args.slice:
        print(f"### From scratch on the first {args.slice_mb:g} MB, vocab {args.slice_vocab}\n", flush=True)
        print("\n" + from_scratch(args.slice_mb, args.slice_vocab, args.runs, heldout_bytes) + "\n")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
