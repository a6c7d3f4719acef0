"""Packing documents into fixed-length sequences: best-fit decreasing within a window of documents.

A document longer than the context is cut into context-sized pieces (the last one shorter); all pieces of a
window are then placed, longest first (ties in document order), each into the fullest sequence that still has
room for it, a new sequence being opened when none has. Inside a sequence the pieces keep document order and the
padding comes last. Only a window is ever held, so packing streams; the result depends on the window's documents
alone, so it is deterministic.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def split_pieces(offsets: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """`(starts, ends)` of every piece of the documents `flat[offsets[i]:offsets[i + 1]]`, at most `context`
    tokens each, in document order; empty documents give no piece."""
    lengths = np.diff(offsets)
    counts = -(-lengths // context)
    first = np.concatenate([[0], np.cumsum(counts)])[:-1]
    k = np.arange(int(counts.sum())) - np.repeat(first, counts)  # number of each piece within its document
    starts = np.repeat(offsets[:-1], counts) + k * context
    return starts, np.minimum(starts + context, np.repeat(offsets[1:], counts))


def best_fit_decreasing(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Bins of item indices (each bin's items in index order, bins in the order they were opened) such that no
    bin holds more than `capacity`: items taken longest first, each into the bin with the least room left that
    fits it. Every length must be from 1 to `capacity`."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    free: list[tuple[int, int]] = []  # (room left, bin number), sorted
    bins: list[list[int]] = []
    for i in order:
        k = bisect.bisect_left(free, (lengths[i], -1))
        if k == len(free):
            bins.append([i])
            room, b = capacity, len(bins) - 1
        else:
            room, b = free.pop(k)
            bins[b].append(i)
        room -= lengths[i]
        if room:
            bisect.insort(free, (room, b))
    for items in bins:
        items.sort()
    return bins


@dataclass
class Packed:
    """Sequences of one window: `tokens` `(sequences, context)`, `index` `(pieces, 3)` rows of sequence, start
    and length, and how many tokens are padding."""

    tokens: np.ndarray
    index: np.ndarray
    padding: int


def pack(flat: np.ndarray, offsets: np.ndarray, context: int, pad_id: int) -> Packed:
    """Packs the documents `flat[offsets[i]:offsets[i + 1]]` into sequences of `context` tokens."""
    starts, ends = split_pieces(offsets, context)
    bins = best_fit_decreasing((ends - starts).tolist(), context)
    order = np.array([i for items in bins for i in items], dtype=np.int64)
    per_bin = np.array([len(items) for items in bins], dtype=np.int64)
    seq = np.repeat(np.arange(len(bins), dtype=np.int64), per_bin)
    bounds = np.stack([starts, ends], axis=1)[order]
    length = bounds[:, 1] - bounds[:, 0]
    before = np.concatenate([[0], np.cumsum(length)])  # tokens of the pieces placed before each one
    start = before[:-1] - before[np.cumsum(per_bin) - per_bin][seq]
    within = np.arange(before[-1]) - np.repeat(before[:-1], length)  # position of each token in its piece
    tokens = np.full((len(bins), context), pad_id, dtype=flat.dtype)
    source = flat[np.repeat(bounds[:, 0], length) + within]
    tokens.reshape(-1)[np.repeat(seq * context + start, length) + within] = source
    index = np.stack([seq, start, length], axis=1)
    return Packed(tokens, index, tokens.size - int(before[-1]))
