"""`segue playlist --seed` takes an id, a path, a title or "artist - title"; ambiguity lists matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.library.service import scan
from engine.library.storage import models as m
from engine.library.storage.db import Library


def test_seed_by_title_or_artist_title(music: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan(music, workers=1)
    with Library() as library, library.transaction() as session:
        by_name = {Path(t.path).name: t for t in session.scalars(select(m.Track))}
        by_name["vibeace.ogg"].title, by_name["vibeace.ogg"].artist = "Vibe Ace", "Kevin MacLeod"
        by_name["trumpet.ogg"].title, by_name["trumpet.ogg"].artist = "Vibe Ace", "Sorohan"
        vibe_id = by_name["vibeace.ogg"].id
    capsys.readouterr()
    for seed in ("Kevin MacLeod - Vibe Ace", "kevin macleod – vibe ace", str(vibe_id)):
        code = main(["playlist", "--seed", seed, "--length", "1", "--include-seeds", "--json"])
        assert code == 0
        tracks = json.loads(capsys.readouterr().out)["tracks"]
        assert tracks[0]["id"] == vibe_id, seed

    assert main(["playlist", "--seed", "Vibe Ace", "--length", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'Vibe Ace' matches 2 tracks" in err
    assert "Kevin MacLeod – Vibe Ace" in err and "Sorohan – Vibe Ace" in err
    assert main(["playlist", "--seed", "no such song", "--length", "1"]) == 2
    assert "no analysed track matches 'no such song'" in capsys.readouterr().err
