"""Baselines ranked on the same candidate pools as the composer: gbm, transition_stat, random.

``gbm`` is scikit-learn's HistGradientBoostingClassifier on plain junction features — last and
first melody pitch, the interval, the chords at the junction (categorical), held notes and
articulation, metric phase, position in the tune (both segments, and the gap modulo a phrase),
tune start/end flags and the length of the last note. It is trained on training junctions
against sampled training non-successors, its settings are chosen by MRR on the selection split,
and it is deterministic for a seed. ``transition_stat`` (Eq. 6–8) ties a lot, so its rank is
the expectation under uniform tie-breaking. ``random`` is the exact expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.dshl.pairs import TransitionStat
from engine.dshl.reranker import SegmentMeta

GBM_GRID = ({"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 100},
            {"learning_rate": 0.2, "max_leaf_nodes": 15, "max_iter": 60})
CATEGORICAL = (3, 4)  # last chord, first chord


def junction_features(meta: SegmentMeta, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """(n, 16) float32 plain features of the pairs (i[k], j[k])."""
    e = meta.edges
    a, b = e.last_midi[i], e.first_midi[j]
    silent = (a < 0) | (b < 0)
    gap = (meta.position[j].astype(np.int64) - meta.position[i] - 2) % 16
    cols = [
        a, b, np.where(silent, -99, b - a), e.last_chord[i], e.first_chord[j],
        meta.held_start[j], meta.sounding_end[i], meta.phase[i], meta.phase[j],
        np.minimum(meta.position[i], 64), np.minimum(meta.position[j], 64), gap,
        meta.ends[i], meta.position[j] == 0, meta.last_len[i], meta.first_onset[j],
    ]
    return np.stack([np.asarray(c, dtype=np.float32) for c in cols], axis=1)


@dataclass
class GBM:
    """A fitted gradient-boosted junction scorer and the settings chosen on selection."""

    model: object
    params: dict
    selection_mrr: dict

    def scores(self, meta: SegmentMeta, i: int, pool: np.ndarray) -> np.ndarray:
        """Probability that each pool member follows ``i``."""
        x = junction_features(meta, np.full(len(pool), i), pool)
        return self.model.predict_proba(x)[:, 1]


def _training_rows(meta: SegmentMeta, junctions: np.ndarray, segments: np.ndarray,
                   group: np.ndarray, tune: np.ndarray, rng: np.random.Generator,
                   negatives: int) -> tuple[np.ndarray, np.ndarray]:
    """Positives and ``negatives`` sampled non-successors per positive (same chain meter; one
    in four from the query's own tune)."""
    successor = {(int(a), int(b)) for a, b in junctions}
    by_group = {g: segments[group[segments] == g] for g in np.unique(group[segments])}
    by_tune = {t: segments[tune[segments] == t] for t in np.unique(tune[segments])}
    qi, qj = [], []
    for a, _ in junctions:
        own = by_tune[int(tune[a])]
        pool = by_group[int(group[a])]
        cand = np.concatenate([pool[rng.integers(0, len(pool), negatives - negatives // 4)],
                               own[rng.integers(0, len(own), negatives // 4)]])
        cand = [c for c in cand if (int(a), int(c)) not in successor and c != a]
        qi.extend([a] * len(cand))
        qj.extend(cand)
    i = np.concatenate([junctions[:, 0], np.asarray(qi, dtype=np.int64)])
    j = np.concatenate([junctions[:, 1], np.asarray(qj, dtype=np.int64)])
    y = np.concatenate([np.ones(len(junctions)), np.zeros(len(qi))])
    return junction_features(meta, i, j), y


def pool_mrr(score_fn, junctions: np.ndarray, pools: dict[int, np.ndarray], group: np.ndarray,
             seed: int = 0) -> float:
    """MRR of ``score_fn(i, pool)`` (higher = better) over ``junctions``, random tie-breaking."""
    rng = np.random.default_rng(seed)
    rr = []
    for a, b in junctions:
        pool = pools[int(group[a])]
        s = score_fn(int(a), pool) + rng.random(len(pool)) * 1e-9
        t = int(np.searchsorted(pool, b))
        rr.append(1.0 / (1 + int(np.sum(s > s[t]))))
    return float(np.mean(rr)) if rr else 0.0


def fit_gbm(meta: SegmentMeta, train_junc: np.ndarray, train_segs: np.ndarray,
            sel_junc: np.ndarray, sel_segs: np.ndarray, group: np.ndarray, tune: np.ndarray,
            seed: int = 0, negatives: int = 4, selection_queries: int = 300,
            melody_meta: SegmentMeta | None = None, chord_dropout: float = 0.3,
            grid: tuple[dict, ...] = GBM_GRID) -> GBM:
    """Fit one model per setting of :data:`GBM_GRID` on training junctions; keep the best
    selection MRR (pools: selection segments of the query's chain meter). With
    ``melody_meta``, a ``chord_dropout`` share of training rows comes from the melody-only
    view, the same chord dropout the composer is trained with."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    x, y = _training_rows(meta, train_junc, train_segs, group, tune, rng, negatives)
    if melody_meta is not None:
        x0, _ = _training_rows(melody_meta, train_junc, train_segs, group, tune,
                               np.random.default_rng(seed), negatives)
        drop = np.random.default_rng(seed + 1).random(len(x)) < chord_dropout
        x[drop] = x0[drop]
    sel = sel_junc[np.random.default_rng(seed).permutation(len(sel_junc))[:selection_queries]]
    pools = {int(g): np.sort(sel_segs[group[sel_segs] == g]) for g in np.unique(group[sel_segs])}
    best: GBM | None = None
    best_score = -1.0
    scores = {}
    for k, params in enumerate(grid):
        model = HistGradientBoostingClassifier(categorical_features=list(CATEGORICAL),
                                               early_stopping=False, random_state=seed, **params)
        model.fit(x, y)
        fitted = GBM(model, params, {})
        scores[k] = pool_mrr(lambda i, pool, f=fitted: f.scores(meta, i, pool), sel, pools, group,
                             seed)
        if scores[k] > best_score:
            best, best_score = fitted, scores[k]
    assert best is not None
    best.selection_mrr = {str(k): round(v, 4) for k, v in scores.items()}
    return best


def stat_expected(stat: TransitionStat, meta: SegmentMeta, i: int, pool: np.ndarray,
                  t: int) -> tuple[float, float, int, int]:
    """(expected reciprocal rank, expected hit@10, above, tied) of pool[t] under uniform
    tie-breaking of the statistic."""
    score = stat.score(meta.edges, np.full(len(pool), i), pool)
    above = int(np.sum(score > score[t]))
    tied = int(np.sum(score == score[t]))
    rr = float(np.mean(1.0 / (above + np.arange(1, tied + 1))))
    hit = float(np.clip(10 - above, 0, tied) / tied)
    return rr, hit, above, tied


def random_expected(n: int) -> tuple[float, float]:
    """Expected reciprocal rank and hit@10 of a uniformly random order of ``n`` candidates."""
    return float(np.sum(1.0 / np.arange(1, n + 1)) / n), min(10, n) / n
