"""Every metric for a set of tokenizers over a set of corpora, as one JSON-ready dict (see docs/metrics.md).

Corpora are read with `tokenforge.corpus` (text, JSON lines, Parquet, compressed; every line of a text file is a
document, its newline included) and streamed in batches of about `BATCH_BYTES`; each batch is tokenized by every
tokenizer (all cores) and only sums are kept: ids counted per id, words and their tokens counted.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import langcodes
import langcodes.registry_parser
import numpy as np

from tokenforge import __version__
from tokenforge.corpus import CorpusOptions, CorpusStats, iter_segments
from tokenforge.errors import ConfigError, CorpusError, InputFileError, PretokenizerError
from tokenforge.metrics.adapters import Adapter
from tokenforge.metrics.composition import composition, forms, jaccard
from tokenforge.metrics.compression import compression, ratio
from tokenforge.metrics.distribution import DEFAULT_ALPHA, distribution
from tokenforge.metrics.fertility import WordCounts, align, fertility, find_words, written_without_spaces
from tokenforge.metrics.integrity import integrity, token_texts
from tokenforge.metrics.parity import line_premiums, premiums
from tokenforge.progress import Progress

BATCH_BYTES = 2 << 20
DEFAULT_PIVOT = "en"


@dataclass
class Lexicon:
    """Word list (and optional roots and affixes) for the integrity metrics, with the language used to fold
    case."""

    words: set[str]
    affixes: set[str] = field(default_factory=set)
    roots: set[str] | None = None
    language: str | None = None


@dataclass
class Sums:
    """What one tokenizer accumulates over one corpus."""

    counts: np.ndarray
    tokens: int = 0
    words: WordCounts = field(default_factory=WordCounts)
    spans_known: bool = True
    seconds: float = 0.0
    #: Tokens of each document, batch by batch (only when asked for: parallel files aligned line by line).
    documents: list[np.ndarray] | None = None


@dataclass
class Measured:
    """One corpus measured: `{tokenizer: metrics}`, and when asked for, `{tokenizer: tokens of each document}`."""

    metrics: dict[str, dict]
    documents: dict[str, np.ndarray]


@dataclass
class TextSums:
    """What a corpus holds: documents, bytes, characters, letters (in scripts written without spaces)."""

    documents: int = 0
    bytes: int = 0
    chars: int = 0
    words: int = 0
    letters: int = 0
    no_space_letters: int = 0


#: How eval reads a corpus unless told otherwise: every line of a text file is a document.
READING = CorpusOptions(split_lines=True)


def documents(path: str | os.PathLike, reading: CorpusOptions = READING) -> Iterator[str]:
    """The documents of a corpus path (by default every line of a text file, newline included)."""
    stats = CorpusStats()
    pending: list[str] = []
    for segment, ends in iter_segments(path, reading, stats):
        pending.append(segment.decode("utf-8") if isinstance(segment, bytes) else segment)
        if ends:
            yield "".join(pending)
            pending = []
    if pending:
        yield "".join(pending)


def batches(docs: Iterator[str], size: int = BATCH_BYTES) -> Iterator[list[str]]:
    """The documents in lists of about `size` characters."""
    batch: list[str] = []
    held = 0
    for doc in docs:
        batch.append(doc)
        held += len(doc)
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def corpus_size(path: str | os.PathLike) -> int | None:
    """Bytes of a corpus on disk (for the progress bar), None when unknown."""
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    if p.is_dir():
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return None


def measure_corpus(
    adapters: list[Adapter],
    path: str | os.PathLike,
    name: str,
    progress: Progress,
    reading: CorpusOptions = READING,
    per_document: bool = False,
) -> tuple[TextSums, dict[str, Sums]]:
    """Tokenizes a corpus with every adapter, keeping only sums (and, `per_document`, each document's tokens)."""
    text = TextSums()
    sums = {
        a.name: Sums(np.zeros(a.vocab_size, dtype=np.int64), documents=[] if per_document else None) for a in adapters
    }
    progress.start(f"measuring {name}", corpus_size(path), "bytes")
    for batch in batches(documents(path, reading)):
        joined = "".join(batch)
        words = find_words(joined)
        n_bytes = int(len(joined.encode("utf-8")))
        text.documents += len(batch)
        text.bytes += n_bytes
        text.chars += len(joined)
        text.words += len(words.starts)
        text.letters += words.letters
        text.no_space_letters += words.no_space_letters
        for adapter in adapters:
            s = sums[adapter.name]
            start = time.perf_counter()
            try:
                tok = adapter.tokenize(batch)
            except PretokenizerError as e:
                raise PretokenizerError(f"{path}: {e}") from None
            s.seconds += time.perf_counter() - start
            s.tokens += len(tok.ids)
            if s.documents is not None:
                s.documents.append(tok.counts)
            s.counts += np.bincount(tok.ids, minlength=adapter.vocab_size)[: adapter.vocab_size]
            if tok.starts is None:
                s.spans_known = False
            elif s.spans_known:
                s.words.add(align(words, tok.starts, tok.ends))
        progress.advance(n_bytes)
    return text, sums


def corpus_metrics(
    adapter: Adapter,
    text: TextSums,
    s: Sums,
    language: str | None,
    alpha: float,
    lexicon: Lexicon | None,
    entries: dict[int, bytes],
) -> dict[str, object]:
    """Every per-corpus metric of one tokenizer."""
    no_spaces = written_without_spaces(language, text.letters, text.no_space_letters)
    byte_lengths, char_lengths = adapter.token_lengths()
    out: dict[str, object] = {"tokens": s.tokens}
    out.update(compression(text.bytes, text.chars, s.tokens))
    out.update(fertility(s.tokens, s.words, s.spans_known, no_spaces))
    out.update(distribution(s.counts, adapter.vocab_size, byte_lengths, char_lengths, alpha))
    control = [e.id for e in adapter.entries() if e.control]
    out["unknown_tokens"] = ratio(int(s.counts[control].sum()), s.tokens)
    if lexicon is not None:
        produced = token_texts((entries.get(int(i), b"") for i in np.flatnonzero(s.counts)), lexicon.language)
        out.update(integrity(produced, lexicon.words, lexicon.affixes, lexicon.roots))
    out["encode_seconds"] = s.seconds
    return out


def text_facts(path: str | os.PathLike, text: TextSums, language: str | None) -> dict[str, object]:
    """What the JSON says about a corpus itself."""
    return {
        "path": str(path),
        "language": language,
        "documents": text.documents,
        "bytes": text.bytes,
        "chars": text.chars,
        "words": text.words,
        "written_without_spaces": written_without_spaces(language, text.letters, text.no_space_letters),
    }


def parallel_files(directory: str | os.PathLike) -> dict[str, Path]:
    """`{language: file}` of a parallel corpus directory (one file per language, named by its code)."""
    d = Path(directory)
    if not d.is_dir():
        raise InputFileError(f"{d}: not a directory (a parallel corpus is a directory of one file per language)")
    files = {f.name.split(".")[0]: f for f in sorted(d.iterdir()) if f.is_file() and not f.name.startswith(".")}
    if len(files) < 2:
        raise CorpusError(f"{d}: a parallel corpus needs files for at least two languages, found {len(files)}")
    return files


def evaluate(
    adapters: list[Adapter],
    corpora: list[tuple[str, str]],
    parallel: str | None = None,
    pivot: str = DEFAULT_PIVOT,
    alpha: float = DEFAULT_ALPHA,
    lexicon: Lexicon | None = None,
    progress: Progress | None = None,
    reading: CorpusOptions = READING,
) -> dict:
    """Every metric of every adapter on every corpus `(name, path)` and on a parallel corpus directory, read
    with `reading`."""
    names = [a.name for a in adapters]
    if len(set(names)) != len(names):
        raise ConfigError(f"two tokenizers have the same name ({', '.join(names)}): name them with NAME=PATH")
    if not corpora and parallel is None:
        raise ConfigError("nothing to measure: give --corpus NAME=PATH and/or --parallel DIR")
    progress = progress or Progress(enabled=False)
    started = time.perf_counter()
    entries = {a.name: {e.id: e.surface for e in a.entries() if not e.control} for a in adapters}
    result: dict = {
        "tokenforge_version": __version__,
        "alpha": alpha,
        "pivot": pivot if parallel else None,
        "corpora": {},
        "tokenizers": {a.name: {"kind": a.kind, "vocab_size": a.vocab_size, "corpora": {}} for a in adapters},
    }

    def measure(path: str | os.PathLike, label: str, language: str | None, per_document: bool = False) -> Measured:
        text, sums = measure_corpus(adapters, path, label, progress, reading, per_document)
        result["corpora"][label] = text_facts(path, text, language)
        metrics = {
            a.name: corpus_metrics(a, text, sums[a.name], language, alpha, lexicon, entries[a.name]) for a in adapters
        }
        return Measured(metrics, {t: np.concatenate(s.documents) for t, s in sums.items() if s.documents})

    for name, path in corpora:
        for tok_name, metrics in measure(path, name, None).metrics.items():
            result["tokenizers"][tok_name]["corpora"][name] = metrics
    if parallel is not None:
        add_parallel(result, parallel, pivot, measure)
    for a in adapters:
        entry = result["tokenizers"][a.name]
        entry["composition"] = composition(a.entries())
        # Unknown tokens lose text: such a tokenizer's compression is not comparable (marked in the tables).
        entry["lossy"] = any(m.get("unknown_tokens") for m in entry["corpora"].values() if isinstance(m, dict))
    vocab_forms = {a.name: forms(a.entries()) for a in adapters}
    result["jaccard"] = {a: {b: jaccard(vocab_forms[a], vocab_forms[b]) for b in names} for a in names}
    result["seconds"] = time.perf_counter() - started
    return result


@functools.cache
def _registry() -> tuple[dict[str, str], dict[str, str]]:
    """From the IANA registry that langcodes ships: `{language subtag: its macrolanguage or itself}` and
    `{English name, lower-cased: subtag}` (`german`: `de`, `castilian`: `es`; a name shared by several subtags
    keeps the first, the two-letter one)."""
    subtags: dict[str, str] = {}
    names: dict[str, str] = {}
    for item in langcodes.registry_parser.parse_registry():
        if item.get("Type") == "language" and "Deprecated" not in item:
            subtags[item["Subtag"]] = item.get("Macrolanguage", item["Subtag"])
            for name in item.get("Description", []):
                names.setdefault(name.lower(), item["Subtag"])
    return subtags, names


def language(code: str) -> str:
    """The language a code or English name names, so that `English`, `en`, `eng`, `eng_Latn` (FLORES), `en-US`
    compare equal, and so do a macrolanguage and its members (`ar`, `arb_Arab`); anything else stays as it is,
    lower-cased."""
    subtags, names = _registry()
    try:
        tag = langcodes.Language.get(code.replace("_", "-")).language
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        tag = None
    if tag not in subtags:
        tag = names.get(code.strip().lower())
    return subtags[tag] if tag is not None else code.lower()


def pivot_file(files: dict[str, Path], pivot: str, directory: str) -> str:
    """The language (file name) of `files` that is the pivot language."""
    if pivot in files:
        return pivot
    matches = [lang for lang in files if language(lang) == language(pivot)]
    if len(matches) != 1:
        raise ConfigError(f"{directory}: no file for the pivot language {pivot!r} (languages: {', '.join(files)})")
    return matches[0]


def add_parallel(result: dict, directory: str, pivot: str, measure: Callable[..., Measured]) -> None:
    """Measures every language of a parallel corpus and adds `parity` (and per-language metrics) under the
    directory's name; when the files hold as many documents (lines), also the premium line by line."""
    files = parallel_files(directory)
    pivot = pivot_file(files, pivot, directory)
    result["pivot"] = pivot
    label = Path(directory).resolve().name
    per_language = {lang: measure(path, f"{label}/{lang}", lang, True) for lang, path in files.items()}
    facts = {lang: result["corpora"].pop(f"{label}/{lang}") for lang in files}
    docs = {lang: f["documents"] for lang, f in facts.items()}
    # Files with as many lines are taken as aligned line by line; otherwise as translations of the same
    # document(s), which whole-file parity needs no more than.
    alignment = "lines" if len(set(docs.values())) == 1 else "documents"
    result["corpora"][label] = {
        "path": str(directory),
        "parallel": True,
        "pivot": pivot,
        "alignment": alignment,
        "languages": facts,
    }
    for tok_name, entry in result["tokenizers"].items():
        tokens = {lang: per_language[lang].metrics[tok_name]["tokens"] for lang in files}
        entry["corpora"][label] = {
            "parity": premiums(tokens, pivot),
            "tokens": tokens,
            "languages": {lang: per_language[lang].metrics[tok_name] for lang in files},
        }
        if alignment == "lines":
            lines = {lang: per_language[lang].documents[tok_name] for lang in files}
            entry["corpora"][label]["line_parity"] = line_premiums(lines, pivot)
