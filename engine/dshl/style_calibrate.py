"""Calibrate a collection's sampler on its own tunes (see :mod:`engine.dshl.style`).

Kept apart from :mod:`engine.dshl.style`, which the composer reads at every compose: calibrating
composes chains and measures them (:mod:`engine.dshl.style_eval`, :mod:`engine.dshl.leaps`,
:mod:`engine.dshl.evaluate`), all of which use the composer.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.dshl.style import (
    CHAINS,
    GRID,
    STYLE_VERSION,
    TEST_SHARE,
    CollectionStyle,
    _cache,
    style_file,
)

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.splits import Split
    from engine.dshl.store import Collection


def collection_split(col: Collection) -> tuple[Split, np.ndarray]:
    """(split, calibration tune ids) of collection ``col`` (see module docstring)."""
    from engine.dshl import store
    from engine.dshl.evaluate import split_of
    from engine.dshl.splits import split_tunes

    corpus = col.corpus
    if col.name == store.BUNDLED:
        split = split_of(col)
        return split, split.selection
    split = split_tunes(corpus.features, corpus.tune, corpus.tunes, seed=0, test=TEST_SHARE,
                        selection=TEST_SHARE)
    return split, np.union1d(split.train, split.selection)


def calibrate_style(col: Collection, tunes: np.ndarray, chains: int = CHAINS,
                    log: Callable[[str], None] = lambda m: None) -> tuple[CollectionStyle, dict]:
    """Choose the sampler setting whose chains (from ``tunes`` only) leap most like ``tunes``."""
    from engine.dshl import leaps
    from engine.dshl.style_eval import compose_chains, junction_pairs

    corpus = col.corpus
    edges = leaps.heard_edges(corpus.features)
    real = leaps.summary(leaps.heard_leaps(edges, leaps.real_pairs(
        corpus.sequence, corpus.sequence_tune, tunes)))
    allowed = np.isin(corpus.tune, tunes)
    table: dict[str, list[float]] = {}
    best, best_cost = None, math.inf
    for temperature, top_p, top_k in GRID:
        style = CollectionStyle(temperature, top_p, top_k, "calibrated")
        ids = compose_chains(col, allowed, chains, style)
        mean, share = leaps.summary(leaps.heard_leaps(edges, junction_pairs(ids)))
        cost = abs(mean - real[0]) / max(real[0], 1e-9) + abs(share - real[1])
        table[f"T={temperature} p={top_p} k={top_k}"] = [round(mean, 3), round(share, 3),
                                                        round(cost, 4)]
        log(f"T {temperature}, top_p {top_p}, top_k {top_k}: leap {mean:.2f}, share ≤ 2 "
            f"{share:.2f}, cost {cost:.4f}")
        if cost < best_cost - 1e-9:
            best, best_cost = style, cost
    calibration = {"tunes": int(len(tunes)), "chains": chains,
                   "real": [round(real[0], 3), round(real[1], 3)], "cost": best_cost and
                   round(best_cost, 4), "grid": table}
    assert best is not None
    return CollectionStyle(best.temperature, best.top_p, best.top_k, "calibrated",
                           calibration), calibration


def calibrate_collection(name_or_collection: str | Collection, family: str = "duple",
                         chains: int = CHAINS, write: bool = True,
                         log: Callable[[str], None] = lambda m: None) -> dict:
    """Calibrate the composer's sampler on a collection's own calibration tunes (one meter
    family) and, with ``write``, store it beside the collection (atomic). Returns what is stored.
    """
    from engine.atomic import atomic_write_text
    from engine.dshl import store
    from engine.dshl.threads import single_threaded

    col = (store.load_collection(name_or_collection, family)
           if isinstance(name_or_collection, str) else name_or_collection)
    split, tunes = collection_split(col)
    with single_threaded():
        style, calibration = calibrate_style(col, tunes, chains, log)
    record = {"version": STYLE_VERSION, "collection": col.name, "family": col.corpus.family,
              "model_created": col.loaded.created, "model": Path(col.loaded.path).name,
              "calibrated": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "temperature": style.temperature, "top_p": style.top_p, "top_k": style.top_k,
              "calibration": calibration,
              "split": {"calibration": [col.corpus.tunes[t] for t in tunes],
                        "test": [col.corpus.tunes[t] for t in split.test]}}
    if write:
        path = style_file(col.name, col.corpus.family)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(record, indent=1))
        _cache.clear()
        store.clear_cache()  # a collection loaded with the old style is loaded again
    return record


def calibrate_imported(name: str, log: Callable[[str], None] = lambda m: None) -> dict[str, dict]:
    """Calibrate every meter family collection ``name`` holds (what ``segue dshl import`` runs
    after saving); a family too small to compose chains from keeps the model's sampler."""
    from engine.dshl import store

    out = {}
    for family in store.collection_families(name):
        col = store.load_collection(name, family)
        if len(col.corpus.tunes) < 4:  # no calibration side worth the name
            style_file(name, family).unlink(missing_ok=True)
            continue
        out[family] = calibrate_collection(col, family, log=log)
    return out
