"""Summarises a sampling profile of a benchmark workload: samples by stage, and the hottest functions.

Reads `perf script` output or py-spy's raw (collapsed stacks) output on stdin:

    PY=$(python -c 'import sys; print(sys.executable)')   # the real interpreter, not a pyenv shim
    perf record -F 999 --call-graph dwarf -o perf.data -- $PY benches/profile.py train
    perf script -i perf.data | python benches/profile_summary.py

    py-spy record --native -r 400 -f raw -o spy.txt -- python benches/profile.py encode
    python benches/profile_summary.py --within "main (profile.py" < spy.txt

perf sees every thread (the Rust thread pools too) but no Python frames; py-spy sees Python frames and native
frames of Python threads only. Each sample is charged to the first stage whose marker appears in its call
stack, walking from the leaf (the running function) towards the root, so that a `malloc` under the pre-token
counter counts as counting. Functions are reported by self time (the leaf frame).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator

Stack = list[tuple[str, str]]  # (symbol, object file or source), leaf first

# (stage, regex searched in each frame as "symbol (object or source file)") — the first match from the leaf wins.
# Source-file names catch the inlined frames py-spy reports by file and line.
STAGES = [
    ("merge loop (train_bpe)", r"model::bpe::trainer|train_bpe|\(trainer\.rs"),
    ("pre-tokenize", r"pretokenize::|fancy_regex|regex_automata|\((classes|scan|cl100k|gpt2|o200k)\.rs|split_bytes"),
    ("count: hash maps", r"count::|WordCounts|Counter::|\(count\.rs"),
    ("encode: BPE", r"encode::|Encoder::encode|\(encode\.rs"),
    (
        "Python <-> Rust conversion",
        r"pyo3::|_core::|PyUnicode_AsUTF8|__pymethod_|to_list|PyList_SET_ITEM|extract_argument|from_py_object",
    ),
    ("tokenforge Python code", r"\(tokenforge/.*\.py:\d+\)"),
    ("benchmark harness", r"\((benches/)?\w+\.py:\d+\)"),
    ("Python reading/splitting text", r"TextIOWrapper|unicode_split|utf_8_decode"),
]
# Charged only when no frame of the stack belongs to a stage above.
INTERPRETER = ("Python interpreter", r"_PyEval|PyObject|Py_|_Py|libpython")
PYTHON_SOURCE = re.compile(r"\.py:\d+$")
PERF_FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$")
COLLAPSED = re.compile(r"^(.*) (\d+)$")
PYSPY_FRAME = re.compile(r"^(.*?) \((.*)\)$")


def perf_samples(lines: Iterable[str]) -> Iterator[tuple[Stack, int]]:
    """Call stacks of `perf script` output."""
    stack: Stack = []
    for line in lines:
        m = PERF_FRAME.match(line)
        if m:
            stack.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2)))
        elif not line.strip():
            if stack:
                yield stack, 1
            stack = []
    if stack:
        yield stack, 1


def collapsed_samples(lines: Iterable[str]) -> Iterator[tuple[Stack, int]]:
    """Call stacks of collapsed-stack lines (`root;...;leaf COUNT`, py-spy's raw format)."""
    for line in lines:
        m = COLLAPSED.match(line.rstrip("\n"))
        if not m:
            continue
        frames = []
        for f in reversed(m.group(1).split(";")):
            fm = PYSPY_FRAME.match(f)
            frames.append((re.sub(r"::h[0-9a-f]{16}$", "", fm.group(1)), fm.group(2)) if fm else (f, "?"))
        yield frames, int(m.group(2))


def stage_of(stack: Stack) -> str:
    """The stage a sample belongs to."""
    native_leaf = not PYTHON_SOURCE.search(stack[0][1])
    for (_, where), frame in zip(stack, frames(stack)):
        if native_leaf and PYTHON_SOURCE.search(where):
            break  # py-spy: the native frames below a Python frame matched no stage
        for stage, marker in STAGES:
            if re.search(marker, frame):
                return stage
    if any(re.search(INTERPRETER[1], f) for f in frames(stack)):
        return INTERPRETER[0]
    return "other: " + obj_of(stack)


def frames(stack: Stack) -> Iterator[str]:
    """Each frame of a stack as "symbol (object or source file)", leaf first."""
    return (f"{symbol} ({where})" for symbol, where in stack)


def obj_of(stack: Stack) -> str:
    """The object file (or source file) of a sample's leaf, inlined frames skipped."""
    return next((w for _, w in stack if w != "inlined"), "?").rsplit("/", 1)[-1]


def main() -> None:
    """Reads a profile on stdin and prints the stage table and the hottest functions."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=15, help="functions listed by self time")
    ap.add_argument("--within", help="only samples with a frame containing this text (e.g. Tokenizer.encode)")
    args = ap.parse_args()
    lines = list(sys.stdin)
    collapsed = any(COLLAPSED.match(ln.rstrip("\n")) and ";" in ln for ln in lines[:20])
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    by_stage: dict[str, Counter[str]] = {}
    for stack, k in (collapsed_samples if collapsed else perf_samples)(lines):
        if args.within and not any(args.within in f for f in frames(stack)):
            continue
        stage = stage_of(stack)
        stages[stage] += k
        leaf = f"{stack[0][0][:90]} [{obj_of(stack)[:24]}]"
        leaves[leaf] += k
        by_stage.setdefault(stage, Counter())[leaf] += k
    n = sum(stages.values())
    print(f"{n} samples\n\n| stage | share | its hottest functions (self, share of all samples) |\n|---|---|---|")
    for stage, c in stages.most_common():
        top = by_stage[stage].most_common(3)
        hot = ", ".join(f"`{leaf.split(' [')[0][-60:]}` {100 * k / n:.1f}%" for leaf, k in top)
        print(f"| {stage} | {100 * c / n:.1f}% | {hot} |")
    print("\n| function (self) | share |\n|---|---|")
    for leaf, c in leaves.most_common(args.top):
        print(f"| `{leaf}` | {100 * c / n:.1f}% |")


if __name__ == "__main__":
    main()
