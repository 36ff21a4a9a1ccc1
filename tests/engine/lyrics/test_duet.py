"""Duets: patterns, priming, regenerate one line, locks, continuing a typed line."""

from __future__ import annotations

import pytest

from engine.jobs import Cancelled
from engine.lyrics.duet import (
    USER_VOICE,
    DuetLine,
    DuetSpec,
    continue_duet,
    duet_text,
    normalise_pattern,
    regenerate_line,
    song_so_far,
    voice_for,
    write_duet,
)
from tests.engine.lyrics.helpers import tiny_artist


@pytest.fixture(scope="module")
def models() -> tuple:
    return tiny_artist("Ann", seed=1), tiny_artist("Bob", seed=2)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("ABAB", "ABABABAB"), ("AABB", "AABBAABB"), ("stanza", "AAAABBBB"), ("by stanza", "AAAABBBB")],
)
def test_duet_alternation_follows_the_pattern(models: tuple, pattern: str, expected: str) -> None:
    lines = write_duet(models, DuetSpec(lines=8, pattern=pattern, seed=3))
    assert "".join("AB"[line.voice] for line in lines) == expected
    assert [line.artist for line in lines] == [("Ann", "Bob")[line.voice] for line in lines]
    assert all(line.text and "\n" not in line.text for line in lines)


def test_unknown_pattern_rejected() -> None:
    with pytest.raises(ValueError, match="unknown pattern"):
        DuetSpec(pattern="ABBA")
    assert normalise_pattern("aabb") == "AABB"
    assert voice_for(5, "ABAB") == 1 and voice_for(5, "stanza", stanza_lines=2) == 0


def test_same_seed_same_duet_other_seed_other_duet(models: tuple) -> None:
    one = write_duet(models, DuetSpec(lines=6, seed=11))
    assert write_duet(models, DuetSpec(lines=6, seed=11)) == one
    assert write_duet(models, DuetSpec(lines=6, seed=12)) != one


def test_each_line_is_primed_with_the_song_so_far() -> None:
    lines = [DuetLine("A", "first", 0), DuetLine("B", "second", 1)]
    assert song_so_far(lines) == "\n\nfirst\nsecond\n"


def test_regenerate_changes_only_the_chosen_line(models: tuple) -> None:
    spec = DuetSpec(lines=6, seed=5)
    lines = write_duet(models, spec)
    again = regenerate_line(models, lines, 2, spec)
    assert again[2].text != lines[2].text
    assert again[2].voice == lines[2].voice
    assert again[:2] == lines[:2] and again[3:] == lines[3:]


def test_locked_lines_survive_rewriting(models: tuple) -> None:
    spec = DuetSpec(lines=6, seed=5)
    lines = write_duet(models, spec)
    lines[1] = DuetLine("Bob", "a line I keep", 1, locked=True)
    rewritten = write_duet(models, DuetSpec(lines=6, seed=99), existing=lines)
    assert rewritten[1] == lines[1]
    assert [ln.text for ln in rewritten] != [ln.text for ln in lines]


def test_regenerate_keeps_the_lock_flag(models: tuple) -> None:
    spec = DuetSpec(lines=3, seed=5)
    lines = write_duet(models, spec)
    lines[0] = DuetLine(lines[0].artist, lines[0].text, 0, locked=True)
    assert regenerate_line(models, lines, 0, spec)[0].locked


def test_continue_from_a_typed_line(models: tuple) -> None:
    spec = DuetSpec(lines=4, seed=5)
    out = continue_duet([], "  My own   first line ", models, spec, count=3)
    assert out[0] == DuetLine("You", "My own first line", USER_VOICE)
    assert [line.voice for line in out[1:]] == [1, 0, 1]


def test_cancel_stops_writing(models: tuple) -> None:
    with pytest.raises(Cancelled):
        write_duet(models, DuetSpec(lines=4), cancelled=lambda: True)


def test_duet_text_labels_and_stanza_breaks() -> None:
    lines = [DuetLine("Ann", f"l{i}", i // 2 % 2) for i in range(4)]
    spec = DuetSpec(lines=4, pattern="stanza", stanza_lines=2)
    assert duet_text(lines, spec, labels=False) == "l0\nl1\n\nl2\nl3\n"
    assert duet_text(lines[:1], DuetSpec(), labels=True) == "Ann: l0\n"
