"""Train / selection / test splits: seeded, by song, duplicated songs and stanzas on one side."""

from __future__ import annotations

import pytest

from engine.lyrics.corpus import CorpusError
from engine.lyrics.splits import duplicate_groups, split_writer
from engine.lyrics.writer_splits import bundled_splits

STANZA = ("The morning sun is on the hill\nAnd all the meadow lies so still\n"
          "The river runs beneath the mill\nAnd we shall wander where we will")


WORDS = "rose thorn lark wren oak ash elm yew fern moss reed dove crow hawk swan owl".split()


def _songs(n: int) -> list[str]:
    return [f"The {WORDS[i % 16]} and the {WORDS[i // 16]} begin\nand end on a line of their own"
            for i in range(n)]


def test_duplicates_and_shared_stanzas_are_grouped() -> None:
    songs = _songs(6) + [STANZA, "An opening line of mine\n" + STANZA, _songs(1)[0]]
    groups = duplicate_groups(songs)
    together = {frozenset(g) for g in groups}
    assert frozenset({6, 7}) in together  # shares a four-line stanza
    assert frozenset({0, 8}) in together  # the same song twice


@pytest.mark.parametrize("seed", range(6))
def test_split_never_shares_a_song_and_keeps_groups_on_one_side(seed: int) -> None:
    songs = _songs(40) + [STANZA, "Another start\n" + STANZA, _songs(1)[0]]
    split = split_writer(songs, seed=seed)
    parts = [set(split.train), set(split.selection), set(split.test)]
    assert parts[0] and parts[1] and parts[2]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert sum(len(p) for p in (split.train, split.selection, split.test)) == len(songs)
    side = [next(k for k, p in enumerate(parts) if s in p) for s in (STANZA, "Another start\n" + STANZA)]
    assert side[0] == side[1]


def test_split_is_seeded() -> None:
    songs = _songs(30)
    assert split_writer(songs, seed=3) == split_writer(songs, seed=3)
    assert split_writer(songs, seed=3).test != split_writer(songs, seed=4).test


def test_too_few_songs_refused() -> None:
    with pytest.raises(CorpusError, match="three distinct songs"):
        split_writer(["one", "one", "two"])


def test_bundled_writers_test_songs_never_in_training_or_selection() -> None:
    for split in bundled_splits():
        train = {s for s in split.train.split("\n\n") if s}
        selection = {s for s in split.selection.split("\n\n") if s}
        test = {s for s in split.test.split("\n\n") if s}
        assert test and selection and train
        assert not (test & train or test & selection or selection & train), split.slug
        stanzas = {"/".join(s.split("\n")[i : i + 4]) for s in train for i in range(len(s.split("\n")) - 3)}
        held = {"/".join(s.split("\n")[i : i + 4]) for s in test for i in range(len(s.split("\n")) - 3)}
        assert not {w for w in stanzas & held if len(w) > 80}, split.slug
