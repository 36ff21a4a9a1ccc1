"""The hash index: exact code lookup, then a growing Hamming radius when the buckets run short.

Codes are L symbols of K values (the argmax of each softmax group); the Hamming distance between
two codes is the number of groups whose symbols differ (0..L). Keys are the codes read as base-K
integers, sorted once; a lookup is a binary search per neighbouring key, and the neighbours at
radius r are generated from precomputed offset patterns, so a query never scans the index.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, product
from math import comb

import numpy as np
import torch

from engine.dshl.corpus import Corpus
from engine.dshl.model import DSHL, discrete_codes
from engine.dshl.pairs import Edges
from engine.dshl.reranker import SegmentMeta, junction_arrays


def code_keys(codes: np.ndarray, K: int) -> np.ndarray:
    """Read (N, L) symbols as base-K integers (N,) int64."""
    weights = K ** np.arange(codes.shape[1], dtype=np.int64)
    return codes.astype(np.int64) @ weights


@lru_cache(maxsize=64)
def _patterns(L: int, K: int, radius: int) -> np.ndarray:
    """All (M, L) offset patterns with exactly ``radius`` non-zero entries in 1..K-1."""
    rows = []
    for groups in combinations(range(L), radius):
        for values in product(range(1, K), repeat=radius):
            row = np.zeros(L, dtype=np.int64)
            row[list(groups)] = values
            rows.append(row)
    return np.asarray(rows, dtype=np.int64).reshape(-1, L)


class HashIndex:
    """Buckets of segment ids by code, searched by exact key then growing Hamming radius."""

    def __init__(self, codes: np.ndarray, K: int) -> None:
        self.codes = np.asarray(codes, dtype=np.uint8)
        self.L, self.K = self.codes.shape[1], K
        self.weights = K ** np.arange(self.L, dtype=np.int64)
        keys = code_keys(self.codes, K)
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        sorted_keys = keys[self.order]
        self.keys, self.starts = np.unique(sorted_keys, return_index=True)
        self.ends = np.append(self.starts[1:], len(sorted_keys))
        self._buckets = dict(zip(self.keys.tolist(), zip(self.starts.tolist(), self.ends.tolist(),
                                                          strict=True), strict=True))

    def __len__(self) -> int:
        return len(self.codes)

    def bucket(self, key: int) -> np.ndarray:
        """Return the ids whose code has exactly ``key`` (empty if none): one dict lookup."""
        span = self._buckets.get(key)
        return self.order[span[0]:span[1]] if span else self.order[:0]

    def ring(self, query: np.ndarray, radius: int) -> np.ndarray:
        """Return the ids at Hamming distance exactly ``radius`` from ``query`` (L,)."""
        if radius == 0:
            return self.bucket(int(np.dot(query.astype(np.int64), self.weights)))
        if comb(self.L, radius) * (self.K - 1) ** radius > len(self.codes):
            # more neighbouring codes than indexed ones (large radius or tiny index): scan
            return np.nonzero(self.brute_force(query) == radius)[0].astype(self.order.dtype)
        neighbours = (query.astype(np.int64)[None, :] + _patterns(self.L, self.K, radius)) % self.K
        keys = neighbours @ self.weights
        at = np.searchsorted(self.keys, keys)
        at = np.minimum(at, len(self.keys) - 1)
        hit = at[self.keys[at] == keys]
        if len(hit) == 0:
            return self.order[:0]
        starts, ends = self.starts[hit], self.ends[hit]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return self.order[offsets + np.arange(lengths.sum())]

    def search(self, query: np.ndarray, min_results: int = 1, max_radius: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, distances) from radius 0 up until at least ``min_results`` are found."""
        max_radius = self.L if max_radius is None else max_radius
        ids, dists, found = [], [], 0
        for radius in range(max_radius + 1):
            ring = self.ring(query, radius)
            if len(ring):
                ids.append(ring)
                dists.append(np.full(len(ring), radius, dtype=np.int64))
                found += len(ring)
            if found >= min_results:
                break
        if not ids:
            return self.order[:0], np.zeros(0, dtype=np.int64)
        return np.concatenate(ids), np.concatenate(dists)

    def nbytes(self) -> int:
        """Approximate memory held by the index (arrays plus the bucket dictionary)."""
        import sys

        arrays = sum(a.nbytes for a in (self.codes, self.order, self.keys, self.starts, self.ends))
        per_entry = 3 * 32 + 64  # int key, tuple of two ints, dict slot (CPython, rough)
        return arrays + sys.getsizeof(self._buckets) + per_entry * len(self._buckets)

    def brute_force(self, query: np.ndarray) -> np.ndarray:
        """Hamming distance from ``query`` to every code (the baseline the index must beat)."""
        return (self.codes != query[None, :]).sum(1)


@torch.no_grad()
def segment_states(model: DSHL, features: np.ndarray, batch: int = 4096
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Last forward and backward LSTM states of every segment: two (N, H) tensors."""
    x = torch.from_numpy(np.asarray(features))
    fs, bs = [], []
    for start in range(0, len(x), batch):
        part = x[start:start + batch]
        fs.append(model.hidden_f(part))
        bs.append(model.hidden_b(part))
    return torch.cat(fs), torch.cat(bs)


@torch.no_grad()
def segment_meta(model: DSHL, corpus: Corpus, e: Edges,
                 states: tuple[torch.Tensor, torch.Tensor] | None = None,
                 window: int = 0, cues: int = 1) -> SegmentMeta:
    """Per-segment edges, phase, flags and soft/discrete codes for ``corpus``."""
    h_f, h_b = states if states is not None else segment_states(model, corpus.features)
    soft_f = model.head_f(h_f).numpy().astype(np.float32)
    soft_b = model.head_b(h_b).numpy().astype(np.float32)
    return SegmentMeta(
        edges=e, phase=corpus.phase, position=corpus.position, ends=corpus.ends,
        soft_f=soft_f, soft_b=soft_b, code_f=soft_f.argmax(-1).astype(np.uint8),
        code_b=soft_b.argmax(-1).astype(np.uint8),
        **junction_arrays(corpus.features, window), cues=cues, next_phase=successor_phase(corpus),
    )


def successor_phase(corpus: Corpus) -> np.ndarray:
    """The metric phase (quarter beat within the meter's cycle) on which each segment's
    successor starts: its own phase in every meter whose cycle divides the segment, moved on
    by the segment's length in 9/8 (a two-bar cycle: 0 -> 6 -> 3 -> 0)."""
    from engine.music.segments import STEPS_PER_BEAT, cycle_steps
    from engine.music.tune import ImportProblem

    phase = np.asarray(corpus.phase, dtype=np.int64)
    if len(phase) == 0:
        return phase
    beats = corpus.features.shape[1] // STEPS_PER_BEAT
    cycles = {}
    for meter in set(corpus.meters):
        try:
            cycles[meter] = cycle_steps(meter) // STEPS_PER_BEAT
        except ImportProblem:  # an unknown meter keeps its phase
            cycles[meter] = 0
    cycle = np.asarray([cycles[m] for m in corpus.meters], dtype=np.int64)[corpus.tune]
    return np.where(cycle > 0, (phase + beats) % np.maximum(cycle, 1), phase)


__all__ = ["HashIndex", "code_keys", "discrete_codes", "segment_meta", "segment_states",
           "successor_phase"]
