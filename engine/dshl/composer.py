"""Compose chains of segments: hash retrieval, re-ranking, reuse limit, endings, locked items.

``min`` mode (the paper's Task 1, improved): for the last segment s_i of the chain, the index
returns the segments whose backward code is nearest to h_F(s_i) (growing the Hamming radius until
``pool`` candidates are found); the re-ranker orders them, and the next segment is drawn (seeded)
from the re-ranker's softmax over the smallest set of best candidates holding 90% of the
probability (nucleus sampling, at most 20): always taking the top few would favour repeated
notes and make junctions smoother than real ones. ``max`` mode (the paper's Task 2, for
comparison) draws among the segments whose code is farthest. A tune contributes at most
``reuse_limit`` segments; at the last position, only segments that end a tune are drawn when
``prefer_ending`` is set and one is available; among those, the ones whose last note is the
tonic of the chain so far (Krumhansl-Schmuckler, :mod:`engine.dshl.keyfind`) come first, so a
chain ends on its tonic at least as often as the tunes do. Candidates start on the metric
phase a real successor would (:func:`on_the_beat`), so a chain that opens on a downbeat keeps
its bar lines. The sampler (temperature, ``top_p``, ``top_k``) is the collection's own,
calibrated on its tunes when a style is stored (:mod:`engine.dshl.style`), else the model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.dshl import style as _style
from engine.dshl.keyfind import find_key, last_onset_pc, pitch_histogram
from engine.dshl.store import Collection
from engine.dshl.style import CollectionStyle, collection_style

TOP_P, TOP_K = _style.TOP_P, _style.TOP_K  # the model's sampler: nucleus 0.9, at most 20

TEMPERATURE = 2.0  # default; each model stores the temperature calibrated on its selection split


@dataclass
class Pick:
    """A chosen segment with its Hamming distance from the predecessor and its score."""

    id: int
    distance: int
    score: float


def hamming(col: Collection, prev: int, ids: np.ndarray) -> np.ndarray:
    """Hamming distance between h_F(prev) and h_B(ids)."""
    return (col.meta.code_b[ids] != col.meta.code_f[prev][None, :]).sum(1)


def rerank(col: Collection, prev: int, ids: np.ndarray) -> np.ndarray:
    """Second-stage scores of candidates ``ids`` following segment ``prev``: the stacked ranker
    when the model has one (:mod:`engine.dshl.stacker`), else the neural re-ranker."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.float32)
    return pair_scores(col, np.full(len(ids), prev), np.asarray(ids))


def pair_scores(col: Collection, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Second-stage scores of the pairs (i[k], j[k]) (stacker if present, else neural)."""
    stacker = col.loaded.stacker
    if stacker is not None:
        from engine.dshl.stacker import stack_features

        return stacker.trees.predict(stack_features(col, i, j, stacker.base))
    return col.scorer.score_pairs(col.meta, col.loaded.stat, col.u, col.v, i, j)


def first_pool(col: Collection, pool: int) -> int:
    """How many nearest codes the second stage ranks (the stacker's own first-stage size)."""
    stacker = col.loaded.stacker
    return stacker.config.pool if stacker is not None else pool


def ranked_successors(col: Collection, prev: int, pool: int = 200, allowed=None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (ids, distances, scores) of successors of ``prev``, best first.

    ``allowed`` (a boolean mask over segments) filters candidates before the pool is counted.
    """
    query = col.meta.code_f[prev]
    ids, dist = _search(col, query, first_pool(col, pool), allowed, prev)
    ids, dist = _with_slot(col, prev, ids, dist, allowed)
    scores = rerank(col, prev, ids)
    order = np.argsort(-scores, kind="stable")
    return ids[order], dist[order], scores[order]


def _with_slot(col: Collection, prev: int, ids: np.ndarray, dist: np.ndarray, allowed
               ) -> tuple[np.ndarray, np.ndarray]:
    """Add the phrase-slot candidates (segments at the position ``prev``'s successor would have,
    nearest codes first; models with position cues only) to the hash candidates."""
    from engine.dshl.ranking import SLOT_POOL, hash_keys, slot_members

    if col.loaded.stacker is not None and col.loaded.stacker.config.slot:
        from engine.dshl.stacker import slot_indices

        slot = np.nonzero(col.corpus.position == col.corpus.position[prev] + 2)[0]
        if allowed is not None:
            slot = slot[allowed[slot]]
        slot = np.setdiff1d(slot, ids)
        slot = slot[slot_indices(col.meta, prev, slot, hash_keys(col.meta, prev, slot,
                                                                  np.zeros(len(slot))))]
        return np.concatenate([ids, slot]), np.concatenate([dist, hamming(col, prev, slot)])
    if col.meta.cues < 2:
        return ids, dist
    slot = np.nonzero(col.corpus.position == col.corpus.position[prev] + 2)[0]
    if allowed is not None:
        slot = slot[allowed[slot]]
    slot = np.setdiff1d(slot, ids)
    if len(slot) == 0:
        return ids, dist
    keys = hash_keys(col.meta, prev, slot, np.zeros(len(slot)))
    slot = slot[slot_members(col.meta, prev, slot, keys, SLOT_POOL)]
    extra = hamming(col, prev, slot)
    return np.concatenate([ids, slot]), np.concatenate([dist, extra])


def _search(col: Collection, query: np.ndarray, pool: int, allowed, prev: int | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Grow the Hamming radius until ``pool`` allowed candidates are found (at most ``pool``).

    When the last ring overflows, its members with the best continuous score b_F·b_B are kept.
    """
    ids, dists = [], []
    found = 0
    for radius in range(col.index_b.L + 1):
        ring = col.index_b.ring(query, radius)
        if allowed is not None and len(ring):
            ring = ring[allowed[ring]]
        if found + len(ring) > pool and prev is not None:
            soft = np.einsum("lk,nlk->n", col.meta.soft_f[prev], col.meta.soft_b[ring])
            ring = ring[np.argsort(-soft, kind="stable")[: pool - found]]
        if len(ring):
            ids.append(ring)
            dists.append(np.full(len(ring), radius))
            found += len(ring)
        if found >= pool:
            break
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(ids), np.concatenate(dists)


def farthest(col: Collection, prev: int, allowed) -> tuple[np.ndarray, np.ndarray]:
    """Candidates at the largest Hamming distance from h_F(prev) (the paper's Task 2)."""
    query = col.meta.code_f[prev]
    for radius in range(col.index_b.L, -1, -1):
        ring = col.index_b.ring(query, radius)
        if allowed is not None and len(ring):
            ring = ring[allowed[ring]]
        if len(ring):
            return ring, np.full(len(ring), radius)
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


def on_the_beat(col: Collection, prev: int, ids: np.ndarray) -> np.ndarray:
    """Which of the candidates ``ids`` start on the metric phase ``prev``'s successor starts on in
    a real tune (its own phase; in 9/8 the next one of the two-bar cycle). All True when none
    does, so the filter never empties a candidate list."""
    expected = col.meta.next_phase if col.meta.next_phase is not None else col.corpus.phase
    keep = col.corpus.phase[np.asarray(ids, dtype=np.int64)] == expected[prev]
    return keep if keep.any() else np.ones(len(keep), dtype=bool)


_last_pcs: dict[int, tuple[Collection, np.ndarray]] = {}


def final_pitch_classes(col: Collection) -> np.ndarray:
    """Pitch class of the last note struck in every segment of ``col`` (cached, -1: none)."""
    hit = _last_pcs.get(id(col))
    if hit is None or hit[0] is not col:
        if len(_last_pcs) > 16:
            _last_pcs.clear()
        hit = _last_pcs[id(col)] = (col, last_onset_pc(col.corpus.features))
    return hit[1]


def chain_tonic(col: Collection, ids: list[int]) -> int | None:
    """Tonic pitch class of the chain ``ids`` so far (Krumhansl-Schmuckler), None if silent."""
    hist = pitch_histogram(col.corpus.features[np.asarray(ids, dtype=np.int64)])
    return find_key(hist)[0] if hist.sum() else None


def ending_mask(col: Collection, allowed: np.ndarray, tonic: int | None) -> np.ndarray:
    """What the last block may be: segments that end a tune on the ``tonic``, else any tune
    ending, else any segment ending on the tonic, else ``allowed`` (the first of these that is
    not empty): a tune ending stays the rule, the tonic chooses among tune endings."""
    ends = allowed & col.corpus.ends
    options = [ends]
    if tonic is not None:
        on_tonic = allowed & (final_pitch_classes(col) == tonic)
        options = [ends & on_tonic, ends, on_tonic]
    return next((m for m in options if m.any()), allowed)


def choose_next(col: Collection, prev: int, rng: np.random.Generator, mode: str, allowed,
                last: bool, prefer_ending: bool, pool: int = 200, top_p: float | None = None,
                top_k: int | None = None, temperature: float | None = None,
                style: CollectionStyle | None = None, tonic: int | None = None) -> Pick | None:
    """Pick the segment that follows ``prev`` (None when no allowed segment is left).

    At the last position with ``prefer_ending``, only segments that end a tune are considered
    (when any is allowed), those ending on ``tonic`` first (:func:`ending_mask`), so the chain
    closes on a cadence in its key. Only segments on the expected metric phase are drawn when
    the retrieved candidates hold any (:func:`on_the_beat`). The sampler is ``style`` (default:
    the model's temperature with :data:`TOP_P` and :data:`TOP_K`); ``temperature``, ``top_p``
    and ``top_k`` override it.
    """
    if style is None:
        style = CollectionStyle(float(col.loaded.temperature))
    temperature = style.temperature if temperature is None else temperature
    top_p = style.top_p if top_p is None else top_p
    top_k = style.top_k if top_k is None else top_k
    if last and prefer_ending:
        allowed = ending_mask(col, allowed, tonic)
    if mode == "max":
        ids, dist = farthest(col, prev, allowed)
        if len(ids) == 0:
            return None
        keep = on_the_beat(col, prev, ids)
        ids, dist = ids[keep], dist[keep]
        k = int(rng.integers(len(ids)))
        return Pick(int(ids[k]), int(dist[k]), float(rerank(col, prev, ids[k:k + 1])[0]))
    ids, dist, scores = ranked_successors(col, prev, pool, allowed)
    if len(ids) == 0:
        return None
    keep = on_the_beat(col, prev, ids)  # retrieval first, so the pool stays of near codes
    ids, dist, scores = ids[keep], dist[keep], scores[keep]
    probs = np.exp((scores - scores.max()) / temperature)
    probs /= probs.sum()
    k = int(min(top_k, len(ids), np.searchsorted(np.cumsum(probs), top_p) + 1))
    choice = int(rng.choice(k, p=probs[:k] / probs[:k].sum()))
    return Pick(int(ids[choice]), int(dist[choice]), float(scores[choice]))


def compose_ids(col: Collection, length: int, rng: np.random.Generator, mode: str = "min",
                reuse_limit: int | None = 2, start: int | None = None,
                locked: dict[int, int] | None = None, prefer_ending: bool = True,
                pool: int = 200, check=lambda: None, allowed: np.ndarray | None = None,
                style: CollectionStyle | None = None) -> list[Pick]:
    """Compose ``length`` segment picks; ``locked`` positions keep their segment as is.

    ``allowed`` (a boolean mask, e.g. one meter and mode) limits what is drawn; ``style`` is
    the sampler (default: the collection's, :func:`engine.dshl.style.collection_style`).
    """
    style = collection_style(col) if style is None else style
    locked = dict(locked or {})
    n = len(col.corpus)
    if start is None:
        start = locked.get(0)
    if start is None:
        start_ok = np.ones(n, dtype=bool) if allowed is None else allowed
        openings = np.nonzero((col.corpus.position == 0) & (col.corpus.phase == 0) & start_ok)[0]
        start = int(rng.choice(openings if len(openings) else np.arange(n)))
    if not 0 <= start < n:
        raise ValueError(f"segment id {start} is not in collection {col.name!r} (0..{n - 1})")
    picks = [Pick(int(start), 0, 0.0)]
    base = np.ones(n, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    base &= col.corpus.mask(col.corpus.meters[int(col.corpus.tune[start])])  # meters never mix
    allowed = base.copy()  # not used yet, and its tune is under the reuse limit
    unused = base.copy()
    per_tune = np.zeros(len(col.corpus.tunes), dtype=np.int64)

    def take(seg: int) -> None:
        """Mark ``seg`` used and close its tune once it reaches the reuse limit."""
        allowed[seg] = unused[seg] = False
        tune = col.corpus.tune[seg]
        per_tune[tune] += 1
        if reuse_limit is not None and per_tune[tune] >= reuse_limit:
            allowed[col.corpus.tune == tune] = False

    take(picks[0].id)
    for position in range(1, length):
        check()
        prev = picks[-1].id
        if position in locked:
            seg = int(locked[position])
            picks.append(Pick(seg, int(hamming(col, prev, np.array([seg]))[0]),
                              float(rerank(col, prev, np.array([seg]))[0])))
        else:
            last = position == length - 1
            tonic = chain_tonic(col, [p.id for p in picks]) if last and prefer_ending else None
            pick = choose_next(col, prev, rng, mode, allowed, last, prefer_ending, pool,
                               style=style, tonic=tonic)
            if pick is None:  # every tune used up: relax the reuse limit rather than stop
                pick = choose_next(col, prev, rng, mode, unused, last, prefer_ending, pool,
                                   style=style, tonic=tonic)
            if pick is None:
                break
            picks.append(pick)
        take(picks[-1].id)
    return picks
