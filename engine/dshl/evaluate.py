"""Measure a trained model on held-out tunes: Hamming gap, recall@10 and MRR of four rankers.

For each junction inside a held-out tune, every segment of the held-out tunes is a candidate and
the true successor's rank is recorded under four rankers computed in the same run: ``dshl``
(Hamming distance between h_F(s_i) and h_B(candidate), ties by the continuous score b_F·b_B),
``composer`` (what the composer does: hash retrieval of the ``rerank_pool`` nearest codes, then
the learned re-ranker; the rest follow in hash order), ``transition_stat`` (Eq. 6–8) and
``random``. The statistic takes few distinct values, so many candidates tie with the true
successor: ties are broken at random (seeded), and the MRR with ties ranked first or last is
reported beside it. Validation pairs for the Hamming means are 750 successors and 750 filtered negatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from engine.dshl.pairs import Edges, TransitionStat, sample_negatives

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.corpus import Corpus
    from engine.dshl.model import DSHL
    from engine.dshl.reranker import Reranker, SegmentMeta
    from engine.dshl.store import Collection


@dataclass
class Ranks:
    """1-based ranks of the true successor per junction, for each ranker."""

    by_method: dict[str, np.ndarray]

    def summary(self) -> tuple[dict[str, float], dict[str, float]]:
        """Return (recall@10, MRR) per method."""
        recall = {k: float(np.mean(v <= 10)) for k, v in self.by_method.items()}
        mrr = {k: float(np.mean(1.0 / v)) for k, v in self.by_method.items()}
        return recall, mrr


def _rank_of(order_scores: np.ndarray, target: int) -> int:
    """1-based rank of ``target`` when sorting by ``order_scores`` ascending (stable)."""
    return int(np.sum(order_scores < order_scores[target])) + 1


def heldout_ranks(model: DSHL, reranker: Reranker, meta: SegmentMeta, stat: TransitionStat,
                  h_f: torch.Tensor, h_b: torch.Tensor, corpus: Corpus, heldout: np.ndarray,
                  rerank_pool: int, seed: int = 0) -> Ranks:
    """Rank all held-out segments for every held-out junction under the four rankers."""
    rng = np.random.default_rng(seed)
    pool = corpus.subset_tunes(heldout)
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], heldout)]
    where = {int(s): k for k, s in enumerate(pool)}
    L = meta.code_f.shape[1]
    with torch.no_grad():
        u_all, v_all = reranker.project(h_f, h_b)
    v_pool = v_all[torch.from_numpy(pool)]
    ranks: dict[str, list[int]] = {"dshl": [], "composer": [], "transition_stat": [], "random": [],
                                   "stat_optimistic": [], "stat_pessimistic": []}
    from engine.dshl.reranker import pair_features

    for i, j in junc:
        t = where[int(j)]
        ham = (meta.code_b[pool] != meta.code_f[i][None, :]).sum(1)
        soft = np.einsum("lk,nlk->n", meta.soft_f[i], meta.soft_b[pool]) / L
        jitter = rng.random(len(pool)) * 1e-9
        hash_key = ham - soft * 0.999 + jitter  # Hamming first, continuous score breaks ties
        ranks["dshl"].append(_rank_of(hash_key, t))
        stat_score = stat.score(meta.edges, np.full(len(pool), i), pool)
        ranks["transition_stat"].append(_rank_of(-stat_score + jitter * 1e3, t))
        above, tied = int(np.sum(stat_score > stat_score[t])), int(np.sum(stat_score == stat_score[t]))
        ranks["stat_optimistic"].append(above + 1)
        ranks["stat_pessimistic"].append(above + tied)
        ranks["random"].append(int(rng.integers(len(pool))) + 1)
        first = np.argsort(hash_key, kind="stable")[:rerank_pool]
        feats = torch.from_numpy(pair_features(meta, stat, np.full(len(first), i), pool[first]))
        with torch.no_grad():
            scores = reranker(u_all[i].expand(len(first), -1), v_pool[first], feats).numpy()
        composer_key = hash_key + 1e6  # everything outside the first stage comes after it
        composer_key[first] = -scores
        ranks["composer"].append(_rank_of(composer_key, t))
    return Ranks({k: np.asarray(v) for k, v in ranks.items()})


def validation_hamming(meta: SegmentMeta, stat: TransitionStat, corpus: Corpus,
                       heldout: np.ndarray, n_pairs: int = 750,
                       seed: int = 0) -> tuple[float, float, int, int]:
    """Mean Hamming distance of 750 held-out successor pairs and 750 filtered negatives."""
    rng = np.random.default_rng(seed)
    pool = corpus.subset_tunes(heldout)
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], heldout)]
    pos = junc[rng.permutation(len(junc))[:n_pairs]]
    successor = {(int(a), int(b)) for a, b in corpus.junctions}
    neg = sample_negatives(rng, pool, corpus.tune, successor, stat, meta.edges, n_pairs)
    ham_pos = (meta.code_f[pos[:, 0]] != meta.code_b[pos[:, 1]]).sum(1)
    ham_neg = (meta.code_f[neg[:, 0]] != meta.code_b[neg[:, 1]]).sum(1)
    return float(ham_pos.mean()), float(ham_neg.mean()), len(pos), len(neg)


def code_usage(meta: SegmentMeta) -> dict[str, float]:
    """How well the codes spread: distinct backward codes and the largest bucket's share."""
    keys = [tuple(row) for row in meta.code_b]
    values, counts = np.unique(np.asarray(keys), axis=0, return_counts=True)
    return {"distinct_codes": int(len(values)), "largest_bucket_share": float(counts.max() / len(keys))}


def junction_interval(e: Edges, pairs: np.ndarray) -> float:
    """Mean absolute melodic interval (semitones) across junctions (i, j), skipping silences."""
    a, b = e.last_midi[pairs[:, 0]], e.first_midi[pairs[:, 1]]
    ok = (a >= 0) & (b >= 0)
    return float(np.abs(a[ok] - b[ok]).mean()) if ok.any() else 0.0


def composed_junctions(col: Collection, mode: str, chains: int = 100, length: int = 8) -> np.ndarray:
    """Junction pairs of ``chains`` chains composed in ``mode`` with seeds 0..chains-1."""
    from engine.dshl.composer import compose_ids

    pairs = []
    for seed in range(chains):
        picks = compose_ids(col, length, np.random.default_rng(seed), mode)
        ids = [p.id for p in picks]
        pairs.extend(zip(ids[:-1], ids[1:], strict=True))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def evaluate(col: Collection, heldout_names: list[str], rerank_pool: int = 200, chains: int = 100,
             seed: int = 0) -> dict:
    """All figures of ``segue eval dshl`` for collection ``col`` (held-out tunes by name)."""
    loaded, corpus, meta = col.loaded, col.corpus, col.meta
    names = {n: k for k, n in enumerate(corpus.tunes)}
    heldout = np.asarray(sorted(names[n] for n in heldout_names if n in names), dtype=np.int64)
    ham_pos, ham_neg, n_pos, n_neg = validation_hamming(meta, loaded.stat, corpus, heldout, 750, seed)
    from engine.dshl.search import segment_states

    h_f, h_b = segment_states(loaded.model, corpus.features)
    ranks = heldout_ranks(loaded.model, loaded.reranker, meta, loaded.stat, h_f, h_b, corpus,
                          heldout, rerank_pool, seed)
    recall, mrr = ranks.summary()
    tie_bounds = {"optimistic": round(mrr.pop("stat_optimistic"), 4),
                  "pessimistic": round(mrr.pop("stat_pessimistic"), 4)}
    recall.pop("stat_optimistic")
    recall.pop("stat_pessimistic")
    cfg = loaded.model.config
    return {
        "segments": int(len(corpus)), "tunes": int(len(corpus.tunes)), "L": cfg.L, "K": cfg.K,
        "mean_hamming_pos": round(ham_pos, 4), "mean_hamming_neg": round(ham_neg, 4),
        "hamming_gap": round(ham_neg - ham_pos, 4),
        "validation_pairs": {"positive": n_pos, "negative": n_neg},
        "heldout": {"tunes": int(len(heldout)), "segments": int(len(corpus.subset_tunes(heldout))),
                    "junctions": int(len(ranks.by_method["random"]))},
        "recall_at_10": {k: round(v, 4) for k, v in recall.items()},
        "mrr": {k: round(v, 4) for k, v in mrr.items()},
        "transition_stat_tie_bounds_mrr": tie_bounds,  # the statistic ties a lot: rank ties first/last
        "rerank_pool": rerank_pool,
        "code_usage": code_usage(meta),
        "junction_interval": {
            "real": round(junction_interval(meta.edges, corpus.junctions), 3),
            "min_distance": round(junction_interval(meta.edges, composed_junctions(col, "min", chains)), 3),
            "max_distance": round(junction_interval(meta.edges, composed_junctions(col, "max", chains)), 3),
        },
    }
