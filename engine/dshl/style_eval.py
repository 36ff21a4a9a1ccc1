"""Do a collection's chains sound like its tunes? Leaps, tonic endings and variety, measured.

Chains are composed the way the composer composes them (:func:`engine.dshl.composer.compose_ids`:
the meter and mode of a random opening tune, reuse limit 2, tune endings, tonic endings, the
collection's sampler), drawing only from a given set of tunes (calibration tunes when choosing
the sampler, test tunes when evaluating). Figures:

* ``junction_interval``: the mean leap as heard (:mod:`engine.dshl.leaps`) at every segment
  boundary of the tunes (``real``) and at every junction of the chains (``chains``), and the
  share of leaps ≤ 2 semitones, each with a 95 % interval from 1,000 bootstrap draws of whole
  tunes (a chain counts under the tune it opens with);
* ``tonic_ending``: the share of tunes, and of chains, whose last note is the tonic of the key
  found by Krumhansl-Schmuckler over the whole piece (:mod:`engine.dshl.keyfind`);
* ``distinct_tunes_per_chain``: how many source tunes a chain draws on.

``targets`` marks each of the issue's targets met or missed: chain leap within 15 % of real,
share ≤ 2 within 0.10, tonic ending ≥ real − 0.05.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.dshl import leaps
from engine.dshl.keyfind import ends_on_tonic

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.store import Collection
    from engine.dshl.style import CollectionStyle

LEAP_TOLERANCE = 0.15
SHARE_TOLERANCE = 0.10
TONIC_TOLERANCE = 0.05


def compose_chains(col: Collection, allowed: np.ndarray, chains: int, style: CollectionStyle,
                   length: int = 8, reuse_limit: int = 2) -> list[list[int]]:
    """Segment ids of ``chains`` chains (seeds 0..chains-1) drawn only from ``allowed``, each in
    the meter and mode of its opening tune, composed as the composer does with ``style``."""
    from engine.dshl.composer import compose_ids

    corpus = col.corpus
    openings = np.nonzero(allowed & (corpus.position == 0) & (corpus.phase == 0))[0]
    if len(openings) == 0:
        openings = np.nonzero(allowed)[0]
    out: list[list[int]] = []
    if len(openings) == 0:
        return out
    for seed in range(chains):
        rng = np.random.default_rng(seed)
        first = int(rng.choice(openings))
        tune = int(corpus.tune[first])
        ok = allowed & corpus.mask(corpus.meters[tune], corpus.modes[tune])
        picks = compose_ids(col, length, rng, "min", reuse_limit, start=first, allowed=ok,
                            style=style)
        out.append([p.id for p in picks])
    return out


def junction_pairs(chains: list[list[int]]) -> np.ndarray:
    """(P, 2) junctions of the chains."""
    pairs = [(a, b) for ids in chains for a, b in zip(ids[:-1], ids[1:], strict=False)]
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _leaps_by_group(edges: dict, pairs: np.ndarray, groups: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Heard leaps at ``pairs`` with the group (tune) of each measurable one."""
    values, ok = leaps.measured_leaps(edges, pairs)
    return values, np.asarray(groups, dtype=np.int64)[ok]


def _tune_tiles(col: Collection, tune: int) -> list[int]:
    """The blocks a tune is heard as: its segment at every other hop slot, and its last one."""
    slots = col.corpus.sequence[col.corpus.sequence_tune == tune]
    tiles = [int(s) for s in slots[::2] if s >= 0]
    if len(slots) and slots[-1] >= 0 and (not tiles or tiles[-1] != int(slots[-1])):
        tiles.append(int(slots[-1]))
    return tiles


def _share(values: list[bool | None]) -> tuple[float, list[float], np.ndarray]:
    """(share of True, its values as floats, mask of the decided ones)."""
    decided = np.asarray([v is not None for v in values], dtype=bool)
    flags = np.asarray([bool(v) for v in values], dtype=float)
    share = float(flags[decided].mean()) if decided.any() else 0.0
    return share, flags, decided


def style_figures(col: Collection, tunes: np.ndarray, style: CollectionStyle,
                  chains: int = 100) -> dict:
    """Leaps, tonic endings and variety of ``tunes`` and of chains composed from them."""
    from engine.dshl.evaluate import bootstrap_ci

    corpus = col.corpus
    tunes = np.asarray(tunes, dtype=np.int64)
    edges = leaps.heard_edges(corpus.features)
    real_pairs = leaps.real_pairs(corpus.sequence, corpus.sequence_tune, tunes)
    real, real_tune = _leaps_by_group(edges, real_pairs, corpus.tune[real_pairs[:, 0]])
    allowed = np.isin(corpus.tune, tunes)
    ids = compose_chains(col, allowed, chains, style)
    chain_tune = np.asarray([int(corpus.tune[c[0]]) for c in ids], dtype=np.int64)
    pairs = junction_pairs(ids)
    pair_chain = np.repeat(chain_tune, [max(len(c) - 1, 0) for c in ids])
    made, made_tune = _leaps_by_group(edges, pairs, pair_chain)

    def interval(values: np.ndarray, groups: np.ndarray) -> dict:
        return {"mean": round(float(values.mean()), 3) if len(values) else 0.0,
                "ci95": bootstrap_ci(values, groups),
                "share_le2": round(float(np.mean(values <= 2)), 3) if len(values) else 0.0,
                "share_le2_ci95": bootstrap_ci((values <= 2).astype(float), groups)}

    tiles = [_tune_tiles(col, int(t)) for t in tunes]
    real_tonic = [ends_on_tonic(corpus.features[t]) if t else None for t in tiles]
    chain_tonic = [ends_on_tonic(corpus.features[c]) for c in ids]
    r_share, r_flags, r_ok = _share(real_tonic)
    c_share, c_flags, c_ok = _share(chain_tonic)
    distinct = np.asarray([len({int(corpus.tune[s]) for s in c}) for c in ids], dtype=float)
    junction = {"real": interval(real, real_tune), "chains": interval(made, made_tune)}
    tonic = {"real": round(r_share, 3), "real_ci95": bootstrap_ci(r_flags[r_ok], tunes[r_ok]),
             "chains": round(c_share, 3),
             "chains_ci95": bootstrap_ci(c_flags[c_ok], chain_tune[c_ok]),
             "tunes": int(r_ok.sum()), "chains_measured": int(c_ok.sum())}
    return {
        "tunes": int(len(tunes)), "chains": len(ids), "chain_length": 8, "reuse_limit": 2,
        "sampler": {"temperature": style.temperature, "top_p": style.top_p,
                    "top_k": style.top_k, "source": style.source},
        "junction_interval": junction,
        "tonic_ending": tonic,
        "distinct_tunes_per_chain": {
            "mean": round(float(distinct.mean()), 3) if len(distinct) else 0.0,
            "min": int(distinct.min()) if len(distinct) else 0,
            "max": int(distinct.max()) if len(distinct) else 0},
        "targets": targets(junction, tonic),
    }


def targets(junction: dict, tonic: dict) -> dict:
    """Each style target with its figure and whether it is met."""
    real, made = junction["real"], junction["chains"]
    gap = (made["mean"] - real["mean"]) / max(real["mean"], 1e-9)
    share_gap = made["share_le2"] - real["share_le2"]
    tonic_gap = tonic["chains"] - tonic["real"]
    return {
        "leap_within_15pct": {"relative_gap": round(gap, 3),
                              "met": bool(abs(gap) <= LEAP_TOLERANCE)},
        "share_le2_within_0.10": {"gap": round(share_gap, 3),
                                  "met": bool(abs(share_gap) <= SHARE_TOLERANCE)},
        "tonic_ending_at_least_real_minus_0.05": {"gap": round(tonic_gap, 3),
                                                  "met": bool(tonic_gap >= -TONIC_TOLERANCE)},
    }
