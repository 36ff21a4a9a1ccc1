"""Interpolated modified Kneser-Ney n-grams (numpy, vectorised) and the two-text KN mixture.

:class:`KneserNey` is Chen & Goodman's interpolated modified Kneser-Ney over integer ids (characters
or words). For a context ``h`` of ``k`` symbols,

``P_k(w | h) = max(c(h, w) − D(c(h, w)), 0) / c(h) + γ(h) · P_{k−1}(w | h')``,
``γ(h) = (D1 · N1(h•) + D2 · N2(h•) + D3+ · N3+(h•)) / c(h)``,

where ``h'`` drops the oldest symbol, ``N_r(h•)`` counts the symbols seen exactly ``r`` times after
``h`` (``r ≥ 3`` for ``N3+``), and a context never seen backs off to ``P_{k−1}`` whole. The highest
order counts occurrences; every lower order counts *continuations* (how many distinct symbols
precede ``(h, w)``). The discounts of each order and count type come from its count-of-counts:
``Y = n1 / (n1 + 2 n2)``, ``D1 = 1 − 2Y n2/n1``, ``D2 = 2 − 3Y n3/n2``, ``D3+ = 3 − 4Y n4/n3``.
Below the unigram lies the uniform distribution over the vocabulary. One :meth:`KneserNey.fit`
keeps the raw counts of every order from ``min_top`` up, so the model can be evaluated as any
order in that range without refitting (the order is tuned on selection songs).

:class:`KNMixture` is ``w · P_own + (1 − w) · P_all``: ``P_all`` on exactly the text the writer's
LSTM was trained on (the base stream, then the writer's training songs), ``P_own`` on the writer's
own training songs, both orders (5–9) and ``w`` (steps of 0.05) chosen on selection songs only.
``segue eval lyrics`` reports it as ``ngram_kn``; the bundled predictor interpolates the LSTM with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

KN_ORDERS = (5, 6, 7, 8, 9)
KN_WEIGHTS = tuple(round(w * 0.05, 2) for w in range(21))


@dataclass
class _Level:
    """Counts of one order and count type (raw occurrences or continuations), sorted for lookup."""

    keys: np.ndarray  # (context code · V + symbol), sorted
    counts: np.ndarray  # float64
    contexts: np.ndarray  # context codes, sorted
    totals: np.ndarray  # Σ_w count(h, w)
    gamma_num: np.ndarray  # D1·N1(h•) + D2·N2(h•) + D3·N3+(h•)
    discounts: tuple[float, float, float]


def discounts(counts: np.ndarray) -> tuple[float, float, float]:
    """Modified-KN discounts ``(D1, D2, D3+)`` from count-of-counts (guarded for tiny texts)."""
    n = [float(np.count_nonzero(counts == r)) for r in (1, 2, 3, 4)]
    fallback = (0.5, 1.0, 1.5)
    if n[0] == 0 or n[0] + 2 * n[1] == 0:
        return fallback
    y = n[0] / (n[0] + 2 * n[1])
    out = []
    for r in (1, 2, 3):
        d = r - (r + 1) * y * n[r] / n[r - 1] if n[r - 1] > 0 else fallback[r - 1]
        out.append(float(min(max(d, 0.05 * r), r - 0.05 * r)) if np.isfinite(d) else fallback[r - 1])
    return out[0], out[1], out[2]


def _level(keys: np.ndarray, counts: np.ndarray, vocab_size: int) -> _Level:
    d1, d2, d3 = discounts(counts)
    ctx = keys // vocab_size
    contexts, first = np.unique(ctx, return_index=True)
    totals = np.add.reduceat(counts, first) if len(counts) else np.zeros(0)
    d = np.where(counts == 1, d1, np.where(counts == 2, d2, d3))
    gamma_num = np.add.reduceat(d, first) if len(counts) else np.zeros(0)
    return _Level(keys, counts.astype(np.float64), contexts, totals.astype(np.float64),
                  gamma_num.astype(np.float64), (d1, d2, d3))


class KneserNey:
    """An interpolated modified Kneser-Ney model of a given (maximum) order over integer ids."""

    def __init__(self, order: int, vocab_size: int, pad_id: int = 0, min_top: int | None = None) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        if vocab_size ** order >= 2**62:
            raise ValueError("order too high for this vocabulary size")
        self.order = order
        self.vocab_size = vocab_size
        self.pad_id = pad_id
        self.min_top = order if min_top is None else max(1, min(min_top, order))
        self.raw: dict[int, _Level] = {}  # context length k → raw counts (orders min_top..order)
        self.cont: dict[int, _Level] = {}  # context length k → continuation counts (k < order − 1)

    # ------------------------------------------------------------------ fitting
    def _pad(self, ids: Sequence[int], context: Sequence[int] = ()) -> np.ndarray:
        ctx = list(context)[-(self.order - 1):] if self.order > 1 else []
        pad = [self.pad_id] * (self.order - 1 - len(ctx))
        return np.asarray(pad + ctx + list(ids), dtype=np.int64)

    def _codes(self, padded: np.ndarray, k: int) -> np.ndarray:
        """Context codes of length ``k`` for every scored position of ``padded``."""
        n = len(padded) - (self.order - 1)
        start = self.order - 1
        codes = np.zeros(n, dtype=np.int64)
        for j in range(k):
            codes = codes * self.vocab_size + padded[start - k + j : start - k + j + n]
        return codes

    def fit(self, ids: Sequence[int]) -> KneserNey:
        """Count every order's n-grams (and lower orders' continuations) in the training ids."""
        padded = self._pad(ids)
        nxt = padded[self.order - 1:]
        v = self.vocab_size
        self.raw, self.cont = {}, {}
        upper: np.ndarray | None = None  # unique keys of the order above
        for k in range(self.order - 1, -1, -1):
            keys, counts = np.unique(self._codes(padded, k) * v + nxt, return_counts=True)
            if k + 1 >= self.min_top:
                self.raw[k] = _level(keys, counts, v)
            if upper is not None:
                ckeys, ccounts = np.unique(upper % (v ** (k + 1)), return_counts=True)
                self.cont[k] = _level(ckeys, ccounts, v)
            upper = keys
        return self

    # ------------------------------------------------------------------ scoring
    def _interpolate(self, ctx_codes: list[np.ndarray], nxt: np.ndarray, order: int) -> np.ndarray:
        v = self.vocab_size
        prob = np.full(len(nxt), 1.0 / v)
        for k in range(order):
            level = self.raw[k] if k == order - 1 else self.cont[k]
            ctx = ctx_codes[k]
            c_hw = _lookup(level.keys, level.counts, ctx * v + nxt)
            pos = np.clip(np.searchsorted(level.contexts, ctx), 0, max(len(level.contexts) - 1, 0))
            seen = (level.contexts[pos] == ctx) if len(level.contexts) else np.zeros(len(ctx), bool)
            c_h = np.where(seen, level.totals[pos] if len(level.totals) else 0.0, 0.0)
            g = np.where(seen, level.gamma_num[pos] if len(level.gamma_num) else 0.0, 0.0)
            d1, d2, d3 = level.discounts
            d = np.where(c_hw == 0, 0.0, np.where(c_hw == 1, d1, np.where(c_hw == 2, d2, d3)))
            denom = np.where(seen, c_h, 1.0)
            prob = np.where(seen, (np.maximum(c_hw - d, 0.0) + g * prob) / denom, prob)
        return prob

    def _check_order(self, order: int | None) -> int:
        use = self.order if order is None else int(order)
        if not self.raw:
            raise RuntimeError("fit the model first")
        if use not in (k + 1 for k in self.raw):
            raise ValueError(f"order {use} not kept (fitted orders {self.min_top}–{self.order})")
        return use

    def probabilities(self, ids: Sequence[int], context: Sequence[int] = (), order: int | None = None
                      ) -> np.ndarray:
        """Probability of each id given the ids before it (and an optional context before them)."""
        use = self._check_order(order)
        padded = self._pad(ids, context)
        nxt = padded[self.order - 1:]
        return self._interpolate([self._codes(padded, k) for k in range(use)], nxt, use)

    def probabilities_many(self, seqs: Sequence[Sequence[int]], context: Sequence[int] = (),
                           order: int | None = None, also: int | None = None
                           ) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """:meth:`probabilities` of several sequences after one context, in one vectorised pass.

        With ``also`` (e.g. a newline id), each sequence also gets the probability of ``also`` at
        each of its ``len + 1`` positions.
        """
        use = self._check_order(order)
        codes: list[list[np.ndarray]] = [[] for _ in range(use)]
        nxt, sizes = [], []
        for seq in seqs:
            padded = self._pad([*seq, also if also is not None else 0], context)
            n = len(seq) + 1
            for k in range(use):
                codes[k].append(self._codes(padded, k))
            nxt.append(padded[self.order - 1:])
            sizes.append(n)
        if not sizes:
            return []
        flat = [np.concatenate(c) for c in codes]
        probs = self._interpolate(flat, np.concatenate(nxt), use)
        other = (self._interpolate(flat, np.full(len(probs), also, dtype=np.int64), use)
                 if also is not None else None)
        out, at = [], 0
        for n in sizes:
            out.append((probs[at:at + n - 1], other[at:at + n] if other is not None else None))
            at += n
        return out

    def distribution(self, context: Sequence[int], order: int | None = None) -> np.ndarray:
        """``P(w | context)`` for every id ``w`` of the vocabulary (sums to 1)."""
        use = self._check_order(order)
        padded = self._pad([0], context)
        v = self.vocab_size
        codes = [np.full(v, self._codes(padded, k)[0]) for k in range(use)]
        return self._interpolate(codes, np.arange(v, dtype=np.int64), use)

    def nats_per_char(self, ids: Sequence[int], context: Sequence[int] = (), order: int | None = None
                      ) -> float:
        """Mean negative log-probability (nats) of ``ids``."""
        return float(-np.log(self.probabilities(ids, context, order)).mean())


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Values for ``query`` keys in the sorted ``keys`` (0 where absent)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.float64)
    pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    return np.where(keys[pos] == query, values[pos], 0.0)


class KNMixture:
    """``w · P_own + (1 − w) · P_all`` of character KN models; orders and ``w`` tuned on selection."""

    def __init__(self, vocab: object, texts: Sequence[str], own: str,
                 orders: Sequence[int] = KN_ORDERS, fixed: tuple[int, int] | None = None) -> None:
        """Fit both models for every order in ``orders`` (to tune), or only the ``fixed`` pair."""
        self.vocab = vocab
        self.newline = vocab.stoi["\n"]  # type: ignore[attr-defined]
        self.candidate_orders = tuple(orders) if fixed is None else ()
        size = len(vocab)  # type: ignore[arg-type]
        spans = [(max(orders), min(orders))] * 2 if fixed is None else [(n, n) for n in fixed]
        encode = vocab.encode  # type: ignore[attr-defined]
        self.all = KneserNey(spans[0][0], size, self.newline, min_top=spans[0][1]).fit(encode("".join(texts)))
        self.own = KneserNey(spans[1][0], size, self.newline, min_top=spans[1][1]).fit(encode(own))
        self.orders = (spans[0][0], spans[1][0])
        self.weight = 0.5

    def _probs(self, model: KneserNey, text: str, order: int) -> np.ndarray:
        return model.probabilities(self.vocab.encode(text), [self.newline] * 2, order=order)  # type: ignore[attr-defined]

    def tune(self, selection: str) -> KNMixture:
        """Choose both orders and the weight that minimise nats/char on ``selection`` only."""
        p_all = {n: self._probs(self.all, selection, n) for n in self.candidate_orders}
        p_own = {n: self._probs(self.own, selection, n) for n in self.candidate_orders}
        best = np.inf
        for na, pa in p_all.items():
            for no, po in p_own.items():
                for w in KN_WEIGHTS:
                    nats = float(-np.log(w * po + (1 - w) * pa).mean())
                    if nats < best:
                        best, self.orders, self.weight = nats, (na, no), w
        return self

    def set(self, orders: Sequence[int], weight: float) -> KNMixture:
        """Use stored (already tuned) orders and weight."""
        self.orders = (int(orders[0]), int(orders[1]))
        self.weight = float(weight)
        return self

    def probs(self, text: str, context: str = "\n\n") -> np.ndarray:
        """``P(c | everything before)`` for every character of ``text`` after ``context``."""
        enc = self.vocab.encode  # type: ignore[attr-defined]
        ids, ctx = enc(text), enc(context)
        pa = self.all.probabilities(ids, ctx, order=self.orders[0])
        po = self.own.probabilities(ids, ctx, order=self.orders[1])
        return self.weight * po + (1 - self.weight) * pa

    def char_nlls(self, text: str) -> np.ndarray:
        """Negative log-probability of every character of ``text`` (after a song break)."""
        return -np.log(self.probs(text))


class WordKN:
    """A word n-gram (interpolated modified KN) over a text's lines: each line's words, then an
    end-of-line token (a blank line adds one more). Words are
    :func:`~engine.lyrics.prosody.words_of`; rarer than ``min_count`` become ``<unk>``."""

    EOL, UNK = 0, 1

    def __init__(self, text: str, order: int = 3, min_count: int = 2) -> None:
        from collections import Counter

        from engine.lyrics.prosody import words_of

        self._words = words_of
        lines = text.split("\n")
        counts = Counter(w for line in lines for w in words_of(line))
        self.itos = ["<eol>", "<unk>", *sorted(w for w, n in counts.items() if n >= min_count)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.order = order
        self.model = KneserNey(order, len(self.itos), pad_id=self.EOL).fit(self._stream(lines))

    def _ids(self, line: str) -> list[int]:
        return [self.stoi.get(w, self.UNK) for w in self._words(line)]

    def _stream(self, lines: Sequence[str]) -> list[int]:
        out: list[int] = []
        for line in lines:
            out += [*self._ids(line), self.EOL]
        return out

    def line_logprobs(self, lines: Sequence[str], history: str = "") -> list[float]:
        """Log-probability of each line (its words and the end of the line) after ``history``."""
        context = self._stream(history.split("\n")[:-1])[-(self.order - 1):] if history else []
        seqs = [[*self._ids(line), self.EOL] for line in lines]
        return [float(np.log(p).sum()) for p, _ in self.model.probabilities_many(seqs, context)]
