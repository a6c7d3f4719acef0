"""The one place where `tokenforge serve` reads a tokenizer: what the pages show of it, whatever its model.

`TokenizerView` wraps a loaded tokenizer and answers in plain data (lists, dicts, strings): the tokens of a
text with their byte spans and how to draw them, a token's bytes, rank, the merge that made it (recursively, as
a tree), the tokens it helps build, and a search over the vocabulary. Everything model-specific — merges,
spans — goes through the small `_merges` / `_spans` methods, so another model family only needs to change them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from tokenforge.tokenizer import Tokenizer

#: How white space and control characters are drawn inside a token.
VISIBLE = {" ": "·", "\t": "→", "\n": "↵", "\r": "␍", "\u00a0": "⍽", "\u3000": "□"}
#: A space between two characters that are not white space: a token holding it spans words (SuperBPE).
SUPERWORD = re.compile(r"\S \S")
#: A search for an id: `123` (also searched as text) or `#123` (only the id).
ID_QUERY = re.compile(r"#?[0-9]+")
#: At most this many tokens are listed as built from a token.
MAX_BUILDS = 200
#: At most this many search results are returned.
MAX_RESULTS = 500


@dataclass(frozen=True)
class Kind:
    """What kind of tokenizer a view holds: a label, and whether the page shows its tokens in hex."""

    label: str
    hex: bool = False


BPE = Kind("byte-level BPE")
SUPERBPE = Kind("SuperBPE")
BINARY = Kind("Binary BPE", hex=True)
#: The other model families, by the `type` of `Tokenizer.model`: their tokens are shown, without merge trees.
FAMILIES = {"wordpiece": Kind("WordPiece"), "unigram": Kind("Unigram")}


def pieces(token: bytes, special: bool = False) -> list[list[str]]:
    """How a token is drawn: `[kind, text]` runs, kind one of `text`, `ws` (white space made visible),
    `ctrl` (a control character as its escape), `partial` (bytes of a UTF-8 character split across tokens, as
    `\\xNN`) and `special`."""
    if special:
        return [["special", token.decode("utf-8", "replace")]]
    runs: list[list[str]] = []

    def add(kind: str, text: str) -> None:
        if runs and runs[-1][0] == kind:
            runs[-1][1] += text
        else:
            runs.append([kind, text])

    for ch in token.decode("utf-8", "surrogateescape"):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            add("partial", f"\\x{code - 0xDC00:02x}")
        elif ch in VISIBLE:
            add("ws", VISIBLE[ch])
        elif ch.isspace():
            add("ws", "␣")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            add("ctrl", ch.encode("unicode_escape").decode("ascii"))
        else:
            add("text", ch)
    return runs


def plain(token: bytes) -> str:
    """A token as one searchable string: its drawn runs joined."""
    return "".join(text for _, text in pieces(token))


def is_superword(token: bytes) -> bool:
    """Whether a token spans words: a space between two characters that are not white space."""
    return b" " in token and SUPERWORD.search(token.decode("utf-8", "replace")) is not None


class TokenizerView:
    """A loaded tokenizer as the serve pages see it."""

    def __init__(self, name: str, tok: Tokenizer, source: str) -> None:
        self.name = name
        self.tok = tok
        self.source = source
        self.vocab_size = tok.vocab_size
        self.special = set(tok.special_tokens.values()) | set(tok.added_tokens.values())
        self._drawn: dict[int, tuple[str, str, list[list[str]], bool]] = {}

    # -- model-specific reading ------------------------------------------------------------------------

    def _merges(self) -> list[tuple[tuple[int, int], int]]:
        """`((left, right), new)` in rank order; empty for a model without merges."""
        return list(getattr(self.tok, "merge_ids", ()))

    def _spans(self, text: str, ids: list[int]) -> list[list[int]] | None:
        """`[start, end)` of every token in the UTF-8 bytes of `text`, or None when the tokens do not spell the
        text (a normaliser changed it)."""
        lengths = [len(self._vocab[i]) for i in ids]
        ends = list(accumulate(lengths))
        if (ends[-1] if ends else 0) != len(text.encode("utf-8", "surrogatepass")):
            return None
        return [[end - n, end] for n, end in zip(lengths, ends)]

    def bytes_of(self, i: int) -> bytes:
        """The bytes of token `i`."""
        return self._vocab[i]

    @cached_property
    def _vocab(self) -> list[bytes]:
        return self.tok.vocab()

    # -- what the pages ask ----------------------------------------------------------------------------

    @cached_property
    def kind(self) -> Kind:
        """The model family when it is not BPE; for BPE: SuperBPE when some token spans words, Binary BPE when the
        text is not pre-tokenized, else byte-level BPE."""
        family = getattr(getattr(self.tok, "model", None), "type", "bpe")
        if family != "bpe":
            return FAMILIES.get(family, Kind(str(family)))
        if getattr(self.tok, "pretokenizer", None) == "none":
            return BINARY
        if any(is_superword(t) for t in self._vocab):
            return SUPERBPE
        return BPE

    def describe(self) -> dict:
        """Name, kind, size and source, for the page's headers."""
        return {
            "name": self.name,
            "kind": self.kind.label,
            "hex": self.kind.hex,
            "vocab_size": self.vocab_size,
            "merges": len(self._made_by),
            "source": self.source,
        }

    def drawn(self, i: int) -> tuple[str, str, list[list[str]], bool]:
        """Token `i` as the page shows it: its string (bytes outside UTF-8 as `\\xNN`), hex, drawn runs and
        superword mark (worked out once per id: a long text repeats its tokens)."""
        got = self._drawn.get(i)
        if got is None:
            data = self.bytes_of(i)
            got = (
                data.decode("utf-8", "backslashreplace"),
                data.hex(),
                pieces(data, i in self.special),
                is_superword(data),
            )
            self._drawn[i] = got
        return got

    def encode(self, text: str, detail: int | None = None) -> dict:
        """The tokens of `text`: all ids and the totals, and for the first `detail` tokens (all by default) their
        strings, byte spans, hex, drawn runs and superword marks."""
        ids = self.tok.encode(text)
        drawn = [self.drawn(i) for i in ids[:detail]]
        spans = self._spans(text, ids)
        n_bytes = len(text.encode("utf-8", "surrogatepass"))
        return {
            "ids": ids,
            "tokens": [d[0] for d in drawn],
            "spans": None if spans is None else spans[:detail],
            "hex": [d[1] for d in drawn],
            "pieces": [d[2] for d in drawn],
            "superword": [d[3] for d in drawn],
            "count": len(ids),
            "bytes": n_bytes,
            "chars": len(text),
            "bytes_per_token": n_bytes / len(ids) if ids else None,
        }

    @cached_property
    def _made_by(self) -> dict[int, tuple[int, int, int]]:
        """`new id -> (rank, left, right)` of every merge."""
        return {n: (rank, a, b) for rank, ((a, b), n) in enumerate(self._merges())}

    @cached_property
    def _builds(self) -> dict[int, list[int]]:
        """`id -> ranks of the merges it is a part of`."""
        out: dict[int, list[int]] = defaultdict(list)
        for rank, ((a, b), _) in enumerate(self._merges()):
            out[a].append(rank)
            if b != a:
                out[b].append(rank)
        return out

    def brief(self, i: int) -> dict:
        """A token in a list: id, drawn runs, hex, length."""
        data = self.bytes_of(i)
        return {
            "id": i,
            "pieces": pieces(data, i in self.special),
            "hex": data.hex(),
            "length": len(data),
            "superword": is_superword(data),
        }

    def tree(self, i: int) -> dict:
        """Token `i` and, if a merge made it, the trees of its two parts."""
        node = self.brief(i)
        made = self._made_by.get(i)
        node["rank"] = made[0] if made else None
        node["parts"] = [self.tree(made[1]), self.tree(made[2])] if made else []
        return node

    def token_kind(self, i: int) -> str:
        """`special`, `merge` (a merge made it), `byte` (a single byte) or `token` (in the vocabulary as is)."""
        if i in self.special:
            return "special"
        if i in self._made_by:
            return "merge"
        return "byte" if len(self.bytes_of(i)) == 1 else "token"

    def token(self, i: int) -> dict:
        """Everything the vocabulary browser shows of token `i` (usage is added by the app)."""
        merges = self._merges()
        ranks = self._builds.get(i, [])
        builds = []
        for rank in ranks[:MAX_BUILDS]:
            (a, b), n = merges[rank]
            entry = self.brief(n)
            entry.update(rank=rank, left=a, right=b)
            builds.append(entry)
        return {
            "tokenizer": self.name,
            **self.brief(i),
            "text": self.bytes_of(i).decode("utf-8", "backslashreplace"),
            "kind": self.token_kind(i),
            "has_merges": bool(merges),
            "tree": self.tree(i),
            "builds": builds,
            "builds_total": len(ranks),
        }

    @cached_property
    def _search_text(self) -> list[str]:
        return [plain(t).casefold() for t in self._vocab]

    def search(self, query: str, only: str | None = None, limit: int = MAX_RESULTS) -> dict:
        """Tokens whose drawn text contains `query` (case-folded; `·` stands for a space), whose hex contains it
        (`0x...`), or whose id it is (`#12` or `12`); `only` = `superword` or `special` narrows the list."""
        q = query.strip()
        wanted: list[int] = []
        is_id = ID_QUERY.fullmatch(q) is not None
        if is_id and int(q.lstrip("#")) < self.vocab_size:
            wanted.append(int(q.lstrip("#")))
        needle = plain(query.encode("utf-8", "surrogatepass")).casefold()
        if q.lower().startswith("0x") and len(q) > 2:
            needle = q[2:].lower()
            match = [i for i, t in enumerate(self._vocab) if needle in t.hex()]
        elif is_id and q.startswith("#"):
            match = []
        else:
            match = [i for i, t in enumerate(self._search_text) if needle in t]
        match.sort(key=lambda i: (self._search_text[i] != needle, i))
        ids = wanted + [i for i in match if i not in wanted]
        if only == "superword":
            ids = [i for i in ids if is_superword(self.bytes_of(i))]
        elif only == "special":
            ids = [i for i in ids if i in self.special]
        return {"tokenizer": self.name, "total": len(ids), "results": [self.brief(i) for i in ids[:limit]]}
