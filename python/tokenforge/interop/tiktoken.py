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
import gzip
import os
import zlib
from pathlib import Path

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenforgeError, TokenizerFileError, UnsupportedError
from tokenforge.interop.huggingface import check_merges, read_file, unique_ordinary, write_files
from tokenforge.models.bpe import RankBpeModel
from tokenforge.tokenizer import Tokenizer

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


def parse_tiktoken(data: bytes, source: str) -> _core.RankFile:
    """The tokens and ranks of the content of a `.tiktoken` file (gzip-compressed or not), read in the core
    (`crates/tokenforge-core/src/model/bpe/rank_file.rs`)."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise TokenizerFileError(f"{source}: corrupt gzip data: {e}") from None
    try:
        ranks = _core.RankFile(data)
    except TokenizerFileError as e:
        raise TokenizerFileError(f"{source}: {e}") from None
    if not ranks:
        raise TokenizerFileError(f"{source}: no tokens (not a .tiktoken file)")
    return ranks


def load_tiktoken(
    path: str | os.PathLike, pattern: str = "gpt4", special_tokens: dict[str, int] | None = None
) -> Tokenizer:
    """Loads a `.tiktoken` (or `.tiktoken.gz`) rank file; `pattern` is a preset name or the regex it was
    made with, `special_tokens` maps special-token text to id (ids no rank uses). Ids nothing uses between
    the ranks and the special tokens are empty tokens that never appear in an encoding. The model merges by rank,
    as tiktoken does; its merge list is recovered when asked for (`RankBpeModel`)."""
    p = Path(path)
    ranks = parse_tiktoken(read_file(p), str(p))
    special = dict(special_tokens or {})
    taken: set[int] = set()
    for text, i in special.items():
        if not isinstance(i, int) or i < 0 or i in taken or i in ranks or not text:
            raise ConfigError(f"special token {text!r}: id {i!r} is not a free id of {p}")
        taken.add(i)
    size = max([ranks.max_rank, *taken]) + 1
    if size > 2 * (len(ranks) + len(taken)) + 256:
        raise TokenizerFileError(f"{p}: ranks go up to {size - 1} for only {len(ranks)} tokens")
    vocab = ranks.vocab(size)
    model = RankBpeModel(list(vocab))  # the rank file's tokens alone
    for text, i in special.items():
        vocab[i] = text.encode()
    try:
        return Tokenizer(vocab, pretokenizer=pattern, special_tokens=special, model=model)
    except TokenforgeError as e:
        raise type(e)(f"{p}: {e}") from None
