"""Shared test set-up: Qt offscreen, a temporary SEGUE_HOME per test, and the JACK marker."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("JACK_NO_START_SERVER", "1")
os.environ.setdefault("JACK_NO_AUDIO_RESERVATION", "1")

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def segue_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test its own empty SEGUE_HOME (DB, models, logs, settings)."""
    home = tmp_path / "segue-home"
    monkeypatch.setenv("SEGUE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train a tiny DSHL model on tests/data/dshl once per session (seconds); return its folder."""
    import torch

    from engine.dshl.corpus import load_grids, music_files
    from engine.dshl.train import TrainConfig, prepare, save_trained, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models train fastest on one thread
    try:
        grids, skipped = load_grids(music_files(TEST_DATA / "dshl"), major_only=True,
                                    family="duple")
        corpus, split = prepare(grids, skipped, seed=0, test=0.2, selection=0.2)
        config = TrainConfig(hidden=16, pre_epochs=1, hash_epochs=2, rerank_epochs=1, batch=64,
                             selection_queries=20)
        trained, corpus = train(config, corpus, split, log=lambda message: None)
        out = tmp_path_factory.mktemp("tiny-dshl")
        save_trained(trained, corpus, out, {"note": "tiny test model"})
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture
def tiny_model(tiny_model_dir: Path, segue_home: Path) -> Iterator[Path]:
    """Install the tiny DSHL model as the user's trained model in this test's SEGUE_HOME."""
    from engine.dshl import store

    target = segue_home / "models" / "dshl"
    target.mkdir(parents=True)
    for item in tiny_model_dir.iterdir():
        shutil.copy(item, target / item.name)
    store.clear_cache()
    yield target
    store.clear_cache()


def jack_running() -> bool:
    """Tell whether a JACK server is up (``make test`` starts one with the dummy driver)."""
    try:
        return subprocess.run(["jack_lsp"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip JACK-marked tests, with the reason, when no JACK server runs."""
    if any(item.get_closest_marker("jack") for item in items) and not jack_running():
        skip = pytest.mark.skip(reason="no JACK server: run the suite through 'make test'")
        for item in items:
            if item.get_closest_marker("jack"):
                item.add_marker(skip)
