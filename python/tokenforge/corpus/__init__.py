"""Reading corpora: files, directories and iterables become a stream of document segments.

A segment is `(text, ends_document)` (text as `str` or UTF-8 `bytes`); nothing is ever held whole in memory.

What is read:
- Text files, one document each (`split_lines`: each line, with its newline, is a document — what Hugging Face
  `Tokenizer.train(files)` does). Read in blocks cut at line ends, validated as UTF-8 in Rust; invalid UTF-8 is
  an error naming the byte offset, or is replaced (U+FFFD) or skipped (`on_invalid_utf8`).
- JSON lines (`.jsonl`, `.ndjson`, and `.json` when named explicitly): each record's `text_field` is a document.
- Parquet (`.parquet`, or a file with Parquet's magic bytes at both ends): each value of `text_column`.
- gzip and zstd versions of text and JSON lines (`.gz`, `.zst`, `.zstd`), recognised by their magic bytes.
- Directories, recursively, in name order (deterministic); hidden files and directories (name starting with
  ".") and symbolic links to directories are left out. A directory contributes its `.txt .text .md`, JSON-lines
  and Parquet files (plain or compressed), and any other file that looks like text: no NUL byte in its first
  8000 (decompressed) bytes, git's test; those are read as text. `.json` files are left out (in a directory
  they are mostly metadata); so are files that look binary, counted in `CorpusStats.skipped_files`.
- A file named explicitly is always read: by its suffix, else as Parquet if it has Parquet's magic, else as text.

Errors: a missing or unreadable path is an `InputFileError`; an empty directory, corrupt compressed data, a bad
JSON line (file and line number), a Parquet file without the column (with the columns it has) or corrupt, and
invalid UTF-8 are `CorpusError`s naming the file.
"""

from tokenforge.corpus.options import CorpusOptions, CorpusStats, Segment
from tokenforge.corpus.reader import iter_documents, iter_segments, normalized

__all__ = ["CorpusOptions", "CorpusStats", "Segment", "iter_documents", "iter_segments", "normalized"]
