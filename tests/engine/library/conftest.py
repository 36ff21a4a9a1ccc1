"""Fixtures of the library tests: real clips copied to a temp folder, an open library."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.library.storage.db import Library

CLIPS = Path(__file__).resolve().parents[2] / "data" / "library"
AUDIO = ("robin.ogg", "trumpet.ogg", "speech.flac", "vibeace.ogg")


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """A folder with the four real test clips (one inside a sub-folder with an odd name)."""
    folder = tmp_path / "music"
    odd = folder / "Sub folder é 'q'"
    odd.mkdir(parents=True)
    for name in AUDIO[:3]:
        shutil.copyfile(CLIPS / name, folder / name)
    shutil.copyfile(CLIPS / AUDIO[3], odd / AUDIO[3])
    return folder


@pytest.fixture
def library(segue_home: Path) -> Iterator[Library]:
    """An empty library in the test's SEGUE_HOME."""
    lib = Library()
    yield lib
    lib.close()
