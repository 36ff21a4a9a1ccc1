"""Splits a skeptic trusts: near-duplicates on one side, statistics from training tunes only,
a deterministic gbm baseline, and chord dropout."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from engine.dshl.corpus import load_grids, music_files
from engine.dshl.splits import duplicate_groups, split_tunes, title_stem
from engine.dshl.train import chord_dropout, prepare, training_statistic, without_chords
from engine.music.segments import CHORD0
from tests.engine.dshl.conftest import DATA


def _features(tunes: list[list[int]], steps: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """One-segment-per-value toy features: equal values give equal melody windows."""
    feats, tune = [], []
    for t, values in enumerate(tunes):
        for v in values:
            seg = np.zeros((steps, 29), dtype=np.uint8)
            seg[:, 5 + v % 12] = 1
            seg[:, 1 + (v // 12) % 4] = 1
            seg[0, 0] = v // 48 % 2
            seg[1, 0] = v // 96 % 2
            seg[2, 0] = v // 192 % 2
            seg[0, CHORD0 + t % 12] = 1  # chords differ: grouping looks at melody only
            feats.append(seg)
            tune.append(t)
    return np.stack(feats), np.asarray(tune)


def test_near_duplicates_are_grouped_and_kept_on_one_side() -> None:
    base = list(range(0, 10))
    tunes = [base, base[:3] + list(range(100, 107)),  # 3 of 10 shared: a near-duplicate
             list(range(200, 210)), base[:2] + list(range(300, 308)),  # 2 of 10: not one
             list(range(320, 330)), list(range(340, 350))]
    names = ["a", "b", "c", "d", "x-1 The Kesh Jig", "x-2 Kesh Jig (2)"]
    feats, tune = _features(tunes)
    groups = duplicate_groups(feats, tune, names)
    assert groups == [[0, 1], [4, 5]]  # shared segments; the same title stem
    for seed in range(20):
        split = split_tunes(feats, tune, names, seed, test=0.2, selection=0.2)
        sides = [set(split.train), set(split.selection), set(split.test)]
        assert sorted(t for s in sides for t in s) == list(range(6))
        for group in groups:
            assert sum(bool(set(group) & s) for s in sides) == 1


def test_title_stem() -> None:
    assert title_stem("f-3 The Kesh Jig (2)") == "kesh jig" == title_stem("g-9 Kesh Jig")
    assert title_stem("reelsa-c12") is None


def test_statistics_never_see_test_tunes() -> None:
    """Change only the test tunes' chords: vocabulary and statistic must not move."""
    grids, skipped = load_grids(music_files(DATA), major_only=True, family="duple")
    corpus, split = prepare(grids, skipped, seed=0, test=0.3, selection=0.2)
    stat, _ = training_statistic(corpus, split)
    test_names = {corpus.tunes[t] for t in split.test}
    assert test_names
    altered = [dataclasses.replace(g, chords=["F#7"] * len(g.chords)) if g.name in test_names
               else g for g in grids]
    corpus2, split2 = prepare(altered, skipped, seed=0, test=0.3, selection=0.2)
    assert np.array_equal(split2.test, split.test)
    assert corpus2.vocab == corpus.vocab and "F#7" not in corpus2.vocab
    stat2, _ = training_statistic(corpus2, split2)
    assert np.array_equal(stat.chord, stat2.chord) and np.array_equal(stat.pitch, stat2.pitch)
    # the check can fail: had the vocabulary been learnt from every tune, F#7 would be in it
    from engine.music.segments import chord_vocabulary

    assert "F#7" in chord_vocabulary(altered)


def test_chord_dropout() -> None:
    feats = np.ones((5, 16, 29), dtype=np.uint8)
    x, x0 = torch.from_numpy(feats), torch.from_numpy(without_chords(feats))
    assert x0[..., CHORD0:].sum() == 0 and torch.equal(x0[..., :CHORD0], x[..., :CHORD0])
    rows = np.array([0, 2, 4])
    out = chord_dropout(x, x0, rows, np.array([True, False, True]))
    assert out[0, :, CHORD0:].sum() == 0 and out[2, :, CHORD0:].sum() == 0
    assert out[1, :, CHORD0:].sum() == 16 * (29 - CHORD0)


def test_gbm_is_deterministic_with_a_seed(tiny_model) -> None:
    from engine.dshl import store
    from engine.dshl.baselines import fit_gbm
    from engine.dshl.evaluate import meter_groups, split_of

    col = store.load_collection()
    corpus, split = col.corpus, split_of(col)
    group = meter_groups(corpus)
    side = lambda tunes: corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], tunes)]  # noqa: E731
    grid = ({"learning_rate": 0.1, "max_leaf_nodes": 15, "max_iter": 30},
            {"learning_rate": 0.3, "max_leaf_nodes": 7, "max_iter": 20})
    fits = [fit_gbm(col.meta, side(split.train), corpus.subset_tunes(split.train),
                    side(split.selection), corpus.subset_tunes(split.selection), group,
                    corpus.tune, seed=3, selection_queries=30, grid=grid) for _ in range(2)]
    pool = corpus.subset_tunes(split.test)
    a, b = (f.scores(col.meta, int(pool[0]), pool) for f in fits)
    assert np.array_equal(a, b) and fits[0].params == fits[1].params
    assert fits[0].selection_mrr == fits[1].selection_mrr and len(fits[0].selection_mrr) == 2


def test_fast_scorer_matches_the_reranker(tiny_model) -> None:
    from engine.dshl import store
    from engine.dshl.reranker import pair_features

    col = store.load_collection()
    i = np.full(50, 3)
    j = np.arange(50) % len(col.corpus)
    slow = col.scorer(col.u[i], col.v[j], pair_features(col.meta, col.loaded.stat, i, j))
    fast = col.scorer.score_pairs(col.meta, col.loaded.stat, col.u, col.v, i, j)
    assert np.allclose(slow, fast, atol=1e-4)
    feats = torch.from_numpy(pair_features(col.meta, col.loaded.stat, i, j))
    with torch.no_grad():
        torch_scores = col.loaded.reranker(torch.from_numpy(col.u[i]), torch.from_numpy(col.v[j]),
                                           feats).numpy()
    assert np.allclose(torch_scores, fast, atol=1e-4)
