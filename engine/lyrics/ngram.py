"""A character n-gram baseline with interpolated Witten-Bell smoothing (numpy, vectorised).

``P_k(w | h)`` for a context ``h`` of ``k`` characters is
``(c(h, w) + T(h) * P_{k-1}(w | h')) / (c(h) + T(h))`` where ``T(h)`` is the number of distinct
characters seen after ``h`` and ``h'`` drops the oldest character; unseen contexts back off to
``P_{k-1}``; ``P_{-1}`` is uniform over the vocabulary. Used by ``segue eval lyrics`` as the
baseline the LSTMs must beat.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class WittenBellNgram:
    """An interpolated Witten-Bell character model of a given order over integer ids."""

    def __init__(self, order: int, vocab_size: int, pad_id: int = 0) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        if vocab_size ** order >= 2**62:
            raise ValueError("order too high for this vocabulary size")
        self.order = order
        self.vocab_size = vocab_size
        self.pad_id = pad_id
        self._tables: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def _codes(self, ids: np.ndarray, k: int) -> np.ndarray:
        """Context codes of length ``k`` for every position of ``ids`` (already padded)."""
        n = len(ids) - (self.order - 1)
        codes = np.zeros(n, dtype=np.int64)
        start = self.order - 1
        for j in range(k):
            codes = codes * self.vocab_size + ids[start - k + j : start - k + j + n]
        return codes

    def _pad(self, ids: Sequence[int]) -> np.ndarray:
        arr = np.asarray(ids, dtype=np.int64)
        return np.concatenate([np.full(self.order - 1, self.pad_id, dtype=np.int64), arr])

    def fit(self, ids: Sequence[int]) -> WittenBellNgram:
        """Count every order's (context, next character) pairs in the training ids."""
        padded = self._pad(ids)
        nxt = padded[self.order - 1 :]
        self._tables = []
        for k in range(self.order):
            ctx = self._codes(padded, k)
            joint, joint_counts = np.unique(ctx * self.vocab_size + nxt, return_counts=True)
            joint_ctx = joint // self.vocab_size
            contexts, first = np.unique(joint_ctx, return_index=True)
            totals = np.add.reduceat(joint_counts, first)
            types = np.diff(np.append(first, len(joint)))
            self._tables.append((joint, joint_counts, contexts, totals, types))
        return self

    def probabilities(
        self, ids: Sequence[int], context: Sequence[int] = (), order: int | None = None,
    ) -> np.ndarray:
        """Probability of each id given the ids before it (and an optional context before them).

        ``order`` (at most the fitted order) uses only the lower-order tables, so one fit serves
        every order when the order is tuned.
        """
        if not self._tables:
            raise RuntimeError("fit the model first")
        use = self.order if order is None else max(1, min(order, self.order))
        ctx_ids = list(context)[-(self.order - 1) :] if self.order > 1 else []
        pad = [self.pad_id] * (self.order - 1 - len(ctx_ids))
        padded = np.asarray(pad + ctx_ids + list(ids), dtype=np.int64)
        nxt = padded[self.order - 1 :]
        prob = np.full(len(nxt), 1.0 / self.vocab_size)
        for k in range(use):
            joint, joint_counts, contexts, totals, types = self._tables[k]
            ctx = self._codes(padded, k)
            c_hw = _lookup(joint, joint_counts, ctx * self.vocab_size + nxt)
            c_h = _lookup(contexts, totals, ctx)
            t_h = _lookup(contexts, types, ctx)
            seen = c_h > 0
            denom = np.where(seen, c_h + t_h, 1)
            prob = np.where(seen, (c_hw + t_h * prob) / denom, prob)
        return prob

    def nats_per_char(self, ids: Sequence[int], context: Sequence[int] = ()) -> float:
        """Mean negative log-probability (nats) of ``ids``."""
        return float(-np.log(self.probabilities(ids, context)).mean())


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Values for ``query`` keys in the sorted ``keys`` (0 where absent)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.float64)
    pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    return np.where(keys[pos] == query, values[pos], 0).astype(np.float64)
