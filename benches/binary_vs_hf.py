"""Binary BPE: tokenforge vs Hugging Face `tokenizers` and the reference `bbpe` crate on executables.

Data (offline, deterministic for a given machine): ELF files under /usr/bin and /usr/lib (regular files, no
symbolic links, 4 KiB–4 MiB, in sorted path order) and the PE launchers shipped inside pip and setuptools;
optionally the executables inside wheels downloaded with `pip download --platform ...` into `--wheels DIR`
(Mach-O, PE, aarch64 ELF; see benches/README.md). Every fourth file goes to the held-out set (up to
`--heldout-mb`), the others form the training pool; a training set of N MB is the pool's first files that fit in N MB.

Trainers, 8 KiB chunks, tokens of at most 16 bytes, min frequency 2, vocab `--vocab` (bytes included):
- ours: `tokenforge.train(files, V, algorithm="binary")`;
- HF: `Tokenizer(BPE())`, no normaliser or pre-tokenizer, each chunk decoded as latin-1 into one str,
  `BpeTrainer(vocab_size=V, min_frequency=2, max_token_length=17 (HF keeps tokens shorter than its cap),
  initial_alphabet=the 256 latin-1 chars)`, `train_from_iterator` over the chunks;
- bbpe: the reference CLI (`cargo install bbpe`; `--bbpe PATH`), `bbpe train` on the same files.
Each training run is a fresh child process: wall seconds and its peak RSS (`wait4`, whole process). Held-out
bytes/token: every held-out file cut into the same 8 KiB chunks and each chunk encoded (ours `encode_bytes`,
HF the latin-1 string, bbpe's tokenizer.json through HF on the byte-level string); `binary_report` (whole
files) gives the per-format table of a nested 4K–64K family.

    python benches/binary_vs_hf.py [--sizes 22 37] [--vocab 8192] [--runs-ours 3] [--runs-hf 1] [--runs-bbpe 1]
                                   [--heldout-mb 8] [--wheels bench-data/wheels] [--bbpe PATH]
                                   [--family 4096 8192 16384 32768 65536] [--family-mb 22]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from benchlib import DATA, MIB, bytes_to_unicode, machine, peak_rss_mib, table

CHUNK = 8192
MAX_BYTES = 16
MIN_FREQUENCY = 2
ELF_ROOTS = ("/usr/bin", "/usr/lib")
MIN_FILE, MAX_FILE = 4 << 10, 4 << 20


# -- data ------------------------------------------------------------------------------------------------


def elf_files() -> list[Path]:
    """ELF files under /usr/bin and /usr/lib, 4 KiB–4 MiB, no symbolic links, sorted by path."""
    from tokenforge.corpus.executables import detect_format

    found = []
    for root in ELF_ROOTS:
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                p = Path(d, name)
                if p.is_symlink() or not p.is_file() or not MIN_FILE <= p.stat().st_size <= MAX_FILE:
                    continue
                with open(p, "rb") as f:
                    if detect_format(f.read(4096)) == "elf":
                        found.append(p)
    return found


def pe_launchers() -> list[Path]:
    """The Windows launchers shipped in pip (distlib) and setuptools, sorted."""
    out = []
    for module in ("pip._vendor.distlib", "setuptools"):
        spec = importlib.util.find_spec(module)
        if spec and spec.submodule_search_locations:
            out += sorted(Path(spec.submodule_search_locations[0]).glob("*.exe"))
    return out


def wheel_executables(directory: Path) -> list[Path]:
    """The executables (ELF, PE, Mach-O) inside the .whl files under `directory`, extracted once into
    `directory/extracted/<wheel>/`, sorted."""
    from tokenforge.corpus.executables import detect_format

    out = []
    for whl in sorted(directory.rglob("*.whl")):
        dest = directory / "extracted" / whl.stem
        with zipfile.ZipFile(whl) as z:
            for info in sorted(z.infolist(), key=lambda i: i.filename):
                with z.open(info) as f:
                    if info.is_dir() or detect_format(f.read(4096)) == "other":
                        continue
                target = dest / info.filename
                if not target.is_file():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(info))
                out.append(target)
    return out


def size_of(files: list[Path]) -> int:
    """Total bytes of `files`."""
    return sum(p.stat().st_size for p in files)


def split_sets(extra: list[Path], sizes_mb: list[float], heldout_mb: float) -> tuple[dict[float, list[Path]], list]:
    """Training sets of each size and the held-out set. The extra files (PE launchers, wheel contents; 4 KiB–
    4 MiB) go alternately to training and held-out; ELF files: every fourth to held-out until it holds
    `heldout_mb`."""
    extra = [p for p in extra if MIN_FILE <= p.stat().st_size <= MAX_FILE]
    train_extra, heldout = extra[0::2], extra[1::2]
    pool: list[Path] = []
    held_bytes = size_of(heldout)
    for k, p in enumerate(elf_files()):
        if k % 4 == 3 and held_bytes < heldout_mb * 1e6:
            heldout.append(p)
            held_bytes += p.stat().st_size
        else:
            pool.append(p)
    sets = {}
    for mb in sizes_mb:
        files, total = list(train_extra), size_of(train_extra)
        for p in pool:
            if total + p.stat().st_size > mb * 1e6:
                break
            files.append(p)
            total += p.stat().st_size
        sets[mb] = files
    return sets, heldout


def chunks(files: list[Path]):
    """The 8 KiB chunks of each file, in order."""
    from tokenforge.corpus.executables import file_chunks

    for p in files:
        yield from file_chunks(p, CHUNK)


def digest(files: list[Path]) -> str:
    """Short digest of a file list (paths and sizes), to tell whether two runs used the same data."""
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p}\0{p.stat().st_size}\n".encode())
    return h.hexdigest()[:10]


# -- trainers (child processes) ---------------------------------------------------------------------------


def train_ours(files: list[Path], vocab_size: int, out: Path):
    """Ours: Binary BPE at `vocab_size`; saved to `out`."""
    import tokenforge as tf

    tok = tf.train(files, vocab_size, algorithm="binary")
    tok.save(out)
    return tok


def train_hf(files: list[Path], vocab_size: int, out: Path):
    """HF on latin-1 mapped chunks; saved as `out/tokenizer.json`."""
    from tokenizers import Tokenizer, models, trainers

    hf = Tokenizer(models.BPE())
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=MIN_FREQUENCY,
        max_token_length=MAX_BYTES + 1,
        initial_alphabet=[chr(b) for b in range(256)],
        show_progress=False,
    )
    hf.train_from_iterator((c.decode("latin-1") for c in chunks(files)), trainer=trainer)
    out.mkdir(parents=True, exist_ok=True)
    hf.save(str(out / "tokenizer.json"))
    return hf


def child(which: str, listing: str, vocab_size: int, out: str) -> None:
    """Child mode: train once, print the seconds and the peak RSS reached while training (JSON)."""
    files = [Path(p) for p in json.loads(Path(listing).read_text())]
    t0 = time.perf_counter()
    (train_ours if which == "ours" else train_hf)(files, vocab_size, Path(out))
    print(json.dumps({"seconds": time.perf_counter() - t0, "child_peak_mib": peak_rss_mib()}), flush=True)


def run_measured(cmd: list[str], timeout: float) -> dict:
    """Runs `cmd`; returns its wall seconds, peak RSS (MiB, from wait4) and the JSON its stdout ends with."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                proc.wait()
                return {"error": "timeout"}
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith("{")]
        if proc.returncode != 0:
            tail = (err.read().strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            return {"error": f"crashed: {tail[:200]}"}
    result = json.loads(lines[-1]) if lines else {}
    return {"wall": wall, "peak_mib": usage.ru_maxrss / 1024, **result}


def bbpe_command(bbpe: str, files: list[Path], vocab_size: int, out: Path) -> list[str]:
    """The reference CLI on the same files with the same settings."""
    lengths = [arg for n in range(1, MAX_BYTES + 1) for arg in ("--allowed-length", str(n))]
    return [bbpe, "train", "--no-progress", "-q", "--disable-reasoning-tokens", "--vocab-size", str(vocab_size),
            "--min-frequency", str(MIN_FREQUENCY), *lengths, "--chunk-size", str(CHUNK),
            "-o", str(out / "tokenizer.json"), *map(str, files)]  # fmt: skip


# -- held-out ----------------------------------------------------------------------------------------------


def heldout_tokens(which: str, out: Path, heldout: list[Path]) -> int:
    """Tokens of the held-out files, each cut into 8 KiB chunks and every chunk encoded on its own."""
    data = list(chunks(heldout))
    if which == "ours":
        import tokenforge as tf

        tok = tf.Tokenizer.load(out)
        return sum(len(tok.encode_bytes(c)) for c in data)
    from tokenizers import Tokenizer

    hf = Tokenizer.from_file(str(out / "tokenizer.json"))
    if which == "hf":
        texts = [c.decode("latin-1") for c in data]
    else:  # bbpe writes a byte-level tokenizer.json: give its model the GPT-2 byte-level string
        b2u = bytes_to_unicode()
        texts = ["".join(b2u[b] for b in c) for c in data]
        return sum(len(hf.model.tokenize(t)) for t in texts)
    return sum(len(e.ids) for e in hf.encode_batch(texts))


def hf_loads_ours(out: Path, heldout: list[Path], limit: int = 200) -> str:
    """Our exported tokenizer.json in HF on raw bytes: its BPE model given the byte-level string of each
    chunk (the `Tokenizer.encode` path takes text, i.e. UTF-8, so it cannot see arbitrary bytes)."""
    from tokenizers import Tokenizer

    import tokenforge as tf

    tok = tf.Tokenizer.load(out)
    tok.save_huggingface(out)
    hf = Tokenizer.from_file(str(out / "tokenizer.json"))
    b2u = bytes_to_unicode()
    data = list(chunks(heldout))[:limit]
    same = sum([t.id for t in hf.model.tokenize("".join(b2u[b] for b in c))] == tok.encode_bytes(c) for c in data)
    return f"HF `model.tokenize` on the byte-level string of each chunk: ids identical to ours on {same}/{len(data)}"


# -- tables ------------------------------------------------------------------------------------------------


def speed_table(args, sets: dict[float, list[Path]], heldout: list[Path], work: Path) -> str:
    """Wall time, peak RSS and held-out bytes/token of each trainer on each training set."""
    held_bytes = size_of(heldout)
    runs = {"ours": args.runs_ours, "hf": args.runs_hf, "bbpe": args.runs_bbpe if args.bbpe else 0}
    rows = []
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    for mb, files in sets.items():
        listing = work / f"files-{mb:g}.json"
        listing.write_text(json.dumps([str(p) for p in files]))
        res: dict[str, dict] = {}
        for which, n in runs.items():
            walls, peaks, result = [], [], {}
            for _ in range(n):
                out = work / f"{which}-{mb:g}"
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
                cmd = (
                    bbpe_command(args.bbpe, files, args.vocab, out)
                    if which == "bbpe"
                    else [*me, which, str(listing), str(args.vocab), str(out)]
                )
                result = run_measured(cmd, args.timeout)
                print(f"  {mb:g} MB {which}: {result}", flush=True)
                if "error" in result:
                    break
                walls.append(result.get("seconds", result["wall"]))
                peaks.append(result["peak_mib"])
            if not walls:
                res[which] = {"error": result.get("error", "not run")}
                continue
            tokens = heldout_tokens(which, work / f"{which}-{mb:g}", heldout)
            res[which] = {"s": statistics.median(walls), "range": (min(walls), max(walls)), "n": len(walls)}
            res[which] |= {"peak": max(peaks), "bpt": held_bytes / tokens}
        if "error" not in res["ours"]:
            print("  " + hf_loads_ours(work / f"ours-{mb:g}", heldout), flush=True)
        for which, r in res.items():
            if "error" in r:
                rows.append([f"{size_of(files) / 1e6:.1f}", which, r["error"], "", "", "", ""])
                continue
            spread = f" ({r['range'][0]:.1f}–{r['range'][1]:.1f})" if r["n"] > 1 else ""
            ours = res["ours"]
            ratio = f"{r['s'] / ours['s']:.1f}×" if "s" in ours else ""
            vs = f"{r['bpt'] / ours['bpt'] - 1:+.2%}" if "bpt" in ours and which != "ours" else ""
            row = [f"{size_of(files) / 1e6:.1f}", which, f"{r['s']:.1f}{spread} [{r['n']}]", ratio]
            rows.append(row + [f"{r['peak']:.0f}", f"{r['bpt']:.3f}", vs])
    header = ["train MB", "trainer", "wall s [runs]", "time / ours", "peak RSS MiB", "held-out bytes/token"]
    return table(header + ["bytes/token vs ours"], rows)


def family_table(args, files: list[Path], heldout: list[Path]) -> str:
    """Per-format report (`binary_report`) of each member of one nested family."""
    from tokenforge.training.binary import binary_report, train_binary_family

    t0 = time.perf_counter()
    family = train_binary_family(files, args.family)
    print(f"  family {args.family} on {size_of(files) / 1e6:.1f} MB: {time.perf_counter() - t0:.1f} s", flush=True)
    rows = []
    for size, tok in sorted(family.items()):
        report = binary_report(tok, heldout)
        total = {k: sum(r[k] for r in report.values()) for k in ("files", "bytes", "tokens")}
        for kind, r in sorted(report.items()) + [("all", None)]:
            if r is None:
                r = {**total, "bytes_per_token": total["bytes"] / total["tokens"], "vocab_utilization": ""}
            util = f"{r['vocab_utilization']:.1%}" if r["vocab_utilization"] != "" else ""
            rows.append([size, kind, r["files"], f"{r['bytes'] / MIB:.2f}", f"{r['bytes_per_token']:.3f}", util])
    return table(["vocab", "format", "files", "MiB", "bytes/token", "vocab used"], rows)


def main() -> None:
    """Parses the flags and prints the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=4, metavar=("WHICH", "LISTING", "VOCAB", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", nargs="+", type=float, default=[22, 37], help="training set sizes, MB")
    ap.add_argument("--vocab", type=int, default=8192, help="vocab size, bytes included (default 8192)")
    ap.add_argument("--runs-ours", type=int, default=3)
    ap.add_argument("--runs-hf", type=int, default=1)
    ap.add_argument("--runs-bbpe", type=int, default=1)
    ap.add_argument("--heldout-mb", type=float, default=8)
    ap.add_argument("--wheels", type=Path, help="folder of downloaded .whl files whose executables join the data")
    ap.add_argument("--bbpe", default=shutil.which("bbpe"), help="the bbpe executable (default: on PATH)")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per training run")
    ap.add_argument("--family", nargs="*", type=int, default=[4096, 8192, 16384, 32768, 65536])
    ap.add_argument("--family-mb", type=float, default=22, help="training set of the family (one of --sizes)")
    args = ap.parse_args()
    if args.child:
        which, listing, vocab, out = args.child
        return child(which, listing, int(vocab), out)
    print(machine())
    extra = pe_launchers() + (wheel_executables(args.wheels) if args.wheels else [])
    sets, heldout = split_sets(extra, args.sizes, args.heldout_mb)
    for mb, files in sets.items():
        print(f"training set {mb:g} MB: {len(files)} files, {size_of(files) / 1e6:.1f} MB, list {digest(files)}")
    print(f"held-out: {len(heldout)} files, {size_of(heldout) / 1e6:.1f} MB, list {digest(heldout)}")
    print(f"bbpe: {args.bbpe or 'not found (skipped)'}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="binary-bench-", dir=DATA) as work:
        print(f"### {args.vocab} vocab\n\n" + speed_table(args, sets, heldout, Path(work)) + "\n", flush=True)
    if args.family:
        files = sets.get(args.family_mb) or next(iter(sets.values()))
        print("### Nested family, held-out per format\n\n" + family_table(args, files, heldout) + "\n")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
