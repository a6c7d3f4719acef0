"""`.tiktoken` rank files: export for `tiktoken`, import of OpenAI-style vocabularies.

A `.tiktoken` file holds one line per ordinary token, `base64(token bytes) rank`, and nothing else: the split
pattern and the special tokens are given to `tiktoken.Encoding` separately. For a file written by
`save_tiktoken`, rank = tokenforge id, so

    tiktoken.Encoding(name, pat_str=tok.pattern, mergeable_ranks=tiktoken.load.load_tiktoken_bpe(path),
                      special_tokens=tok.special_tokens)

gives tokenforge's ids.

tiktoken merges by the rank of the merged bytes where tokenforge follows its merge list; the export is refused
when the two could disagree in a way the merge list shows (a merge making a lower id than an earlier merge,
a token no merge makes), and when tiktoken cannot represent the tokenizer at all (no normalizer in tiktoken,
unmatched text dropped by its regex, missing byte tokens, ...).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import os
import zlib
from pathlib import Path

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenforgeError, TokenizerFileError, UnsupportedError
from tokenforge.interop.huggingface import check_merges, read_file, unique_ordinary, write_files
from tokenforge.tokenizer import Merge, Tokenizer

# Presets whose pattern ends in `\s+`: every character belongs to some match, so tiktoken drops nothing.
COVERING_PRESETS = ("gpt2", "gpt4", "o200k", "code")

# -- export ------------------------------------------------------------------------------------------------


def mergeable_ranks(tok: Tokenizer) -> dict[bytes, int]:
    """Token bytes → rank (= id) for tiktoken; UnsupportedError/ConfigError when tiktoken would differ."""
    problems = []
    if tok.model.type != "bpe":
        problems.append(f"its model is {tok.model.type}, and tiktoken holds byte-level BPE only")
    if tok.normalizer:
        problems.append(f"it normalizes text ({tok.normalizer}) and tiktoken has no normalizer")
    if tok.added_tokens:
        problems.append("it has added (non-special) tokens, which tiktoken does not have")
    if _core.Pretokenizer(tok.pretokenizer).name not in COVERING_PRESETS:
        problems.append(
            f"its pre-tokenizer {tok.pretokenizer!r} is not known to match all text (tiktoken drops unmatched "
            f"text); use one of the presets {', '.join(COVERING_PRESETS)}"
        )
    if not tok.ignore_merges:
        problems.append("it has ignore_merges off, and tiktoken always emits a piece that is a token whole")
    if problems:
        raise UnsupportedError("cannot export to tiktoken: " + "; ".join(problems))
    ranks = unique_ordinary(tok)
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise ConfigError(f"cannot export to tiktoken: no token for the byte(s) {bytes(missing[:8])!r}")
    check_merges(tok, set(ranks.values()))
    made = set()
    last = -1
    for rank, ((a, b), n) in enumerate(tok.merge_ids):
        if n < a or n < b:
            raise ConfigError(
                f"cannot export to tiktoken: merge {rank} ({a}, {b}) -> {n} makes an id below its parts' ids"
            )
        if n not in made:
            if n < last:
                raise ConfigError(
                    f"cannot export to tiktoken: merge {rank} makes id {n} after an earlier merge made id {last}"
                    " (tiktoken ranks tokens by id)"
                )
            made.add(n)
            last = n
    for t, i in ranks.items():
        if len(t) > 1 and i not in made:
            raise ConfigError(f"cannot export to tiktoken: token {i} ({t!r}) is not made by any merge")
    return ranks


def save_tiktoken(tok: Tokenizer, path: str | os.PathLike) -> Path:
    """Writes the ordinary tokens of `tok` as a `.tiktoken` file (rank = id) and returns its path. The
    pattern (`tok.pattern`) and special tokens (`tok.special_tokens`) are not part of the format."""
    ranks = mergeable_ranks(tok)
    lines = [f"{base64.b64encode(t).decode()} {i}\n" for t, i in sorted(ranks.items(), key=lambda e: e[1])]
    p = Path(path)
    write_files({p: "".join(lines)})
    return p


# -- import ------------------------------------------------------------------------------------------------


def parse_tiktoken(data: bytes, source: str) -> dict[bytes, int]:
    """Token bytes → rank from the content of a `.tiktoken` file (gzip-compressed or not)."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise TokenizerFileError(f"{source}: corrupt gzip data: {e}") from None
    ranks: dict[bytes, int] = {}
    seen: dict[int, int] = {}
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) != 2 or not fields[1].isdigit():
                raise ValueError("expected a base64 token and a rank")
            token = base64.b64decode(fields[0], validate=True)
            rank = int(fields[1])
        except (ValueError, binascii.Error) as e:
            raise TokenizerFileError(f"{source}: line {number}: not a .tiktoken line ({e})") from None
        if not token:
            raise TokenizerFileError(f"{source}: line {number}: empty token")
        if token in ranks:
            raise TokenizerFileError(f"{source}: line {number}: token {token!r} is listed twice")
        if rank in seen:
            raise TokenizerFileError(f"{source}: line {number}: rank {rank} is also on line {seen[rank]}")
        ranks[token] = rank
        seen[rank] = number
    if not ranks:
        raise TokenizerFileError(f"{source}: no tokens (not a .tiktoken file)")
    return ranks


def recover_merges(vocab: list[bytes]) -> list[Merge]:
    """The merge list equivalent to rank-ordered BPE (`vocab[rank]`, empty for unused ranks): each token of two
    or more bytes is the merge of the two parts that BPE with the lower ranks leaves of its bytes. A token those
    ranks cannot build (Llama-3's `' việc'`: three parts or more) is built, as tiktoken builds it, when the higher
    ranks bring its bytes down to two parts; otherwise it has no merge and is only ever emitted whole, when a
    pre-token is exactly it (tiktoken's rule, which the encoder follows). The core does it, with the one merge
    applier (`crates/tokenforge-core/src/model/bpe/recover.rs`)."""
    return [(parts, rank) for rank, parts in enumerate(_core.recover_merges(vocab)) if parts is not None]


def load_tiktoken(
    path: str | os.PathLike, pattern: str = "gpt4", special_tokens: dict[str, int] | None = None
) -> Tokenizer:
    """Loads a `.tiktoken` (or `.tiktoken.gz`) rank file; `pattern` is a preset name or the regex it was
    made with, `special_tokens` maps special-token text to id (ids no rank uses). Ids nothing uses between
    the ranks and the special tokens are empty tokens that never appear in an encoding."""
    p = Path(path)
    ranks = parse_tiktoken(read_file(p), str(p))
    special = dict(special_tokens or {})
    taken = set(ranks.values())
    for text, i in special.items():
        if not isinstance(i, int) or i < 0 or i in taken or not text:
            raise ConfigError(f"special token {text!r}: id {i!r} is not a free id of {p}")
        taken.add(i)
    size = max(taken) + 1
    if size > 2 * len(taken) + 256:
        raise TokenizerFileError(f"{p}: ranks go up to {size - 1} for only {len(ranks)} tokens")
    vocab = [b""] * size
    for t, i in ranks.items():
        vocab[i] = t
    merges = recover_merges(vocab)
    for text, i in special.items():
        vocab[i] = text.encode()
    try:
        return Tokenizer(vocab, merges, pattern, special_tokens=special)
    except TokenforgeError as e:
        raise type(e)(f"{p}: {e}") from None
