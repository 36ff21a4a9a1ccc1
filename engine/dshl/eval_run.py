"""``segue eval dshl [--collection NAME]``: the ranking figures and the style section together.

The top of the composer's evaluation: :func:`engine.dshl.evaluate.evaluate` (ranking, junctions)
and :func:`style_section` (the sampler calibrated in the same run on calibration tunes, chains
from test tunes; :mod:`engine.dshl.style_calibrate`, :mod:`engine.dshl.style_eval`) for every
meter family of a collection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.dshl.style_eval import style_figures

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.store import Collection


def calibration_tunes(col: Collection, split) -> np.ndarray:
    """The tunes a collection's sampler is calibrated on: the bundled collection's selection
    tunes (its training tunes taught the re-ranker), all but the test tunes of an imported one."""
    from engine.dshl import store

    if col.name == store.BUNDLED:
        return split.selection
    return np.union1d(split.train, split.selection)


def style_section(col: Collection, split, test: np.ndarray, chains: int = 100,
                  calibration_chains: int | None = None, log=lambda m: None) -> dict:
    """The style part of ``segue eval dshl``: the sampler calibrated on the collection's
    calibration tunes (in this run, never on ``test``), then chains from ``test`` tunes at the
    calibrated settings, and for comparison at the model's own sampler."""
    from engine.dshl.style import CHAINS, default_style
    from engine.dshl.style_calibrate import calibrate_style

    tunes = calibration_tunes(col, split)
    log(f"calibrating the sampler on {len(tunes)} calibration tunes of {col.name}")
    style, calibration = calibrate_style(col, tunes, calibration_chains or CHAINS, log)
    log(f"composing {chains} chains from {len(test)} test tunes")
    figures = style_figures(col, test, style, chains)
    before = style_figures(col, test, default_style(col), chains)
    figures["calibration"] = {k: v for k, v in calibration.items() if k != "grid"}
    figures["calibration"]["grid"] = calibration["grid"]
    figures["model_sampler"] = {k: before[k] for k in (
        "sampler", "junction_interval", "tonic_ending", "distinct_tunes_per_chain", "targets")}
    return figures


MIN_TUNES = 8  # a family with fewer tunes is not evaluated (no split worth the name)


def run_eval(collection: str = "nottingham", family: str = "all", chains: int = 100,
             log=lambda m: None) -> dict:
    """``segue eval dshl [--collection NAME] [--family F]``: the figures of every meter family
    the collection holds, merged as the CLI prints them (first family at the top level)."""
    from engine.dshl import store
    from engine.dshl.evaluate import evaluate, heldout_tunes, split_of
    from engine.dshl.style_calibrate import collection_split
    from engine.dshl.threads import single_threaded

    families = (store.collection_families(collection) if family == "all" else [family])
    if collection == store.BUNDLED and family == "all":
        families = list(store.FAMILY_DIRS)
    results: dict[str, dict] = {}
    for name in families:
        col = store.load_collection(collection, name)
        if len(col.corpus.tunes) < MIN_TUNES:
            results[name] = {"skipped": f"only {len(col.corpus.tunes)} tunes", "by_meter": {}}
            continue
        split = split_of(col) if collection == store.BUNDLED else collection_split(col)[0]
        pool = int(col.loaded.config.get("train", {}).get("rerank_pool", 200))
        with single_threaded():
            results[name] = evaluate(col, split, pool, chains, log=log)
            results[name]["style"] = style_section(col, split, heldout_tunes(split), chains, log=log)
    if not results:
        raise KeyError(f"collection {collection!r} has no tunes")
    metrics = results.pop(families[0])
    metrics["family"] = families[0]
    metrics["collection"] = collection
    for name, other in results.items():  # further families: their meters, and a summary
        metrics["by_meter"].update(other.get("by_meter", {}))
        metrics[name] = {k: other[k] for k in (
            "segments", "tunes", "heldout", "mrr", "recall_at_10", "ci95", "melody_only",
            "junction_interval", "splits", "duplicate_groups", "test_segments_seen_in_train",
            "temperature", "gbm", "style", "skipped") if k in other}
    return metrics
