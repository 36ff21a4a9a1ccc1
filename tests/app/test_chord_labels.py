"""Chord symbols above the roll are whole and never overlap, at any zoom (issue 21)."""

from __future__ import annotations

from app.widgets.roll_culling import chord_labels, short_chord

SPANS = [(0.0, 2.0, "Em"), (2.0, 4.0, "D7"), (4.0, 5.0, "G"), (5.0, 6.0, "Cmaj7/G"),
         (6.0, 8.0, "F#m7")]


def width(text: str) -> float:
    return 8.0 * len(text)  # 8 px a character


def test_wide_zoom_shows_every_full_name() -> None:
    labels = chord_labels(SPANS, lambda beats: 40.0 + beats * 100, width)
    assert [text for _x, text in labels] == ["Em", "D7", "G", "Cmaj7/G", "F#m7"]
    assert labels[0][0] == 43.0  # the first block shows its chord


def test_small_zoom_abbreviates_or_thins_and_never_overlaps() -> None:
    for px_per_beat in (30.0, 12.0, 6.0, 2.0):
        labels = chord_labels(SPANS, lambda beats, k=px_per_beat: 40.0 + beats * k, width)
        assert labels and labels[0][1] in ("Em",)  # the first chord is always shown
        for (x1, t1), (x2, _t2) in zip(labels, labels[1:], strict=False):
            assert x1 + width(t1) <= x2, (px_per_beat, labels)  # whole, no overlap
        names = {name for _s, _e, name in SPANS} | {short_chord(n) for _s, _e, n in SPANS}
        assert all(text in names for _x, text in labels)


def test_short_chord_names() -> None:
    assert [short_chord(n) for n in ("Em7", "Dmaj7/F♯", "G", "B♭m", "F#dim7", "A7")] == [
        "Em", "D", "G", "B♭m", "F#°", "A"]
