"""Non-music is flagged at analysis time and kept out of playlists; the same audio under two tags
is never twice in one playlist (acoustic fingerprints), even with duplicates allowed."""

from __future__ import annotations

import shutil
from pathlib import Path

import mutagen
from sqlalchemy import select

from engine.library.analysis.fingerprint import bit_error_rate
from engine.library.analysis.nonmusic import THRESHOLD
from engine.library.playlists.build import PlaylistRules
from engine.library.service import make_playlist, scan
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS


def retag(path: Path, title: str, artist: str) -> None:
    audio = mutagen.File(path, easy=True)
    audio["title"], audio["artist"] = title, artist
    audio.save()


def test_speech_flagged_and_duplicates_kept_out(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("198-209-0000.ogg", "glacier-bay-humpback.ogg", "trumpet.ogg", "vibeace.ogg"):
        shutil.copyfile(CLIPS / name, folder / name)
    shutil.copyfile(CLIPS / "vibeace.ogg", folder / "bonus track 7.ogg")  # same audio,
    retag(folder / "bonus track 7.ogg", "Untitled Bonus", "Various Artists")  # other tags
    retag(folder / "vibeace.ogg", "Vibe Ace", "Kevin MacLeod")
    scan(folder, workers=1)
    with Library() as library, library.transaction() as session:
        tracks = {Path(t.path).name: t for t in session.scalars(select(m.Track))}
    assert tracks["198-209-0000.ogg"].music_score < THRESHOLD  # LibriSpeech: speech
    assert tracks["glacier-bay-humpback.ogg"].music_score < THRESHOLD  # field recording
    assert tracks["trumpet.ogg"].music_score >= THRESHOLD
    assert tracks["vibeace.ogg"].music_score >= THRESHOLD
    vibe, bonus = tracks["vibeace.ogg"], tracks["bonus track 7.ogg"]
    assert vibe.fingerprint and bit_error_rate(vibe.fingerprint, bonus.fingerprint) < 0.05
    assert bit_error_rate(vibe.fingerprint, tracks["trumpet.ogg"].fingerprint) > 0.3

    rules = PlaylistRules(length=10, include_seeds=True)
    names = [Path(i.path).name for i in make_playlist(["trumpet.ogg"], rules).items]
    assert "198-209-0000.ogg" not in names and "glacier-bay-humpback.ogg" not in names
    assert sum(n in ("vibeace.ogg", "bonus track 7.ogg") for n in names) == 1
    assert names[0] == "trumpet.ogg" and len(names) == 2

    rules = PlaylistRules(length=10, include_non_music=True)
    names = [Path(i.path).name for i in make_playlist(["trumpet.ogg"], rules).items]
    assert {"198-209-0000.ogg", "glacier-bay-humpback.ogg"} <= set(names)
    assert sum(n in ("vibeace.ogg", "bonus track 7.ogg") for n in names) == 1
    rules = PlaylistRules(length=10, dedupe_songs=False)  # other recordings of a song: yes;
    names = [Path(i.path).name for i in make_playlist(["trumpet.ogg"], rules).items]
    assert sum(n in ("vibeace.ogg", "bonus track 7.ogg") for n in names) == 1  # the same: never
