"""The exceptions tokenforge raises. Every user error is one of these, with a message naming the
file (where there is one) and the problem."""

from __future__ import annotations


class TokenforgeError(Exception):
    """Base class of every tokenforge error."""


class ConfigError(TokenforgeError, ValueError):
    """An argument is out of range or inconsistent (vocabulary too small, unknown option...)."""


class PretokenizerError(TokenforgeError, ValueError):
    """A pre-tokenizer pattern does not compile, or the regex engine gave up on some input."""


class CorpusError(TokenforgeError, ValueError):
    """A corpus is empty, not UTF-8 where text is required, or otherwise unusable."""


class TokenizerFileError(TokenforgeError, ValueError):
    """A tokenizer file is corrupt, truncated or of a foreign kind."""


class UnsupportedError(TokenforgeError, ValueError):
    """A valid input of a kind tokenforge does not support yet."""


class InputFileError(TokenforgeError, OSError):
    """A file or directory is missing or cannot be read."""
