"""The window never aborts from painting (issue 26).

PySide6 6.12.0 drops a reference to ``None`` on every QPainter fillRect/drawRect/drawLine from
Python: the Composer view aborted the process after ~780 repaints. These tests repaint the real
Composer view 3,000 times and check that ``None`` keeps its references (on 6.12.0 the count falls
by thousands, and the process aborts before the loop ends); that the launcher refuses a known-bad
build with one line; and that a million-note chain paints only what is on screen.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QRect

from app import qt_check
from app.panels.composer import ComposerPanel
from app.widgets.piano_roll import Block, ChainView
from app.widgets.roll_culling import MAX_NOTES_PER_PAINT, NoteIndex, thin_to_pixels, visible_beats
from engine.dshl.chain import ChordSpan
from engine.music.midi_export import RenderedNote
from tests.app.test_composer_panel import panel  # noqa: F401 - a fixture

WAIT = 60_000


@pytest.fixture()
def composed(qtbot, panel: ComposerPanel) -> ComposerPanel:  # noqa: F811 - the shared fixture
    """The Composer panel (tests/app/test_composer_panel.py) with a composed 4-segment chain."""
    panel.show()
    panel.controls.length.setValue(4)
    panel.controls.seed.setValue(7)
    panel.compose()
    qtbot.waitUntil(lambda: panel.busy is None and panel.state is not None, timeout=WAIT)
    return panel


def test_3000_repaints_of_the_composer_keep_none_alive(composed: ComposerPanel) -> None:
    view = composed.view
    assert len(view.blocks) == 4 and view.notes
    view.repaint()  # first paint: fonts and caches
    before = sys.getrefcount(None)
    for index in range(3000):
        view.set_playhead(index % 16 / 1.0)  # a moving playhead, as during playback
        view.repaint()
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None lost {before - after} references in 3,000 repaints"


def test_the_installed_toolkit_passes_the_probe() -> None:
    assert qt_check.none_references_lost() == 0
    assert qt_check.toolkit_fault() is None


def test_launcher_refuses_a_known_bad_toolkit_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    from app.launcher import main

    monkeypatch.setattr(qt_check, "installed_version", lambda: "6.12.0")
    assert main(["gui"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("segue: error: PySide6 6.12.0 has a known fault")
    assert "pyside6-essentials>=6.8,<6.12" in err[0]


def _huge_chain(notes_per_block: int, blocks: int) -> tuple[list[Block], list[RenderedNote]]:
    chain_blocks = [Block(4.0 * b, 4.0 * b + 4.0, f"tune{b}", "bar 1") for b in range(blocks)]
    step = 4.0 / notes_per_block
    notes = [RenderedNote(4.0 * b + k * step, 4.0 * b + (k + 1) * step, 60 + k % 24, 80, "melody")
             for b in range(blocks) for k in range(notes_per_block)]
    return chain_blocks, notes


def test_a_million_note_chain_paints_and_draws_only_what_is_visible(qtbot) -> None:
    blocks, notes = _huge_chain(notes_per_block=200, blocks=5000)
    assert len(notes) == 1_000_000
    view = ChainView()
    qtbot.addWidget(view)
    view.resize(1200, 400)
    view.set_chain(blocks, notes, [ChordSpan(0.0, 4.0, "G")], (4, 4))
    view.show()
    before = sys.getrefcount(None)
    assert view.width() > 100_000  # far wider than a screen: a scroll area shows a part of it
    image = view.grab(QRect(20_000, 0, 1200, 400))  # the first paint of one screenful
    assert not image.isNull()
    assert sys.getrefcount(None) >= before - 100
    assert view.minimumWidth() <= 4_000_000  # under Qt's widget size limit
    # What that paint asked for: the beats in view, at most the cap of notes.
    left, right = view._view
    assert 0.0 < left < right < view.total_beats() / 10  # one screenful, not the chain
    shown = thin_to_pixels(view._note_index.overlapping(left, right), view._x)
    assert 0 < len(shown) <= MAX_NOTES_PER_PAINT


def test_note_index_returns_exactly_the_overlapping_notes() -> None:
    notes = [RenderedNote(float(i), float(i) + (8.0 if i == 3 else 0.5), 60, 80, "melody")
             for i in range(100)]
    notes.append(RenderedNote(float("nan"), 1.0, 60, 80, "melody"))  # never drawn, never breaks
    index = NoteIndex(reversed(notes))
    got = index.overlapping(10.2, 12.0)
    expected = [n for n in notes[:100] if n.end_beats >= 10.2 and n.start_beats <= 12.0]
    assert got == expected and notes[3] in got  # the long note from beat 3 still sounds at 10.2
    assert len(index) == 100


def test_thinning_keeps_one_note_per_pixel_and_pitch() -> None:
    notes = [RenderedNote(i / 1000, i / 1000 + 0.001, 60 + i % 2, 80, "melody") for i in range(50_000)]
    thin = thin_to_pixels(notes, lambda beats: beats * 10, limit=1000)  # 10 px per beat
    assert len(thin) == 500 * 2  # 50 beats × 10 px × 2 pitches
    assert thin_to_pixels(notes[:10], lambda b: b, limit=1000) == notes[:10]


def test_visible_beats_bounds_the_grid() -> None:
    assert visible_beats(0.0, 4.0, 1.0) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert visible_beats(2.5, 4.0, 1.0) == [2.0, 3.0, 4.0]
    assert visible_beats(0.0, 1e9, 1.0) == []  # too dense to draw: nothing, not a freeze
    assert visible_beats(0.0, float("inf"), 1.0) == [] and visible_beats(0.0, 4.0, 0.0) == []
