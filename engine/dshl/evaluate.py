"""`segue eval dshl`: every ranker on the same test pools, with tune-bootstrap intervals.

The split (train / selection / test, near-duplicates grouped) is stored in the checkpoint; the
test tunes are read in exactly one place, :func:`heldout_tunes`, once per evaluation. For each
junction inside a test tune, every test segment of the same chain meter is a candidate, and the
true successor's rank is recorded under ``dshl`` (hash codes), ``composer`` (hash retrieval of
``rerank_pool`` candidates, then the re-ranker), ``gbm``, ``transition_stat`` and ``random``
(:mod:`engine.dshl.baselines`). MRR and recall@10 come with 95 % intervals from resampling test
tunes (1,000 draws). The same ranking is repeated with the chords removed (``melody_only``).
Junction leaps are measured as heard (:mod:`engine.dshl.leaps`) on test tunes and on chains
composed from test tunes only. Every choice (re-ranker epoch, gbm settings, sampling
temperature) was made on the selection split. ``style`` (:mod:`engine.dshl.style_eval`): the
collection's own sampler, calibrated on its calibration tunes in the same run, and its test
chains' leaps, tonic endings and variety with bootstrap intervals and the targets met or missed.

"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.dshl import leaps
from engine.dshl.baselines import fit_gbm, random_expected, stat_expected
from engine.dshl.pairs import TransitionStat, sample_negatives
from engine.dshl.ranking import Scoring, composer_keys, rank_of
from engine.dshl.splits import Split

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.corpus import Corpus
    from engine.dshl.reranker import SegmentMeta
    from engine.dshl.store import Collection

METHODS = ("dshl", "composer", "gbm", "transition_stat", "random")
TEMPERATURES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
CALIBRATION_CHAINS = 200  # per temperature and view: with 20 the selection cost curve was noise


def heldout_tunes(split: Split) -> np.ndarray:
    """The one place the test split is read."""
    return split.test


def meter_groups(corpus: Corpus) -> np.ndarray:
    """Chain-meter group id of every segment (2/4, 4/4 and 2/2 share one)."""
    from engine.dshl.corpus import chain_meters

    names = [chain_meters(m)[0] for m in corpus.meters]
    ids = {n: k for k, n in enumerate(sorted(set(names)))}
    return np.asarray([ids[n] for n in names], dtype=np.int64)[corpus.tune]


def split_of(col: Collection) -> Split:
    """The split stored with the collection's model (old checkpoints: held-out = test)."""
    corpus = col.corpus
    names = col.loaded.split or {"test": col.loaded.heldout, "train": [
        t for t in corpus.tunes if t not in set(col.loaded.heldout)]}
    index = {n: k for k, n in enumerate(corpus.tunes)}
    groups = [[index[n] for n in g if n in index] for g in col.loaded.duplicate_groups or []]
    return Split.from_names(names, corpus.tunes, groups)


def scoring(col: Collection) -> Scoring:
    """The composer's scoring for a collection."""
    return Scoring(col.meta, col.loaded.stat, col.u, col.v, col.scorer)


def melody_only(col: Collection) -> Collection:
    """The same collection with every chord bit removed, indexed with the same model."""
    from engine.dshl.store import index_corpus
    from engine.dshl.train import without_chords

    corpus = dataclasses.replace(col.corpus, features=without_chords(col.corpus.features))
    return index_corpus(col.name + " (melody only)", corpus, col.loaded)


def rank_junctions(col: Collection, gbm, junc: np.ndarray, pool_ids: np.ndarray,
                   group: np.ndarray, rerank_pool: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Reciprocal rank and hit@10 per junction for every method (plus the statistic's bounds)."""
    rng = np.random.default_rng(seed)
    s = scoring(col)
    pools = {int(g): np.sort(pool_ids[group[pool_ids] == g]) for g in np.unique(group[pool_ids])}
    out: dict[str, list[float]] = {f"{k}_{m}": [] for k in ("rr", "hit") for m in METHODS}
    out.update({"stat_optimistic": [], "stat_pessimistic": []})
    for i, j in junc:
        pool = pools[int(group[i])]
        t = int(np.searchsorted(pool, j))
        jitter = rng.random(len(pool)) * 1e-9
        hk, ck = composer_keys(s, int(i), pool, rerank_pool, jitter)
        if col.loaded.stacker is not None:  # the composer's second stage is the stacker
            ck = stacked_keys(col, int(i), pool, hk, jitter)
        g = gbm.scores(col.meta, int(i), pool)
        ranks = {"dshl": rank_of(hk, t), "composer": rank_of(ck, t),
                 "gbm": rank_of(-g + jitter, t)}
        for m, r in ranks.items():
            out[f"rr_{m}"].append(1.0 / r)
            out[f"hit_{m}"].append(float(r <= 10))
        rr, hit, above, tied = stat_expected(col.loaded.stat, col.meta, int(i), pool, t)
        out["rr_transition_stat"].append(rr)
        out["hit_transition_stat"].append(hit)
        out["stat_optimistic"].append(1.0 / (above + 1))
        out["stat_pessimistic"].append(1.0 / (above + tied))
        rr, hit = random_expected(len(pool))
        out["rr_random"].append(rr)
        out["hit_random"].append(hit)
    return {k: np.asarray(v) for k, v in out.items()}


def stacked_keys(col: Collection, i: int, pool: np.ndarray, hk: np.ndarray,
                 jitter: np.ndarray) -> np.ndarray:
    """Composer keys with the stacked ranker: its first stage (nearest codes plus phrase slot)
    ordered by the stacker, ties broken at random (``jitter``) as for gbm, the rest of the pool
    after it in hash order."""
    from engine.dshl.stacker import first_stage

    stacker = col.loaded.stacker
    first = first_stage(col, i, pool, stacker.config.pool, stacker.config.slot, hk)
    ck = hk + 1e6
    ck[first] = -stacker.scores(col, i, pool[first]) + jitter[first]
    return ck


def bootstrap_ci(values: np.ndarray, tunes: np.ndarray, draws: int = 1000,
                 seed: int = 0) -> list[float]:
    """95 % interval of the mean of ``values`` when resampling whole tunes."""
    if len(values) == 0:
        return [0.0, 0.0]
    _, inv = np.unique(tunes, return_inverse=True)
    sums = np.bincount(inv, weights=values)
    counts = np.bincount(inv).astype(float)
    idx = np.random.default_rng(seed).integers(0, len(sums), (draws, len(sums)))
    means = sums[idx].sum(1) / counts[idx].sum(1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def summarise(r: dict[str, np.ndarray], tunes: np.ndarray) -> dict:
    """MRR, recall@10 and their intervals per method."""
    return {
        "mrr": {m: round(float(r[f"rr_{m}"].mean()), 4) for m in METHODS},
        "recall_at_10": {m: round(float(r[f"hit_{m}"].mean()), 4) for m in METHODS},
        "ci95": {"mrr": {m: bootstrap_ci(r[f"rr_{m}"], tunes) for m in METHODS},
                 "recall_at_10": {m: bootstrap_ci(r[f"hit_{m}"], tunes) for m in METHODS}},
    }


def junction_interval(col: Collection, tunes: np.ndarray, chains: int,
                      temperature: float | None = None) -> dict:
    """Heard leaps: real (every segment boundary of ``tunes``) and in chains drawn from them."""
    corpus = col.corpus
    edges = leaps.heard_edges(corpus.features)
    allowed = np.isin(corpus.tune, tunes)
    figures = {
        "real": leaps.heard_leaps(edges, leaps.real_pairs(corpus.sequence, corpus.sequence_tune,
                                                          tunes)),
        "min_distance": leaps.heard_leaps(edges, leaps.chain_pairs(col, allowed, "min", chains,
                                                                   temperature=temperature)),
        "max_distance": leaps.heard_leaps(edges, leaps.chain_pairs(col, allowed, "max", chains)),
    }
    out = {k: round(leaps.summary(v)[0], 3) for k, v in figures.items()}
    out["share_le2"] = {k: round(leaps.summary(v)[1], 3) for k, v in figures.items()}
    return out


def calibrate_temperature(col: Collection, plain: Collection, split: Split,
                          chains: int = CALIBRATION_CHAINS,
                          log: Callable[[str], None] = lambda m: None) -> tuple[float, dict]:
    """Pick the sampling temperature whose selection chains leap most like selection tunes
    (with chords and melody-only: relative gap of the mean plus gap of the share ≤ 2)."""
    corpus = col.corpus
    edges = leaps.heard_edges(corpus.features)
    real = leaps.summary(leaps.heard_leaps(edges, leaps.real_pairs(
        corpus.sequence, corpus.sequence_tune, split.selection)))
    allowed = np.isin(corpus.tune, split.selection)
    table, best, best_cost = {}, TEMPERATURES[0], np.inf
    for temp in TEMPERATURES:
        cost = 0.0
        for view in (col, plain):
            mean, share = leaps.summary(leaps.heard_leaps(
                edges, leaps.chain_pairs(view, allowed, "min", chains, temperature=temp)))
            cost += abs(mean - real[0]) / max(real[0], 1e-9) + abs(share - real[1])
        table[str(temp)] = round(cost / 2, 4)
        log(f"temperature {temp}: selection leap cost {cost / 2:.4f}")
        if cost < best_cost:
            best, best_cost = temp, cost
    return best, {"real_selection": [round(real[0], 3), round(real[1], 3)], "cost": table}


def validation_hamming(meta: SegmentMeta, stat: TransitionStat, corpus: Corpus,
                       tunes: np.ndarray, n_pairs: int = 750,
                       seed: int = 0) -> tuple[float, float, int, int]:
    """Mean Hamming distance of test successor pairs and filtered test negatives."""
    rng = np.random.default_rng(seed)
    pool = corpus.subset_tunes(tunes)
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], tunes)]
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


def seen_in_train(corpus: Corpus, split: Split, tunes: np.ndarray) -> float:
    """Share of ``tunes``' segments whose melody occurs verbatim in a training tune."""
    from engine.dshl.splits import melody_signatures

    sigs = melody_signatures(corpus.features, corpus.tune, len(corpus.tunes))
    train = set().union(*(sigs[t] for t in split.train)) if len(split.train) else set()
    mine = [s for t in tunes for s in sigs[t]]
    return float(np.mean([s in train for s in mine])) if mine else 0.0


def evaluate(col: Collection, split: Split | None = None, rerank_pool: int = 200,
             chains: int = 100, seed: int = 0, log: Callable[[str], None] = lambda m: None) -> dict:
    """The ranking and junction figures of ``segue eval dshl`` for the collection ``col`` of one
    meter family (its ``style`` section: :func:`engine.dshl.eval_run.style_section`)."""
    corpus, meta, stat = col.corpus, col.meta, col.loaded.stat
    split = split or split_of(col)
    test = heldout_tunes(split)
    group = meter_groups(corpus)
    plain = melody_only(col)
    sel_junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.selection)]
    train_junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.train)]
    log("fitting gbm on training junctions, choosing its settings on selection")
    gbm = fit_gbm(meta, train_junc, corpus.subset_tunes(split.train), sel_junc,
                  corpus.subset_tunes(split.selection), group, corpus.tune, seed,
                  melody_meta=plain.meta)
    ham_pos, ham_neg, n_pos, n_neg = validation_hamming(meta, stat, corpus, test, 750, seed)
    pool = corpus.subset_tunes(test)
    junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], test)]
    qtune = corpus.tune[junc[:, 0]]
    log(f"ranking {len(junc)} test junctions")
    ranks = rank_junctions(col, gbm, junc, pool, group, rerank_pool, seed)
    plain_ranks = rank_junctions(plain, gbm, junc, pool, group, rerank_pool, seed)
    main, other = summarise(ranks, qtune), summarise(plain_ranks, qtune)
    log("composing chains from test tunes")
    by_meter = {}
    for name in sorted({corpus.meters[t] for t in test}):
        rows = np.asarray([corpus.meters[t] == name for t in qtune], dtype=bool)
        part = summarise({k: v[rows] for k, v in ranks.items()}, qtune[rows])
        by_meter[name] = {"tunes": int(sum(corpus.meters[t] == name for t in test)),
                          "junctions": int(rows.sum()), "mrr": part["mrr"],
                          "recall_at_10": part["recall_at_10"], "ci95_mrr": part["ci95"]["mrr"]}
    cfg = col.loaded.model.config
    figures = {
        "segments": int(len(corpus)), "tunes": int(len(corpus.tunes)), "L": cfg.L, "K": cfg.K,
        "mean_hamming_pos": round(ham_pos, 4), "mean_hamming_neg": round(ham_neg, 4),
        "hamming_gap": round(ham_neg - ham_pos, 4),
        "validation_pairs": {"positive": n_pos, "negative": n_neg},
        "heldout": {"tunes": int(len(test)), "segments": int(len(pool)), "junctions": int(len(junc))},
        "recall_at_10": main["recall_at_10"], "mrr": main["mrr"], "ci95": main["ci95"],
        "transition_stat_tie_bounds_mrr": {
            "optimistic": round(float(ranks["stat_optimistic"].mean()), 4),
            "pessimistic": round(float(ranks["stat_pessimistic"].mean()), 4)},
        "rerank_pool": rerank_pool if col.loaded.stacker is None else col.loaded.stacker.config.pool,
        "second_stage": "neural" if col.loaded.stacker is None else "stacker",
        "code_usage": code_usage(meta),
        "junction_interval": junction_interval(col, test, chains),
        "melody_only": {"mrr": other["mrr"], "recall_at_10": other["recall_at_10"],
                        "ci95": other["ci95"], "junction_interval": junction_interval(plain, test, chains)},
        "splits": {"train": int(len(split.train)), "selection": int(len(split.selection)),
                   "test": int(len(test))},
        "duplicate_groups": len(split.groups),
        "test_segments_seen_in_train": round(seen_in_train(corpus, split, test), 4),
        "temperature": col.loaded.temperature,
        "gbm": {"params": gbm.params, "selection_mrr": gbm.selection_mrr},
        "by_meter": by_meter,
    }
    return figures


def calibrate(path: str | Path, log: Callable[[str], None] = lambda m: None,
              chains: int = CALIBRATION_CHAINS) -> dict:
    """Choose a saved model's sampling temperature on its selection split and write it into the
    checkpoint (atomic); return the calibration table."""
    from engine.checkpoint import load_checkpoint, save_checkpoint
    from engine.dshl import store
    from engine.dshl.model import FORMAT_VERSION, KIND
    from engine.dshl.threads import single_threaded

    path = Path(path)
    store.clear_cache()
    col = store.model_collection(path)
    loaded = col.loaded
    with single_threaded():
        temp, calibration = calibrate_temperature(col, melody_only(col), split_of(col), chains,
                                                  log=log)
    if loaded.stacker is not None:  # the stacker's scores are sampled: its own temperature
        from engine.dshl import stacker as stacked

        spath = path.parent / stacked.STACKER_FILE
        ckpt = load_checkpoint(spath, stacked.KIND, stacked.FORMAT_VERSION)
        ckpt.config["temperature"] = temp
        ckpt.extra["calibration"] = calibration
        save_checkpoint(spath, ckpt)
        store.clear_cache()
        return {"temperature": temp, **calibration}
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    ckpt.config.setdefault("compose", {})["temperature"] = temp
    ckpt.extra["calibration"] = calibration
    save_checkpoint(path, ckpt)
    store.clear_cache()
    return {"temperature": temp, **calibration}


def record_metrics(path: str | Path, metrics: dict) -> None:
    """Store ``metrics`` in the checkpoint at ``path`` (atomic)."""
    from engine.checkpoint import load_checkpoint, save_checkpoint
    from engine.dshl.model import FORMAT_VERSION, KIND

    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    ckpt.metrics = metrics
    save_checkpoint(path, ckpt)


def calibrate_and_evaluate(path: str | Path, chains: int = 100,
                           log: Callable[[str], None] = lambda m: None) -> dict:
    """Calibrate a saved model on selection, evaluate it on test, store the metrics."""
    from engine.dshl import store
    from engine.dshl.threads import single_threaded

    calibration = calibrate(path, log)
    col = store.model_collection(path)
    with single_threaded():
        metrics = evaluate(col, None, int(col.loaded.config["train"].get("rerank_pool", 200)), chains,
                           log=log)
    metrics["calibration"] = calibration
    record_metrics(path, metrics)
    store.clear_cache()
    return metrics
