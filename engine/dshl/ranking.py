"""Rank candidate successors the way the composer does, for selection (training) and test (eval).

For a query segment i and a candidate pool, the ``dshl`` key orders candidates by Hamming
distance between h_F(i) and h_B(candidate), ties broken by the continuous score b_F·b_B. The
``composer`` ranking re-ranks the ``rerank_pool`` best of that order with the learned re-ranker;
the rest follow in hash order. Both return the 1-based rank of the true successor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.dshl.pairs import TransitionStat
from engine.dshl.reranker import NumpyScorer, SegmentMeta


@dataclass
class Scoring:
    """What the composer ranking needs: meta, statistic, re-ranker projections and scorer."""

    meta: SegmentMeta
    stat: TransitionStat
    u: np.ndarray  # (N, P) projected forward states
    v: np.ndarray  # (N, P) projected backward states
    scorer: NumpyScorer


def rank_of(keys: np.ndarray, target: int) -> int:
    """1-based rank of ``target`` when sorting ``keys`` ascending (ties count in its favour)."""
    return int(np.sum(keys < keys[target])) + 1


def hash_keys(meta: SegmentMeta, i: int, pool: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """Hamming distance first, the continuous score breaks ties, ``jitter`` breaks the rest."""
    L = meta.code_f.shape[1]
    ham = (meta.code_b[pool] != meta.code_f[i][None, :]).sum(1)
    soft = np.einsum("lk,nlk->n", meta.soft_f[i], meta.soft_b[pool]) / L
    return ham - soft * 0.999 + jitter


SLOT_POOL = 100  # phrase-slot candidates added to the hash pool (models with position cues)


def slot_members(meta: SegmentMeta, i: int, pool: np.ndarray, keys: np.ndarray,
                 limit: int = SLOT_POOL) -> np.ndarray:
    """Indices into ``pool`` of the segments at the tune position i's successor would have
    (i's position + 2 hops), nearest codes first, at most ``limit``; none for models without
    position cues."""
    if meta.cues < 2:
        return np.zeros(0, dtype=np.int64)
    slot = np.nonzero(meta.position[pool] == meta.position[i] + 2)[0]
    return slot[np.argsort(keys[slot], kind="stable")[:limit]]


def composer_keys(s: Scoring, i: int, pool: np.ndarray, rerank_pool: int,
                  jitter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash keys, composer keys) of every pool member for query ``i``: the ``rerank_pool``
    nearest codes plus the phrase-slot members are re-ranked, the rest follow in hash order."""
    hk = hash_keys(s.meta, i, pool, jitter)
    first = np.argsort(hk, kind="stable")[:rerank_pool]
    first = np.union1d(first, slot_members(s.meta, i, pool, hk))
    scores = s.scorer.score_pairs(s.meta, s.stat, s.u, s.v, np.full(len(first), i), pool[first])
    ck = hk + 1e6  # everything outside the first stage comes after it
    ck[first] = -scores + jitter[first]  # ties at random, as for every other ranker
    return hk, ck


def composer_ranks(s: Scoring, junctions: np.ndarray, pool: np.ndarray, rerank_pool: int,
                   seed: int = 0) -> np.ndarray:
    """Reciprocal rank of the composer ranking for each of ``junctions`` (i, j) within ``pool``."""
    rng = np.random.default_rng(seed)
    where = {int(x): k for k, x in enumerate(pool)}
    rr = []
    for i, j in junctions:
        jitter = rng.random(len(pool)) * 1e-9
        _, ck = composer_keys(s, int(i), pool, rerank_pool, jitter)
        rr.append(1.0 / rank_of(ck, where[int(j)]))
    return np.asarray(rr, dtype=float)


def composer_mrr(s: Scoring, junctions: np.ndarray, pool: np.ndarray, rerank_pool: int,
                 seed: int = 0) -> float:
    """MRR of the composer ranking over ``junctions`` (i, j) with candidates ``pool``."""
    rr = composer_ranks(s, junctions, pool, rerank_pool, seed)
    return float(rr.mean()) if len(rr) else 0.0
