"""Fit the stacked ranker (:mod:`engine.dshl.stacker`) on the selection split, cross-fitted.

`segue dshl stack` runs :func:`fit_and_save`. Rows come from selection junctions only (the
neural parts were trained on training junctions, where their scores are over-confident), in both
views: with chords and melody-only (chord dropout, as the composer sees a melody-only
collection). Each junction gives its true successor and ``negatives`` non-successors drawn from
its first-stage candidates (the distribution the stacker ranks). Selection tunes are dealt into
``folds`` folds; every setting of :data:`GRID` (trees, first-stage size) is scored by the
out-of-fold MRR of its ranking (pools: every selection segment of the query's chain meter, as in
the eval), the best is refitted on all of selection and saved. The test split is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.dshl.stacker import (
    FEATURES,
    STACKER_FILE,
    Stacker,
    StackerConfig,
    TreeEnsemble,
    first_stage,
    slot_indices,
    stack_features,
)

TREE_GRID = ({"learning_rate": 0.1, "max_leaf_nodes": 15, "max_iter": 100},
             {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 60})
POOL_GRID = (200, 400, 1000)
BASE_PARAMS = {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 100}  # gbm's first setting


def fit_base(col, plain, train_tunes: np.ndarray, group: np.ndarray, seed: int = 0,
             negatives: int = 4, chord_dropout: float = 0.3) -> TreeEnsemble:
    """Plain-junction trees on *training* junctions, the rows the gbm baseline is fitted on
    (same negatives, same chord dropout; chords as numbers so the trees export to arrays). Their
    score is one stacker feature: the training junctions' volume, with no neural leakage (plain
    features only)."""
    from engine.dshl.baselines import _training_rows

    corpus = col.corpus
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], train_tunes)]
    segs = corpus.subset_tunes(train_tunes)
    x, y = _training_rows(col.meta, junc, segs, group, corpus.tune, np.random.default_rng(seed),
                          negatives)
    x0, _ = _training_rows(plain.meta, junc, segs, group, corpus.tune,
                           np.random.default_rng(seed), negatives)
    drop = np.random.default_rng(seed + 1).random(len(x)) < chord_dropout
    x[drop] = x0[drop]
    return fit_trees(x, y, BASE_PARAMS, seed)


def fit_trees(x: np.ndarray, y: np.ndarray, params: dict, seed: int = 0) -> TreeEnsemble:
    """Fit a HistGradientBoostingClassifier (numeric features) and export it to arrays."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(early_stopping=False, random_state=seed, **params)
    model.fit(x, y)
    return TreeEnsemble.from_sklearn(model)


def selection_rows(views: list, junc: np.ndarray, pools: dict[int, np.ndarray], group: np.ndarray,
                   config: StackerConfig, base: TreeEnsemble | None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, query tune) rows: per view and junction, the true successor and
    ``config.negatives`` first-stage non-successors."""
    rng = np.random.default_rng(config.seed)
    xs, ys, ts = [], [], []
    successors: dict[int, set[int]] = {}
    for a, b in junc:
        successors.setdefault(int(a), set()).add(int(b))
    for col in views:
        for a, b in junc:
            pool = pools[int(group[a])]
            cand = pool[first_stage(col, int(a), pool, config.pool, config.slot)]
            cand = cand[~np.isin(cand, list(successors[int(a)]) + [int(a)])]
            neg = rng.choice(cand, min(config.negatives, len(cand)), replace=False)
            ids = np.concatenate([[b], neg]).astype(np.int64)
            xs.append(stack_features(col, int(a), ids, base))
            ys.append(np.r_[1.0, np.zeros(len(neg))])
            ts.append(np.full(len(ids), col.corpus.tune[a]))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)


def ranks(col, scorers: list[Callable[[np.ndarray], np.ndarray]], junc: np.ndarray,
          pools: dict[int, np.ndarray], group: np.ndarray, sizes: tuple[int, ...],
          slot: bool = True, seed: int = 0, base: TreeEnsemble | None = None
          ) -> list[dict[int, np.ndarray]]:
    """Per scorer (features → scores), the reciprocal rank of each true successor per
    first-stage size: the first stage ranked by the scorer, the rest of the pool after it in
    hash order (as the eval ranks the composer). Features are computed once per query."""
    from engine.dshl.ranking import hash_keys, rank_of

    rng = np.random.default_rng(seed)
    out: list[dict[int, list[float]]] = [{s: [] for s in sizes} for _ in scorers]
    for a, b in junc:
        pool = pools[int(group[a])]
        t = int(np.searchsorted(pool, b))
        jitter = rng.random(len(pool)) * 1e-9
        hk = hash_keys(col.meta, int(a), pool, jitter)
        order = np.argsort(hk, kind="stable")
        slot_idx = slot_indices(col.meta, int(a), pool, hk) if slot else np.zeros(0, np.int64)
        widest = np.union1d(order[:max(sizes)], slot_idx)
        x = stack_features(col, int(a), pool[widest], base)
        for k, scorer in enumerate(scorers):
            s = np.full(len(pool), -np.inf)
            s[widest] = scorer(x)
            for size in sizes:
                first = np.union1d(order[:size], slot_idx)
                ck = hk + 1e6
                ck[first] = -s[first] + jitter[first]  # ties at random
                out[k][size].append(1.0 / rank_of(ck, t))
    return [{k: np.asarray(v) for k, v in o.items()} for o in out]


def fit_stacker(col, plain, split, group: np.ndarray, config: StackerConfig | None = None,
                grid: tuple[dict, ...] = TREE_GRID, sizes: tuple[int, ...] = POOL_GRID,
                eval_queries: int = 300, log: Callable[[str], None] = lambda m: None) -> Stacker:
    """Choose trees and first-stage size by out-of-fold selection MRR (mean of with-chords and
    melody-only), refit on all selection junctions, return the stacker."""
    config = config or StackerConfig()
    corpus = col.corpus
    sel_segs = corpus.subset_tunes(split.selection)
    pools = {int(g): np.sort(sel_segs[group[sel_segs] == g]) for g in np.unique(group[sel_segs])}
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.selection)]
    views = [col, plain]
    log(f"stacker: fitting plain-junction trees on {len(split.train)} training tunes")
    base = fit_base(col, plain, split.train, group, config.seed)
    log(f"stacker: building rows from {len(junc)} selection junctions (2 views)")
    x, y, rt = selection_rows(views, junc, pools, group, replace(config, pool=max(sizes)), base)
    tunes = np.asarray(sorted(split.selection))
    folds = min(config.folds, len(tunes))
    if folds < 2:  # nothing to cross-fit on: the first setting, fitted on what there is
        chosen = replace(config, pool=sizes[0], **grid[0])
        return Stacker(chosen, fit_trees(x, y, grid[0], config.seed),
                       {"oof_mrr": {}, "chosen": f"0/{sizes[0]}", "rows": int(len(y)),
                        "junctions": int(len(junc)), "note": "under 2 selection tunes"}, base)
    fold_of = dict(zip(tunes, np.random.default_rng(config.seed).permutation(len(tunes)) % folds,
                       strict=True))
    row_fold = np.asarray([fold_of[int(t)] for t in rt])
    q_fold = np.asarray([fold_of[int(corpus.tune[a])] for a in junc[:, 0]])
    pick = np.random.default_rng(config.seed).permutation(len(junc))[:eval_queries]
    rr = {(k, s, v): [] for k in range(len(grid) + 1) for s in sizes for v in range(2)}
    q_tunes = []  # tune of every scored query, in the order the ranks are appended
    neural = FEATURES.index("rerank_score")  # the last scorer: the neural re-ranker alone
    for f in range(folds):
        trees = [fit_trees(x[row_fold != f], y[row_fold != f], p, config.seed) for p in grid]
        log(f"stacker: fold {f + 1}/{folds} fitted")
        qs = junc[pick][q_fold[pick] == f]
        q_tunes.append(corpus.tune[qs[:, 0]])
        for v, view in enumerate(views):
            got = ranks(view, [t.predict for t in trees] + [lambda m: m[:, neural]], qs, pools,
                        group, sizes, config.slot, config.seed, base)
            for k, per_size in enumerate(got):
                for s in sizes:
                    rr[(k, s, v)].append(per_size[s])
    table, best, best_key = {}, -1.0, (0, sizes[0])
    for k, params in enumerate(grid):
        for s in sizes:
            both = [float(np.concatenate(rr[(k, s, v)]).mean()) for v in (0, 1)]
            table[f"{k}/{s}"] = [round(m, 4) for m in both]
            log(f"stacker setting {params} pool {s}: out-of-fold selection MRR {both[0]:.4f} "
                f"(melody-only {both[1]:.4f})")
            if np.mean(both) > best:
                best, best_key = float(np.mean(both)), (k, s)
    neural_table = {}
    for s in sizes:
        both = [float(np.concatenate(rr[(len(grid), s, v)]).mean()) for v in (0, 1)]
        neural_table[str(s)] = [round(m, 4) for m in both]
        log(f"neural re-ranker alone, first stage {s}: selection MRR {both[0]:.4f} "
            f"(melody-only {both[1]:.4f})")
    k, size = best_key
    n_best = max(sizes, key=lambda z: float(np.mean(neural_table[str(z)])))
    gain = np.mean([np.concatenate(rr[(k, size, v)]) - np.concatenate(rr[(len(grid), n_best, v)])
                    for v in (0, 1)], axis=0)
    low, high = paired_interval(gain, np.concatenate(q_tunes), config.seed)
    log(f"stacker minus neural re-ranker (mean of both views), tune-bootstrap 95 % interval: "
        f"[{low:.4f}, {high:.4f}]")
    chosen = replace(config, pool=size, **grid[k])
    trees = fit_trees(x, y, grid[k], config.seed)
    return Stacker(chosen, trees, {"oof_mrr": table, "chosen": f"{k}/{size}", "grid": list(grid),
                                   "rows": int(len(y)), "junctions": int(len(junc)),
                                   "queries_scored": int(len(pick)), "neural_mrr": neural_table,
                                   "gain_ci95": [round(low, 4), round(high, 4)],
                                   "neural_wins": bool(low <= 0.0)}, base)


def paired_interval(gain: np.ndarray, tunes: np.ndarray, seed: int = 0, draws: int = 1000
                    ) -> tuple[float, float]:
    """95 % interval of the mean per-query gain, resampling whole tunes (queries of one tune
    move together)."""
    names, index = np.unique(tunes, return_inverse=True)
    sums = np.bincount(index, weights=gain, minlength=len(names))
    counts = np.bincount(index, minlength=len(names))
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(names), size=(draws, len(names)))
    means = sums[pick].sum(1) / np.maximum(counts[pick].sum(1), 1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def fit_and_save(model_path: str | Path, log: Callable[[str], None] = lambda m: None,
                 require_win: bool = True, **kwargs) -> tuple[Path | None, dict]:
    """Fit the stacker for the model at ``model_path`` and save it beside it; return its path
    and selection figures. With ``require_win``, a stacker that does not beat the neural
    re-ranker alone on selection (same queries, same pools; the lower end of the tune-bootstrap
    95 % interval of its MRR gain above 0) is not kept: any stacker file beside the model is
    removed and the path is None."""
    from engine.dshl import store
    from engine.dshl.evaluate import melody_only, meter_groups, split_of
    from engine.dshl.threads import single_threaded

    model_path = Path(model_path)
    store.clear_cache()
    col = store.model_collection(model_path)
    with single_threaded():
        stacker = fit_stacker(col, melody_only(col), split_of(col), meter_groups(col.corpus),
                              log=log, **kwargs)
    stacker.model_created = col.loaded.created
    out = model_path.parent / STACKER_FILE
    if require_win and stacker.selection.get("neural_wins"):
        log("the neural re-ranker alone does as well on selection: no stacker kept")
        out.unlink(missing_ok=True)
        store.clear_cache()
        return None, stacker.selection
    stacker.save(out, {"selection": stacker.selection})
    store.clear_cache()
    return out, stacker.selection
