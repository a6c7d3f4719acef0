"""Worst-case inputs: long runs of one character (or one short unit), encoded whole.

For each unit ("a", " ", "\\n", "中", "1", "a ") and size (1, 2, 5, 10 MB of UTF-8) every library encodes the
text in a fresh child process guarded by a timeout: ours (`encode`), tiktoken (`encode_ordinary`) and HF
(`encode`), all with the same cached 32k tokenizer. A linear encoder keeps its seconds per MB flat as the size
grows. A library that times out or crashes on a size is not run on the larger ones. Ids are compared across
the libraries that finish.

    python benches/worst_case.py [--quick] [--pattern gpt4] [--timeout 60] [--sizes 1 2 5 10] [--libs ours ...]
"""

from __future__ import annotations

import argparse
import hashlib
import time

from benchlib import MIB, child_report, machine, run_child, table

UNITS = {"a": "a", "space": " ", "newline": "\n", "cjk": "中", "digit": "1", "a+space": "a "}
LIBS = ("ours", "tiktoken", "HF")
VOCAB = 32000


def make_text(unit: str, megabytes: float) -> str:
    """`unit` repeated to (just under) `megabytes` MiB of UTF-8."""
    return unit * int(megabytes * MIB // len(unit.encode()))


def encoder(lib: str, pattern: str):
    """A function text → ids for one library, all holding our cached tokenizer."""
    from benchlib import cached_tokenizer, hf_tokenizer, tiktoken_encoding

    tok = cached_tokenizer(pattern, VOCAB)
    if lib == "ours":
        return tok.encode
    if lib == "tiktoken":
        return tiktoken_encoding(tok).encode_ordinary
    hf = hf_tokenizer(tok)
    return lambda text: hf.encode(text, add_special_tokens=False).ids


def child(lib: str, unit: str, megabytes: str, pattern: str) -> None:
    """Child-process mode: encode one input once and report seconds, token count and an ids digest."""
    encode = encoder(lib, pattern)
    text = make_text(UNITS[unit], float(megabytes))
    t0 = time.perf_counter()
    ids = encode(text)
    seconds = time.perf_counter() - t0
    digest = hashlib.sha1(b"".join(i.to_bytes(4, "little") for i in ids)).hexdigest()[:12]
    child_report(seconds=seconds, tokens=len(ids), digest=digest)


def main() -> None:
    """Parses the flags and prints seconds per MB for each library, unit and size."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=4, metavar=("LIB", "UNIT", "MB", "PATTERN"), help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="sizes 1 and 2 MiB (unless --sizes), timeout 20 s")
    ap.add_argument("--pattern", choices=["gpt4", "gpt2"], default="gpt4")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per encode (child process)")
    ap.add_argument("--sizes", nargs="+", type=float, help="sizes in MiB (default 1 2 5 10)")
    ap.add_argument("--libs", nargs="+", choices=LIBS, default=list(LIBS))
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if args.quick:
        args.timeout = 20.0
    args.sizes = args.sizes or ([1, 2] if args.quick else [1, 2, 5, 10])
    print(machine())
    print(f"pattern {args.pattern}, {VOCAB} vocab; seconds per MiB (whole-input encode, fresh process)\n")
    rows = []
    for unit in UNITS:
        digests: dict[float, dict[str, str]] = {}
        for lib in args.libs:
            cells, failed = [], ""
            for mb in args.sizes:
                if failed:
                    cells.append("-")
                    continue
                r = run_child("worst_case.py", [lib, unit, str(mb), args.pattern], timeout=args.timeout)
                if "error" in r:
                    failed = r["error"]
                    cells.append(failed.split(":")[0])
                    continue
                cells.append(f"{r['seconds'] / mb:.3f}")
                digests.setdefault(mb, {})[lib] = r["digest"]
            rows.append([unit, lib, *cells, failed])
            print("  " + " | ".join(str(c) for c in rows[-1]), flush=True)
        for mb, by_lib in digests.items():
            if len(set(by_lib.values())) > 1:
                print(f"  ids differ on {unit} × {mb:g} MiB: {by_lib}")
    header = ["input", "library", *(f"{mb:g} MiB" for mb in args.sizes), "failure"]
    print("\n" + table(header, rows))


if __name__ == "__main__":
    main()
