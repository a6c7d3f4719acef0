"""`train`, `train_from_iterator` and `extend`: read a corpus, count its pre-tokens, run a vocabulary learner."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats, Segment, iter_documents, iter_segments
from tokenforge.corpus.files import discover, plain_size
from tokenforge.corpus.reader import source_segments
from tokenforge.distributed import RayOptions, ray_counting, ray_options
from tokenforge.errors import ConfigError, CorpusError, InputFileError, PretokenizerError, UnsupportedError
from tokenforge.models import BpeModel
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.bpe import assemble, check_pretokenizer, learn_merges
from tokenforge.training.checkpoint import learn_with_checkpoints
from tokenforge.training.counting import count_pretokens, prepared
from tokenforge.training.memory import MemoryPlan, batch_bytes, default_cap, plan, return_large_blocks
from tokenforge.training.options import TrainOptions, make_options, vocab_size_of
from tokenforge.training.registry import LEARNERS, Learner, chosen

__all__ = ["LEARNERS", "extend", "train", "train_from_iterator"]

Counting = Callable[[Sequence[str], Progress, "MemoryPlan | None"], list[_core.WordCounter]]
"""Counts a corpus's pre-tokens, normalised and with forced tokens cut out (`counting.prepared`), for each
pre-tokenizer: on this machine (`_local`) or on a Ray cluster (`tokenforge.distributed`)."""


def _cap(opts: TrainOptions, learner: Learner, local: bool, stats: CorpusStats) -> int | str | None:
    """The memory cap: `max_memory`, or when counting on this machine, a default derived from the available
    memory (logged at INFO, and kept in `stats.default_cap` for the summary: most runs never come near it)."""
    if opts.max_memory is not None:
        return_large_blocks()
        return opts.max_memory
    if not local:
        return None
    stats.default_cap = default_cap(learner.name, logging.INFO)
    return stats.default_cap


@contextmanager
def _memory_plan(cap: int | str | None, opts: TrainOptions, counters: int) -> Iterator[MemoryPlan | None]:
    """The memory plan under `cap`, with a spill directory that is removed afterwards."""
    if cap is None:
        yield None
        return
    if opts.spill_dir is not None and not Path(opts.spill_dir).is_dir():
        raise InputFileError(f"{opts.spill_dir}: no such directory (the spill directory must exist)")
    with tempfile.TemporaryDirectory(prefix="tokenforge-spill-", dir=opts.spill_dir) as d:
        yield plan(cap, counters, Path(d))


def _local(segments: Iterator[Segment], opts: TrainOptions) -> Counting:
    """Counting of a segment stream in this process."""
    return lambda patterns, bar, memory: count_pretokens(
        prepared(segments, opts.normalizer, opts.forced), patterns, bar, memory
    )


def _learn(
    learner: Learner,
    count: Counting,
    stats: CorpusStats,
    source: str,
    vocab_size: int,
    opts: TrainOptions,
    local: bool,
    total: int | None = None,
) -> Tokenizer:
    """Counts with the learner's pre-tokenizers (the bar shows bytes read of `total` when it is known), then
    runs the learner on the counts; under a memory cap (`_cap`: a default one when counting is `local`),
    counting spills and prunes (`tokenforge.training.memory`)."""
    patterns = learner.patterns(opts, vocab_size)
    for p in patterns:
        check_pretokenizer(p)
    cap = _cap(opts, learner, local, stats)
    with Progress(enabled=opts.progress) as bar, _memory_plan(cap, opts, len(patterns)) as memory:
        bar.start("counting pre-tokens", total, unit="bytes", position=(lambda: stats.bytes) if total else None)
        try:
            counters = count(patterns, bar, memory)
        except PretokenizerError as e:
            raise PretokenizerError(f"{source}: {e}") from None
        if len(counters[0]) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        return learner.learn(counters, vocab_size, opts, bar)


def train(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    vocab_size: int | None = None,
    *,
    preset: str | None = None,
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    stats: CorpusStats | None = None,
    ray: bool | str | RayOptions | None = None,
    **options,
) -> Tokenizer:
    """Trains a tokenizer on files or directories (text, .jsonl, .parquet, gzip/zstd), streaming them.

    Options (all keyword): `algorithm` — one of `tokenforge.training.registry.LEARNERS`: `bpe` (default
    pre-tokenizer `gpt4`), `superbpe` (stage 1 to `transition` ids with the reference's stage-1 pattern, then
    superwords with its stage-2 pattern), `binary` (raw bytes of any file in `chunk_size` chunks, tokens of at
    most 16 bytes unless `max_token_bytes` says otherwise; `tokenforge.training.binary` makes nested families)
    or `wordpiece` (BERT's defaults: `bert` normalizer and pre-tokenizer, min_frequency 2, `limit_alphabet`
    1000, its five special tokens, `unk_token` `[UNK]`) or `lib` (LiB's memorizer and forgetter, line by line:
    `epochs` 2, `seed` 0, units of at most `max_token_chars` 12) or `hybrid` (`roots` and `affixes`: word-list
    files or lists; `language="tr"` for Turkish casing and affix harmony); `pretokenizer`;
    `min_frequency`; `special_tokens` (placed last; `vocab_size` counts them); `max_token_bytes` /
    `max_token_chars` (exact caps on learned tokens, KL3M); `normalizer` (`NFC`/`NFKC`, applied to the corpus
    and when encoding); `forced_tokens` (always in the vocabulary, right after the bytes, matched before
    pre-tokenization like Hugging Face added tokens); `pad_to_power_of_two` (unused special tokens up to the
    next power of two); `max_memory` (`"4GB"`: the counting table spills to sorted runs on disk, in
    `spill_dir` or a temporary directory, and rare pre-tokens are pruned if the merge phase would not fit —
    see `tokenforge.training.memory`); `checkpoint_dir` / `checkpoint_every` (save the counts every 64 MiB
    read and the merges every N merges, and resume from there when run again — see `tokenforge.training.checkpoint`);
    `progress`. `preset` (`legal`, `code`, `kl3m-char-4k/8k/16k`) fills in defaults. `vocab_size` defaults to
    32,000, or to the size a preset names (`kl3m-char-4k`: 4,096).
    `stats`, when given, is filled with what was read. `ray` (`True`, a cluster address or a
    `tokenforge.distributed.RayOptions`) counts on a Ray cluster, shard by shard, with the same result (classic
    BPE and SuperBPE; see docs/ray.md)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    opts = make_options(preset, options)
    vocab_size = vocab_size_of(vocab_size, preset)
    cluster = ray_options(ray)
    learner = chosen(opts)
    learner.check(opts, ray=cluster is not None)
    if cluster is not None and opts.checkpoint_dir is not None:
        raise ConfigError("checkpoints run locally: train without Ray to use them")
    if learner.read_files is not None:
        return learner.read_files(paths, vocab_size, opts, stats)
    corpus = CorpusOptions(text_field=text_field, split_lines=split_lines, on_invalid_utf8=on_invalid_utf8)
    stats = CorpusStats() if stats is None else stats
    source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    if cluster is not None:
        counting = ray_counting(paths, corpus, stats, opts, cluster)
        return _learn(learner, counting, stats, source, vocab_size, opts, local=False)
    if opts.checkpoint_dir is not None:
        vocab, merges, pre = learn_with_checkpoints(
            paths, vocab_size, opts, corpus, stats, opts.checkpoint_dir, opts.checkpoint_every
        )
        return assemble(vocab, merges, pre, opts)
    if opts.max_memory is not None:  # a block is read whole: no more than a batch
        corpus.block_size = min(corpus.block_size, batch_bytes(opts.max_memory))
    sources = discover(paths, stats)
    segments = source_segments(sources, corpus, stats)
    return _learn(learner, _local(segments, opts), stats, source, vocab_size, opts, True, plain_size(sources))


def train_from_iterator(
    texts: Iterable[str | bytes], vocab_size: int | None = None, *, preset: str | None = None, **options
) -> Tokenizer:
    """Trains a tokenizer on an iterable of documents (str or bytes, one document each); options as `train`
    (learners that read files themselves, such as binary BPE, need `train`)."""
    opts = make_options(preset, options)
    vocab_size = vocab_size_of(vocab_size, preset)
    learner = chosen(opts)
    learner.check(opts, iterator=True)
    stats = CorpusStats()
    segments = iter_documents(texts, stats)
    return _learn(learner, _local(segments, opts), stats, "<iterator>", vocab_size, opts, local=True)


def extend(
    base: Tokenizer,
    corpus: str | os.PathLike | Iterable[str | os.PathLike] | None,
    vocab_size: int,
    *,
    texts: Iterable[str | bytes] | None = None,
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    **options,
) -> Tokenizer:
    """Continues BPE training of `base` (ours, or an imported tokenizer.json / .tiktoken) on files (`corpus`)
    or documents (`texts`) until it holds `vocab_size` ids, with `base`'s pre-tokenizer and normaliser. Every
    merge and id of `base` is kept verbatim (special and added tokens included); new tokens follow them, new
    special tokens come last. Options: `min_frequency`, `special_tokens`, `max_token_bytes`,
    `max_token_chars`, `progress`."""
    if (corpus is None) == (texts is None):
        raise ConfigError("extend needs either corpus paths or texts, not both")
    if not isinstance(base.model, BpeModel):
        raise UnsupportedError(f"extend continues BPE training; this tokenizer's model is {base.model.type}")
    vocab_size = vocab_size_of(vocab_size)
    if vocab_size <= base.vocab_size:
        raise ConfigError(f"vocab size {vocab_size} does not extend a tokenizer of {base.vocab_size} ids")
    opts = make_options(None, options)
    stats = CorpusStats()
    if texts is not None:
        segments, source = iter_documents(texts, stats), "<iterator>"
    else:
        paths = [corpus] if isinstance(corpus, (str, os.PathLike)) else list(corpus)
        reading = CorpusOptions(text_field=text_field, split_lines=split_lines, on_invalid_utf8=on_invalid_utf8)
        segments = iter_segments(paths, reading, stats)
        source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    reserved = {**base.special_tokens, **base.added_tokens}
    segments = prepared(segments, base.normalizer, list(base.added_tokens))
    specials = [s for s in opts.specials if s not in reserved]
    # Special and added ids become empty placeholders, so that no merge can land on them.
    vocab = [b"" if i in reserved.values() else base.token_bytes(i) for i in range(base.vocab_size)]
    check_pretokenizer(base.pretokenizer)
    with Progress(enabled=opts.progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        (counter,) = count_pretokens(segments, [base.pretokenizer], bar)
        if len(counter) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        vocab, merges = learn_merges(
            counter,
            vocab_size,
            specials,
            bar,
            min_frequency=opts.min_frequency,
            rules=opts.rules,
            base=(vocab, base.merge_ids),
            label="extending",
        )
    for text, i in reserved.items():
        vocab[i] = text.encode()
    special_ids = dict(base.special_tokens)
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
