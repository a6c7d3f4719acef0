"""CharBench-style character tasks (after Uzan & Pinter 2025, "CharBench: Evaluating the Role of Tokenization in
Character-Level Tasks") and the tokenization features that go with them.

Four task sets over a word list, each item with its gold answer:
- `count_char`: how many times a character occurs in the word;
- `count_unique`: how many distinct characters the word has;
- `first_index`: the 0-based index of a character's first occurrence;
- `last_index`: the 0-based index of its last occurrence.
The character of an item is drawn from the word's distinct characters with a seeded generator (same seed, same
tasks).

Features of an item for one tokenizer (the word encoded on its own, as written):
- `n_tokens`: tokens of the word;
- `chars_per_token`: characters of the word / its tokens;
- `target_token_chars`: characters of the token holding the queried character (first or last occurrence for the
  index tasks; for `count_char` the mean over the occurrences; None for `count_unique`). A token's characters
  are the word's characters whose first byte it holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from tokenforge.metrics.adapters import Adapter, char_byte_offsets

TASKS = ("count_char", "count_unique", "first_index", "last_index")
QUESTIONS = {
    "count_char": "How many times does the character {char!r} appear in the word {word!r}?",
    "count_unique": "How many distinct characters does the word {word!r} have?",
    "first_index": "At which 0-based index does the character {char!r} first appear in the word {word!r}?",
    "last_index": "At which 0-based index does the character {char!r} last appear in the word {word!r}?",
}
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Item:
    """One task item: its task, index in the task set, word, queried character (None for `count_unique`) and
    gold answer."""

    task: str
    id: int
    word: str
    char: str | None
    answer: int

    def to_json(self) -> dict:
        """The item as written to the task JSONL file."""
        return {
            "id": self.id,
            "word": self.word,
            "char": self.char,
            "question": QUESTIONS[self.task].format(char=self.char, word=self.word),
            "answer": self.answer,
        }


def answer(task: str, word: str, char: str | None) -> int:
    """The gold answer of a task on `word` (and `char`)."""
    if task == "count_char":
        return word.count(char)
    if task == "count_unique":
        return len(set(word))
    if task == "first_index":
        return word.index(char)
    return word.rindex(char)


def make_tasks(words: list[str], seed: int = DEFAULT_SEED) -> dict[str, list[Item]]:
    """The four task sets over `words` (empty words skipped)."""
    rng = random.Random(seed)
    tasks: dict[str, list[Item]] = {t: [] for t in TASKS}
    for word in (w for w in words if w):
        for task in TASKS:
            char = None if task == "count_unique" else rng.choice(sorted(set(word)))
            items = tasks[task]
            items.append(Item(task, len(items), word, char, answer(task, word, char)))
    return tasks


def token_chars(word: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per character of `word`, the token holding its first byte, and per token how many characters it holds."""
    first_bytes = char_byte_offsets(word)[:-1]
    holder = np.clip(np.searchsorted(ends, first_bytes, side="right"), 0, max(len(ends) - 1, 0))
    return holder, np.bincount(holder, minlength=len(ends))


def features(adapter: Adapter, tasks: dict[str, list[Item]]) -> list[dict]:
    """The features of every item for one tokenizer (see the module docstring)."""
    words = sorted({item.word for items in tasks.values() for item in items})
    tokenized = adapter.tokenize(words)
    bounds = np.concatenate(([0], np.cumsum(tokenized.counts)))
    bases = np.concatenate(([0], np.cumsum([len(w.encode()) for w in words])))
    index = {w: i for i, w in enumerate(words)}
    out = []
    for task in TASKS:
        for item in tasks[task]:
            k = index[item.word]
            n = int(tokenized.counts[k])
            row = {"task": task, "id": item.id, "word": item.word, "n_tokens": n}
            row["chars_per_token"] = len(item.word) / n if n else None
            row["target_token_chars"] = None
            if item.char is not None and tokenized.starts is not None and n:
                lo, hi = bounds[k], bounds[k + 1]
                holder, per_token = token_chars(
                    item.word, tokenized.starts[lo:hi] - bases[k], tokenized.ends[lo:hi] - bases[k]
                )
                at = [i for i, c in enumerate(item.word) if c == item.char]
                chosen = {"first_index": at[:1], "last_index": at[-1:], "count_char": at}[task]
                row["target_token_chars"] = float(np.mean(per_token[holder[chosen]]))
            out.append(row)
    return out


def summary(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    """Per task, the mean of each feature over its items."""
    out = {}
    for task in TASKS:
        mine = [r for r in rows if r["task"] == task]
        out[task] = {
            key: (float(np.mean(values)) if (values := [r[key] for r in mine if r[key] is not None]) else None)
            for key in ("n_tokens", "chars_per_token", "target_token_chars")
        }
    return out
