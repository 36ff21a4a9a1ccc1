"""Key parsing, transposition to C and chord naming."""

from __future__ import annotations

import pytest

from engine.music.chords import chord_name, chord_pitches
from engine.music.transpose import canonical_key, parse_key, shift_from_c, shift_to_c


@pytest.mark.parametrize(("key", "shift"), [("C", 0), ("D", -2), ("G", 5), ("A", 3), ("F", -5),
                                             ("Bb", 2), ("E", -4), ("Am", 0), ("Em", 5)])
def test_shift_to_c(key: str, shift: int) -> None:
    assert shift_to_c(key) == shift
    assert shift_from_c(key) == -shift


def test_parse_key_variants() -> None:
    assert parse_key("F# minor") == (6, True)
    assert parse_key("bb") == (10, False)
    assert canonical_key("Em") == "G"
    with pytest.raises(ValueError):
        parse_key("H")


@pytest.mark.parametrize(("pitches", "name"), [([48, 52, 55], "C"), ([55, 59, 62, 65], "G7"),
                                                ([57, 60, 64], "Am"), ([52, 60, 64, 67], "C"),
                                                ([50, 53, 57], "Dm"), ([60], None)])
def test_chord_name(pitches: list[int], name: str | None) -> None:
    assert chord_name(pitches) == name


def test_chord_pitches_round_trip() -> None:
    for name in ("C", "G7", "Am", "Bb", "D7", "Em"):
        assert chord_name(chord_pitches(name)) == name
