"""The stacked second stage: tree export, fitting on a tiny set, weights-only checkpoint, composing."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from engine.dshl.stacker import StackerConfig, TreeEnsemble

SMALL_GRID = ({"learning_rate": 0.2, "max_leaf_nodes": 7, "max_iter": 20},)


def test_exported_trees_predict_like_sklearn() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 6))
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values take the learnt side
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 3]) ** 2 > 0.3).astype(float)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0,
                                           early_stopping=False).fit(x, y)
    trees = TreeEnsemble.from_sklearn(model)
    probe = rng.normal(size=(300, 6))
    probe[rng.random(probe.shape) < 0.1] = np.nan
    assert np.allclose(trees.predict(probe), model.decision_function(probe), atol=1e-9)
    assert np.allclose(trees.predict_numpy(probe), model.decision_function(probe), atol=1e-9)
    assert trees._compiled()  # the compiled walk was used, not only the numpy reference


def _tiny_stacker(col):
    """Fit a stacker on the tiny collection (train + selection tunes as its fitting set)."""
    from engine.dshl.evaluate import melody_only, meter_groups, split_of
    from engine.dshl.stack_fit import fit_stacker

    split = split_of(col)
    fitting = types.SimpleNamespace(selection=np.concatenate([split.train, split.selection]),
                                    train=split.train)
    stacker = fit_stacker(col, melody_only(col), fitting, meter_groups(col.corpus),
                          StackerConfig(negatives=8, folds=2), grid=SMALL_GRID, sizes=(20,),
                          eval_queries=60)
    return stacker, fitting.selection


def test_stacker_ranks_successors_above_chance_and_round_trips(tiny_model: Path,
                                                                tmp_path: Path) -> None:
    import torch

    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.baselines import random_expected
    from engine.dshl.stacker import load_stacker

    col = store.load_collection()
    stacker, fitting = _tiny_stacker(col)
    oof = stacker.selection["oof_mrr"]["0/20"]  # out-of-fold: tunes the trees never saw
    pool = len(col.corpus.subset_tunes(fitting))  # every pool is at most this large
    assert min(oof) > 2 * random_expected(pool)[0]
    assert stacker.config.pool == 20 and stacker.selection["rows"] > 0

    path = tmp_path / "stacker.pt"
    stacker.save(path, {"note": "tiny"})
    payload = torch.load(path, weights_only=True)  # plain tensors and dicts only
    assert payload["segue_kind"] == "dshl_stacker"
    back = load_stacker(path)
    ids = np.arange(min(30, len(col.corpus)))
    assert np.allclose(back.scores(col, 0, ids), stacker.scores(col, 0, ids))
    assert back.base is not None and np.array_equal(back.base.value, stacker.base.value)
    assert back.config == stacker.config

    payload["config"]["features"] = ["something", "else"]
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="stacker.pt"):
        load_stacker(path)


def test_composer_ranks_with_a_fitted_stacker(tiny_model: Path) -> None:
    from engine.dshl import api, store
    from engine.dshl.composer import ranked_successors
    from engine.dshl.stack_fit import fit_and_save

    path = tiny_model / store.MODEL_FILE
    kept, selection = fit_and_save(path, grid=SMALL_GRID, sizes=(20,), eval_queries=30,
                                   config=StackerConfig(negatives=6, folds=2))
    # the neural re-ranker alone was scored on the same selection queries, and decides
    assert set(selection["neural_mrr"]) == {"20"} and isinstance(selection["neural_wins"], bool)
    assert (kept is None) == selection["neural_wins"]
    assert kept is not None or not (path.parent / "stacker.pt").exists()
    out, _ = fit_and_save(path, require_win=False, grid=SMALL_GRID, sizes=(20,),
                          eval_queries=30, config=StackerConfig(negatives=6, folds=2))
    assert out is not None and out.is_file()
    col = store.load_collection()
    stacker = col.loaded.stacker
    assert stacker is not None and stacker.model_created == col.loaded.created
    ids, _, scores = ranked_successors(col, 0)
    assert len(ids) > 0 and np.all(np.diff(scores) <= 1e-12)  # best first
    assert np.allclose(scores, stacker.scores(col, 0, ids))
    chain = api.compose(api.ComposeRequest(segments=6, seed=3))
    assert len(chain.items) == 6 and all(0 <= it.fit <= 100 for it in chain.items[1:])


def test_the_stacker_must_win_beyond_tune_noise() -> None:
    from engine.dshl.stack_fit import paired_interval

    tunes = np.repeat(np.arange(20), 15)
    rng = np.random.default_rng(1)
    low, high = paired_interval(0.05 + rng.normal(0, 0.05, len(tunes)), tunes)
    assert 0.02 < low < high < 0.08
    per_tune = rng.normal(0, 0.1, 20)[tunes]  # a tune effect: the queries of a tune move together
    low, high = paired_interval(0.005 + per_tune, tunes)
    assert low < 0 < high
