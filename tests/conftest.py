"""Shared test set-up: Qt offscreen, a temporary SEGUE_HOME per test, and the JACK marker."""

from __future__ import annotations

import os
import subprocess
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
