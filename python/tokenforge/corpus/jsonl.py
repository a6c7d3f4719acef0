"""JSON-lines files: one JSON object per line, its text in a string field; each record is one document.

Blank lines are ignored and a record whose field is `null` holds no document; a line that is not a JSON object,
or lacks the field, is an error naming the file and the line. Invalid UTF-8 is handled as in text files. A JSON
escape of a lone surrogate (`"\\ud800"`) is not text either: it counts as 3 invalid bytes (its size in
CESU-8) and is replaced by U+FFFD or dropped like them.

Records are parsed by `orjson` when it is installed (several times faster), else by the standard `json`; a line
orjson refuses goes to `json`, which decides, so what is accepted and how errors read are the same either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from tokenforge.corpus.options import CorpusOptions, CorpusStats, Segment
from tokenforge.corpus.text import read_blocks
from tokenforge.errors import CorpusError

try:
    from orjson import JSONDecodeError as _FastError
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - an optional accelerator
    _FastError = ValueError
    _fast_loads = None

_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(path: Path, lineno: int) -> str:
    return f"{path}: line {lineno}"


def _hint(path: Path) -> str:
    """For a `.json` file: that it is read as JSON lines."""
    if ".json" not in path.suffixes:
        return ""
    return " (a .json file is read as JSON lines, one object per line: write one record per line and name it .jsonl)"


def _json_error(path: Path, lineno: int, e: Exception) -> CorpusError:
    detail = f"{e.msg} at column {e.colno}" if isinstance(e, json.JSONDecodeError) else str(e)
    return CorpusError(f"{_where(path, lineno)}: not valid JSON ({detail}){_hint(path)}")


def _parse(line: bytes, path: Path, lineno: int) -> object:
    """The JSON value on a line."""
    if _fast_loads is not None:
        try:
            return _fast_loads(line)
        except _FastError:
            pass  # json accepts more (NaN, a byte-order mark, lone surrogate escapes) and words the error
    try:
        return json.loads(line)
    except (ValueError, RecursionError) as e:
        raise _json_error(path, lineno, e) from None


def _odd_text(record: object, field: str, path: Path, lineno: int) -> None:
    """Checks a record whose field is not a string: None when it is null, else the error."""
    where = _where(path, lineno)
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: not a JSON object but {type(record).__name__}{_hint(path)}")
    if field not in record:
        raise CorpusError(f"{where}: the record has no field {field!r} (fields: {', '.join(map(str, record))})")
    if record[field] is not None:
        raise CorpusError(f"{where}: field {field!r} holds {type(record[field]).__name__}, not a string")


def _encode(text: str, path: Path, lineno: int, opts: CorpusOptions, stats: CorpusStats) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        pass
    if opts.on_invalid_utf8 == "error":
        raise CorpusError(
            f"{_where(path, lineno)}: the text holds a lone surrogate escape, which is not valid Unicode "
            "(set on_invalid_utf8 / --on-invalid-utf8 to replace or skip to read it anyway)"
        )
    text, n = _SURROGATE.subn("\ufffd" if opts.on_invalid_utf8 == "replace" else "", text)
    stats.invalid_bytes += 3 * n
    return text.encode()


def jsonl_segments(
    path: Path, opts: CorpusOptions, stats: CorpusStats, span: tuple[int, int] | None = None
) -> Iterator[Segment]:
    """Each record's text, as one document (UTF-8 bytes); `span` as in `read_blocks` (line numbers in errors
    then count from its start)."""
    field = opts.text_field
    lineno = 0
    for block in read_blocks(path, opts, stats, whole_lines=True, span=span):
        lines = block.data.split(b"\n")
        if not lines[-1]:
            lines.pop()
        for line in lines:
            lineno += 1
            if not line or line.isspace():
                continue
            record = _parse(line, path, lineno)
            text = record.get(field) if type(record) is dict else None
            if type(text) is not str:
                _odd_text(record, field, path, lineno)
                continue
            stats.documents += 1
            yield _encode(text, path, lineno, opts, stats), True
