"""`engine.library.service.derive_tags`: the stable entry point the Commentary room uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import UserFacingError
from engine.library.analysis.describe import estimate_key
from engine.library.service import derive_tags, scan

from .conftest import CLIPS

EVIDENCE = {"tempo_bpm", "loudness_db", "loudness_range_db", "pulse_clarity", "chroma_stability",
            "duration_s", "key", "key_strength"}


def test_a_library_track_and_a_file_outside_it(segue_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copyfile(CLIPS / "vibeace.ogg", folder / "vibeace.ogg")
    scan(folder, workers=1)
    stored = derive_tags(folder / "vibeace.ogg")
    assert stored["source"] == "library" and stored["track_id"] == 1
    assert stored["model"] == "MSD_musicnn" and len(stored["tags"]) == 50
    assert all(0.0 <= p <= 1.0 for p in stored["tags"].values())
    assert set(stored["shown"]) <= set(stored["tags"]) and stored["kind"] == "music"
    assert set(stored["evidence"]) == EVIDENCE and stored["evidence"]["tempo_bpm"] > 0
    assert derive_tags("1")["track_id"] == 1  # by id too

    heard = derive_tags(CLIPS / "trumpet.ogg")  # not in the library: heard now
    assert heard["source"] == "heard now" and heard["track_id"] is None
    assert len(heard["tags"]) == 50 and heard["kind"] in ("music", "speech", "other")
    assert set(heard["evidence"]) == EVIDENCE
    assert 0.0 <= heard["music_probability"] <= 1.0
    with pytest.raises(UserFacingError, match="not a file"):
        derive_tags(tmp_path / "missing.ogg")


def test_key_profiles_find_a_triad() -> None:
    chroma = [0.0] * 12
    for pitch in (2, 6, 9):  # D, F#, A
        chroma[pitch] = 1.0
    assert estimate_key(chroma)[0] == "D major"
    chroma = [0.0] * 12
    for pitch in (9, 0, 4):  # A, C, E
        chroma[pitch] = 1.0
    assert estimate_key(chroma)[0] == "A minor"
