"""A tiny trained DSHL world for the dshl tests: 7 real tunes, a 16-unit model, seconds to build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "dshl"


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    """Tiny models train fastest on one thread, and the machine is shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train a tiny model on the test tunes once per session; return its folder."""
    from engine.dshl.corpus import build_corpus, load_grids, music_files
    from engine.dshl.train import TrainConfig, save_trained, train

    grids, skipped = load_grids(music_files(DATA), major_only=True)
    corpus = build_corpus(grids, skipped=skipped)
    config = TrainConfig(hidden=16, pre_epochs=1, hash_epochs=2, rerank_epochs=1,
                         holdout_segments=40, batch=64)
    trained, corpus = train(config, corpus, log=lambda message: None)
    out = tmp_path_factory.mktemp("tiny-dshl")
    save_trained(trained, corpus, out, {"note": "tiny test model"})
    return out


@pytest.fixture
def tiny_model(tiny_model_dir: Path, segue_home: Path) -> Path:
    """Install the tiny model as the user's trained model in this test's SEGUE_HOME."""
    from engine.dshl import store

    target = segue_home / "models" / "dshl"
    target.mkdir(parents=True)
    for item in tiny_model_dir.iterdir():
        shutil.copy(item, target / item.name)
    store.clear_cache()
    yield target
    store.clear_cache()
