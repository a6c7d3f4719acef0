"""`train`, `train_from_iterator` and `extend`: read a corpus, count its pre-tokens, run a vocabulary learner."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from tokenforge.corpus import CorpusOptions, CorpusStats, Segment, iter_documents, iter_segments
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.binary import CHUNK_SIZE, MAX_TOKEN_BYTES, train_binary_family
from tokenforge.training.bpe import TokenRules, check_pretokenizer, learn_merges, with_specials
from tokenforge.training.counting import count_pretokens
from tokenforge.training.superbpe import STAGE1_PATTERN, STAGE2_PATTERN, superbpe_rules

ALGORITHMS = ("bpe", "superbpe", "binary")


def _extend(
    base: Tokenizer,
    segments: Iterator[Segment],
    stats: CorpusStats,
    source: str,
    vocab_size: int,
    *,
    min_frequency: int,
    special_tokens: Sequence[str],
    rules: TokenRules,
    progress: bool,
) -> Tokenizer:
    """Continues training `base` with its own pre-tokenizer and normaliser: its merges and ids are kept as they
    are (special and added tokens included), new tokens get the ids after them, new specials come last."""
    reserved = {**base.special_tokens, **base.added_tokens}
    specials = [s for s in dict.fromkeys(special_tokens) if s not in reserved]
    # Special and added ids become empty placeholders, so that no merge can land on them.
    vocab = [b"" if i in reserved.values() else base.token_bytes(i) for i in range(base.vocab_size)]
    if base.normalizer:
        segments = _normalized(segments, base.normalizer)
    check_pretokenizer(base.pretokenizer)
    with Progress(enabled=progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        (counter,) = count_pretokens(segments, [base.pretokenizer], bar)
        if len(counter) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        vocab, merges = learn_merges(
            counter,
            vocab_size,
            specials,
            bar,
            min_frequency=min_frequency,
            rules=rules,
            base=(vocab, base.merge_ids),
            label="extending",
        )
    for text, i in reserved.items():
        vocab[i] = text.encode()
    special_ids = {s: i for s, i in base.special_tokens.items()}
    for s in specials:
        special_ids[s] = len(vocab)
        vocab.append(s.encode())
    return Tokenizer(
        vocab,
        merges,
        base.pretokenizer,
        special_tokens=special_ids,
        added_tokens=base.added_tokens,
        normalizer=base.normalizer,
        ignore_merges=base.ignore_merges,
    )


def _normalized(segments: Iterator[Segment], form: str) -> Iterator[Segment]:
    """Segments in Unicode normal form `form` (segments are cut at line ends, where normalising is local)."""
    for text, end in segments:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        yield unicodedata.normalize(form, text), end


def _learn(
    segments: Iterator[Segment],
    stats: CorpusStats,
    source: str,
    vocab_size: int,
    *,
    algorithm: str,
    pretokenizer: str | None,
    min_frequency: int,
    special_tokens: Sequence[str],
    rules: TokenRules,
    transition: int | None,
    progress: bool,
) -> Tokenizer:
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"unknown algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
    specials = list(dict.fromkeys(special_tokens))
    superbpe = algorithm == "superbpe"
    if superbpe:
        if transition is None or not 256 + len(specials) <= transition <= vocab_size:
            raise ConfigError(
                f"superbpe needs a transition point between {256 + len(specials)} and the vocab size {vocab_size}, "
                f"got {transition}"
            )
        patterns = [pretokenizer or STAGE1_PATTERN, STAGE2_PATTERN]
    else:
        if transition is not None:
            raise ConfigError("transition is a superbpe option (use algorithm='superbpe')")
        patterns = [pretokenizer or "gpt4"]
    for p in patterns:
        check_pretokenizer(p)
    with Progress(enabled=progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        counters = count_pretokens(segments, patterns, bar)
        if len(counters[0]) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        if not superbpe:
            vocab, merges = learn_merges(
                counters[0], vocab_size, specials, bar, min_frequency=min_frequency, rules=rules
            )
            return with_specials(vocab, merges, patterns[0], specials)
        stage1 = learn_merges(counters[0], transition, specials, bar, min_frequency=min_frequency, rules=rules)
        vocab, merges = learn_merges(
            counters[1],
            vocab_size,
            specials,
            bar,
            min_frequency=min_frequency,
            rules=superbpe_rules(rules),
            base=stage1,
            label="merging superwords",
        )
    return with_specials(vocab, merges, STAGE2_PATTERN, specials)


def train(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    vocab_size: int = 32000,
    *,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    max_token_bytes: int | None = None,
    max_token_chars: int | None = None,
    transition: int | None = None,
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    progress: bool = False,
    stats: CorpusStats | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Tokenizer:
    """Trains a tokenizer on files or directories (text, .jsonl, .parquet, gzip/zstd), streaming them.

    `algorithm` is `bpe` (default pre-tokenizer `gpt4`), `superbpe` (stage 1 to `transition` ids with the
    reference's stage-1 pattern, then superwords with its stage-2 pattern) or `binary` (raw bytes of any file
    in `chunk_size` chunks, tokens of at most 16 bytes unless `max_token_bytes` says otherwise; see
    `tokenforge.training.binary` for nested families). `max_token_bytes` and
    `max_token_chars` cap learned tokens (KL3M). `vocab_size` counts the special tokens, placed last.
    `stats`, when given, is filled with what was read (files, documents, bytes, invalid UTF-8 bytes)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if algorithm == "binary":
        if pretokenizer not in (None, "none") or transition is not None or max_token_chars is not None:
            raise ConfigError("binary BPE takes no pre-tokenizer, transition or character cap")
        family = train_binary_family(
            paths,
            [vocab_size],
            chunk_size=chunk_size,
            max_token_bytes=max_token_bytes or MAX_TOKEN_BYTES,
            min_frequency=min_frequency,
            special_tokens=special_tokens,
            progress=progress,
        )
        return family[vocab_size]
    opts = CorpusOptions(text_field=text_field, split_lines=split_lines, on_invalid_utf8=on_invalid_utf8)
    stats = CorpusStats() if stats is None else stats
    source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    return _learn(
        iter_segments(paths, opts, stats),
        stats,
        source,
        vocab_size,
        algorithm=algorithm,
        pretokenizer=pretokenizer,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        rules=TokenRules(max_token_bytes=max_token_bytes, max_token_chars=max_token_chars),
        transition=transition,
        progress=progress,
    )


def train_from_iterator(
    texts: Iterable[str | bytes],
    vocab_size: int = 32000,
    *,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    max_token_bytes: int | None = None,
    max_token_chars: int | None = None,
    transition: int | None = None,
    progress: bool = False,
) -> Tokenizer:
    """Trains a tokenizer on an iterable of documents (str or bytes, one document each); options as `train`."""
    stats = CorpusStats()
    return _learn(
        iter_documents(texts, stats),
        stats,
        "<iterator>",
        vocab_size,
        algorithm=algorithm,
        pretokenizer=pretokenizer,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        rules=TokenRules(max_token_bytes=max_token_bytes, max_token_chars=max_token_chars),
        transition=transition,
        progress=progress,
    )


def extend(
    base: Tokenizer,
    corpus: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    vocab_size: int = 0,
    *,
    texts: Iterable[str | bytes] | None = None,
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    max_token_bytes: int | None = None,
    max_token_chars: int | None = None,
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    progress: bool = False,
) -> Tokenizer:
    """Continues BPE training of `base` (ours, or an imported tokenizer.json / .tiktoken) on files (`corpus`)
    or documents (`texts`) until it holds `vocab_size` ids. Every merge and id of `base` is kept verbatim."""
    if (corpus is None) == (texts is None):
        raise ConfigError("extend needs either corpus paths or texts, not both")
    if vocab_size <= base.vocab_size:
        raise ConfigError(f"vocab size {vocab_size} does not extend a tokenizer of {base.vocab_size} ids")
    stats = CorpusStats()
    if texts is not None:
        segments, source = iter_documents(texts, stats), "<iterator>"
    else:
        paths = [corpus] if isinstance(corpus, (str, os.PathLike)) else list(corpus)
        opts = CorpusOptions(text_field=text_field, split_lines=split_lines, on_invalid_utf8=on_invalid_utf8)
        segments = iter_segments(paths, opts, stats)
        source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    return _extend(
        base,
        segments,
        stats,
        source,
        vocab_size,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        rules=TokenRules(max_token_bytes=max_token_bytes, max_token_chars=max_token_chars),
        progress=progress,
    )
