"""Reading corpora: files, directories and iterables become a stream of document segments.

A segment is `(text, ends_document)`; text files are streamed in blocks cut at line ends, so no file is
ever held whole in memory, and the counter stitches blocks back together exactly.
"""

from tokenforge.corpus.reader import CorpusOptions, CorpusStats, iter_documents, iter_segments

__all__ = ["CorpusOptions", "CorpusStats", "iter_documents", "iter_segments"]
