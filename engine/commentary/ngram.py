"""Interpolated Kneser-Ney word 3-gram model: the strongest simple baseline for perplexity."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

BOS_ID, EOS_ID = 1, 2


class KneserNey3:
    """Interpolated Kneser-Ney trigram over id sequences (each ending with <eos>)."""

    def __init__(self, sentences: list[list[int]], vocab_size: int, discount: float = 0.75) -> None:
        self.d = discount
        self.vocab_size = vocab_size
        self.tri: Counter[tuple[int, int, int]] = Counter()
        for ids in sentences:
            seq = [BOS_ID, BOS_ID] + list(ids)
            for i in range(2, len(seq)):
                self.tri[(seq[i - 2], seq[i - 1], seq[i])] += 1
        self.ctx2: Counter[tuple[int, int]] = Counter()      # c(u v ·)
        self.types2: Counter[tuple[int, int]] = Counter()    # N1+(u v ·)
        cont2: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # N1+(· v w)
        for (u, v, w), c in self.tri.items():
            self.ctx2[(u, v)] += c
            self.types2[(u, v)] += 1
            cont2[(v, w)].add(u)
        self.bi = Counter({k: len(s) for k, s in cont2.items()})  # continuation counts of (v, w)
        self.ctx1: Counter[int] = Counter()
        self.types1: Counter[int] = Counter()
        cont1: defaultdict[int, set[int]] = defaultdict(set)
        for (v, w), c in self.bi.items():
            self.ctx1[v] += c
            self.types1[v] += 1
            cont1[w].add(v)
        self.uni = {w: len(s) for w, s in cont1.items()}
        self.uni_total = sum(self.uni.values())

    def _p_uni(self, w: int) -> float:
        # continuation unigram, interpolated with uniform so unseen words keep some mass
        return 0.99 * self.uni.get(w, 0) / self.uni_total + 0.01 / self.vocab_size

    def _p_bi(self, v: int, w: int) -> float:
        total = self.ctx1.get(v, 0)
        if total == 0:
            return self._p_uni(w)
        lam = self.d * self.types1[v] / total
        return max(self.bi.get((v, w), 0) - self.d, 0) / total + lam * self._p_uni(w)

    def prob(self, u: int, v: int, w: int) -> float:
        """P(w | u v)."""
        total = self.ctx2.get((u, v), 0)
        if total == 0:
            return self._p_bi(v, w)
        lam = self.d * self.types2[(u, v)] / total
        return max(self.tri.get((u, v, w), 0) - self.d, 0) / total + lam * self._p_bi(v, w)

    def sentence_nll(self, ids: list[int]) -> float:
        """Negative log-likelihood (nats) of one sentence (ids end with <eos>)."""
        seq = [BOS_ID, BOS_ID] + list(ids)
        return -sum(math.log(self.prob(seq[i - 2], seq[i - 1], seq[i])) for i in range(2, len(seq)))
