"""Playlist rules, each on a small synthetic catalogue where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from engine.library.playlists.build import PlaylistRules, build_path, build_playlist, normalise
from engine.library.playlists.catalogue import Catalogue


def catalogue(rows: list[tuple[float, str, str, str, float, float]]) -> Catalogue:
    """Rows of (x, artist, album, title, duration, tempo); the embedding is 1-D at x."""
    return Catalogue(
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        vectors=np.asarray([[r[0], 0.0] for r in rows], dtype=np.float32),
        paths=[f"/music/{i}.ogg" for i in range(1, len(rows) + 1)],
        titles=[r[3] for r in rows],
        artists=[r[1] for r in rows],
        albums=[r[2] for r in rows],
        genres=["" for _ in rows],
        durations=np.asarray([r[4] for r in rows], dtype=np.float32),
        tempos=np.asarray([r[5] for r in rows], dtype=np.float32),
    )


LINE = catalogue([(float(i), f"artist {i % 3}", f"album {i % 4}", f"song {i}", 200.0, 100.0 + i)
                  for i in range(20)])


def ids(items) -> list[int]:  # noqa: ANN001
    return [item.id for item in items]


def test_nearest_first_seed_excluded_by_default() -> None:
    items = build_playlist(LINE, [1], PlaylistRules(length=4, dedupe_songs=False))
    assert ids(items) == [2, 3, 4, 5]
    assert [item.distance for item in items] == pytest.approx([1, 2, 3, 4])


def test_seeds_by_path_and_included_on_request() -> None:
    items = build_playlist(LINE, ["/music/10.ogg"], PlaylistRules(length=3, include_seeds=True))
    assert ids(items)[0] == 10 and len(items) == 3
    assert set(ids(items)[1:]) == {9, 11}


def test_several_seeds_use_the_closest_seed() -> None:
    items = build_playlist(LINE, [1, 20], PlaylistRules(length=4))
    assert set(ids(items)) == {2, 3, 19, 18}


BLOCKS = catalogue([(float(i), f"artist {i // 3}", f"album {i // 2}", f"song {i}", 200.0, 100.0)
                    for i in range(30)])


def test_no_repeat_artist_within_n() -> None:
    unrestricted = build_playlist(BLOCKS, [1], PlaylistRules(length=6))
    assert ids(unrestricted) == [2, 3, 4, 5, 6, 7]  # neighbours share artists in blocks of 3
    items = build_playlist(BLOCKS, [1], PlaylistRules(length=6, no_repeat_artist=2))
    artists = [BLOCKS.artists[BLOCKS.row_of[i]] for i in ids(items)]
    assert len(items) == 6
    for i in range(len(artists)):
        assert artists[i] not in artists[max(0, i - 2):i]


def test_no_repeat_album_within_n() -> None:
    items = build_playlist(BLOCKS, [1], PlaylistRules(length=5, no_repeat_album=3))
    albums = [BLOCKS.albums[BLOCKS.row_of[i]] for i in ids(items)]
    assert len(items) == 5
    for i in range(len(albums)):
        assert albums[i] not in albums[max(0, i - 3):i]


def test_same_song_on_two_albums_is_kept_once() -> None:
    cat = catalogue([
        (0.0, "Band", "LP", "Seed", 180, 100),
        (1.0, "Band", "Single", "Hit Song", 200, 100),
        (1.1, "Band", "Best Of", "Hit Song (Remastered 2011)", 201, 100),
        (1.2, "Band", "Live", "Hit Song", 320, 100),  # a live take: different duration, kept
        (2.0, "Other", "X", "Other Song", 190, 100),
    ])
    items = build_playlist(cat, [1], PlaylistRules(length=3))
    assert ids(items) == [2, 4, 5]
    assert ids(build_playlist(cat, [1], PlaylistRules(length=3, dedupe_songs=False))) == [2, 3, 4]


def test_max_tempo_jump_between_consecutive_tracks() -> None:
    cat = catalogue([(0.0, "a", "", "s", 100, 100), (1.0, "b", "", "t", 100, 160),
                     (2.0, "c", "", "u", 100, 108), (3.0, "d", "", "v", 100, 115)])
    items = build_playlist(cat, [1], PlaylistRules(length=3, max_tempo_jump=10))
    assert ids(items) == [3, 4]
    tempos = [100.0] + [float(cat.tempos[cat.row_of[i]]) for i in ids(items)]
    assert all(abs(a - b) <= 10 for a, b in zip(tempos, tempos[1:], strict=False))


def test_by_total_duration() -> None:
    items = build_playlist(LINE, [1], PlaylistRules(length=None, max_duration=1000.0))
    assert len(items) == 5
    assert sum(item.duration for item in items) <= 1000.0


def test_path_walks_from_one_track_to_the_other() -> None:
    items = build_path(LINE, 1, 20, PlaylistRules(length=5))
    assert ids(items)[0] == 1 and ids(items)[-1] == 20 and len(items) == 5
    xs = [float(LINE.vectors[LINE.row_of[i]][0]) for i in ids(items)]
    assert xs == sorted(xs)


def test_unknown_seed_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        build_playlist(LINE, ["/nowhere.ogg"])


def test_normalise_titles() -> None:
    assert normalise("Café del Mar (Remastered 2011)") == normalise("cafe del mar")
    assert normalise("Song - Live at Wembley") == "song"
    assert normalise("Song feat. Someone") == "song"
