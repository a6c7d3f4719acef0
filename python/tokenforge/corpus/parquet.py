"""Parquet files: each value of a text column is one document; read a batch of rows at a time (pyarrow).

Null values hold no document. A file without the column (the error lists the columns there are), with a column
that is not text, or that pyarrow cannot read is an error naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tokenforge.corpus.options import CorpusOptions, CorpusStats, Segment
from tokenforge.errors import CorpusError

BATCH_ROWS = 1024


def parquet_segments(
    path: Path, opts: CorpusOptions, stats: CorpusStats, span: tuple[int, int] | None = None
) -> Iterator[Segment]:
    """Each non-null value of column `opts.text_column`, as one document; `span` reads only row groups
    `[first, end)` (`tokenforge.distributed` shards a file so)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    column = opts.text_column
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as e:
        raise CorpusError(f"{path}: not a readable Parquet file ({e})") from None
    if column not in schema.names:
        raise CorpusError(
            f"{path}: no column {column!r} (columns: {', '.join(schema.names)}); "
            "choose one with text_column / --text-column"
        )
    kind = schema.field(column).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise CorpusError(f"{path}: column {column!r} holds {kind}, not text")
    groups = range(*span) if span else None
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=groups, columns=[column])
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                return
            values = batch.column(0)
            size = pc.sum(pc.binary_length(values)).as_py()
            texts = values.to_pylist()
        except (pa.ArrowException, OSError, UnicodeDecodeError) as e:
            raise CorpusError(f"{path}: corrupt Parquet data ({e})") from None
        stats.bytes += size or 0
        for text in texts:
            if text is not None:
                stats.documents += 1
                yield text, True
