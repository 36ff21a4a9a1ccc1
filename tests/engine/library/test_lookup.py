"""Seeds found with SQL in a real library file: paths, ends of paths, titles folded as
``str.casefold`` folds them (even where SQLite's LIKE would not), ambiguity, copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.library.playlists.catalogue import load_catalogue
from engine.library.playlists.lookup import find_seed
from engine.library.storage import models as m
from engine.library.storage.db import Library

TITLES = [("Kevin MacLeod", "Vibe Ace"), ("Die Ärzte", "Straße"), ("Band", "Two  Spaces"),
          ("Other", "Vibe Ace (Live)"), ("", "100% _wild_"), ("Artist", "Ünïcode Song")]


@pytest.fixture
def catalogue(library: Library):  # noqa: ANN201
    rng = np.random.default_rng(0)
    with library.transaction() as session:
        for i, (artist, title) in enumerate(TITLES, 1):
            session.add(m.Track(id=i, path=f"/music/{i} {title}.ogg", status=m.ANALYSED,
                                title=title, artist=artist, duration=100.0, kind="music"))
        session.flush()
        for i in range(1, len(TITLES) + 1):
            session.add(m.Embedding(track_id=i, model="t",
                                    vector=rng.normal(size=4).astype(np.float32).tobytes()))
    return load_catalogue(library, use_cache=False, embedding="features")


def test_paths_titles_and_folding(catalogue) -> None:  # noqa: ANN001
    def track(seed: str) -> int:
        return int(catalogue.ids[find_seed(catalogue, seed)])

    assert track("/music/1 Vibe Ace.ogg") == 1
    assert track("2 Straße.ogg") == 2  # a unique end of a path
    assert track("kevin macleod - vibe ace") == 1  # exact "artist - title" before parts
    assert track("STRASSE") == 2  # casefold: ß is ss (LIKE alone would miss it)
    assert track("die ärzte - straße") == 2
    assert track("two spaces") == 3  # runs of spaces fold to one
    assert track("100% _wild_") == 5  # LIKE's wildcards are literal here
    assert track("ünïcode") == 6
    assert track("3") == 3  # an id
    with pytest.raises(LookupError, match="matches 2 tracks"):
        find_seed(catalogue, "vibe")  # Vibe Ace and Vibe Ace (Live)
    with pytest.raises(LookupError, match="no analysed track"):
        find_seed(catalogue, "nothing like this")


def test_a_copy_and_its_original_are_one_match(library: Library, catalogue) -> None:  # noqa: ANN001
    with library.transaction() as session:
        session.get(m.Track, 4).same_as = 1  # "Vibe Ace (Live)" is the same audio as track 1
    fresh = load_catalogue(library, use_cache=False, embedding="features")
    assert int(fresh.ids[find_seed(fresh, "vibe")]) == 1
    assert Path(fresh.paths[find_seed(fresh, "vibe")]).name == "1 Vibe Ace.ogg"
