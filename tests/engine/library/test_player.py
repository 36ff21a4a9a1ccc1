"""The library's play queue player: pause keeps the position, resume starts there (engine side)."""

from __future__ import annotations

import time
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engine.library import player
from tests.engine.library.fake_audio import SlowStream


@pytest.fixture
def clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    device = types.SimpleNamespace(
        query_devices=lambda kind="output": {"max_output_channels": 2, "default_samplerate": 22050},
        OutputStream=SlowStream)
    monkeypatch.setattr("engine.library.player._sounddevice", lambda: device)
    path = tmp_path / "tone.wav"
    sf.write(path, 0.1 * np.sin(np.arange(22050 * 20) * 0.05).astype(np.float32), 22050)
    yield path
    player.stop()


def test_resume_right_behind_pause_starts_where_it_paused(clip: Path) -> None:
    player.play(clip)
    deadline = time.monotonic() + 10
    while player.status().position < 0.3 and time.monotonic() < deadline:
        time.sleep(0.01)
    paused = player.pause()
    assert paused.state == player.PAUSED and paused.position >= 0.3
    player.resume(clip)  # no position passed: the engine remembers it
    resumed = player.status()
    assert resumed.state == player.PLAYING and resumed.position >= paused.position


def test_resume_of_another_track_starts_from_the_top(clip: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.wav"
    sf.write(other, np.zeros(22050 * 5, dtype=np.float32), 22050)
    player.play(clip)
    time.sleep(0.2)
    player.pause()
    player.resume(other)
    assert player.status().path == str(other) and player.status().position < 0.3
