"""Compare two trained composer models on the selection split (`segue dshl compare A B`).

Every modelling choice is made on selection; this is the instrument for one: both models rank
the true successor of every selection junction among every selection segment, the way the
composer does (hash pool, then re-ranker), with chords and melody-only. It reports each model's
MRR and the paired difference B − A with a tune-bootstrap 95 % interval (queries of one tune move
together). The test split is never read. The two models must share the tunes and their split
(e.g. one per family and one conditioned on meter, trained with the same ``--seed``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.checkpoint import CheckpointError
from engine.dshl.ranking import composer_ranks


def selection_ranks(model_path: str | Path, rerank_pool: int = 200, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(reciprocal ranks (2, J) with chords / melody-only, query tune names (J), junction keys)
    of the model at ``model_path`` over its selection junctions."""
    from engine.dshl import store
    from engine.dshl.evaluate import melody_only, scoring, split_of

    col = store.model_collection(model_path)
    corpus, split = col.corpus, split_of(col)
    pool = corpus.subset_tunes(split.selection)
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.selection)]
    ranks = np.stack([composer_ranks(scoring(view), junc, pool, rerank_pool, seed)
                      for view in (col, melody_only(col))])
    tunes = [corpus.tunes[t] for t in corpus.tune[junc[:, 0]]]
    keys = [f"{corpus.tunes[corpus.tune[i]]}:{corpus.position[i]}>{corpus.position[j]}"
            for i, j in junc]
    return ranks, np.asarray(tunes), keys


def compare(path_a: str | Path, path_b: str | Path, rerank_pool: int = 200) -> dict:
    """Selection MRR of both models and the paired difference B − A with its 95 % interval."""
    from engine.dshl.stack_fit import paired_interval

    rr_a, tunes, keys_a = selection_ranks(path_a, rerank_pool)
    rr_b, _, keys_b = selection_ranks(path_b, rerank_pool)
    if keys_a != keys_b:
        raise CheckpointError(f"{path_a} and {path_b} do not share their selection junctions "
                              "(train both with the same --seed on the same tunes)")
    out: dict = {"junctions": len(keys_a), "tunes": len(set(tunes.tolist()))}
    for k, view in enumerate(("with_chords", "melody_only", "mean")):
        a = rr_a.mean(0) if view == "mean" else rr_a[k]
        b = rr_b.mean(0) if view == "mean" else rr_b[k]
        low, high = paired_interval(b - a, tunes)
        out[view] = {"a": round(float(a.mean()), 4), "b": round(float(b.mean()), 4),
                     "b_minus_a": round(float((b - a).mean()), 4),
                     "ci95": [round(low, 4), round(high, 4)]}
    return out
