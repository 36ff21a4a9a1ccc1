"""pytest-qt drives the Composer panel offscreen on a tiny trained DSHL model and real outputs.

Compose → pick a junction → audition a candidate (drawn ghosted in place) → accept → undo →
export; lock/unlock; variations; continue a dropped phrase; drag out onto a real drop target.
Playback and the window's minimum size are in test_composer_playback.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.jobs import JobRunner
from app.panels.composer import ComposerPanel
from app.widgets.composer_candidates import FIT_TIP
from engine.dshl import api

WAIT = 60_000
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def panel(qtbot, tiny_model: Path) -> Iterator[ComposerPanel]:
    """A Composer panel whose SEGUE_HOME holds the tiny model."""
    runner = JobRunner()
    widget = ComposerPanel(runner)
    widget.resize(1300, 560)
    qtbot.addWidget(widget)
    yield widget
    # An output still opening would outlive the runner's threads: let it finish first.
    qtbot.waitUntil(lambda: not widget.playback.opening, timeout=WAIT)
    widget.shutdown()
    runner.shutdown()


def run(qtbot, panel: ComposerPanel, job) -> None:
    """Wait until the panel has handled the job's outcome (its result/error, then finished)."""
    assert job is not None and panel.busy is job
    qtbot.waitUntil(lambda: panel.busy is None, timeout=WAIT)


def compose(qtbot, panel: ComposerPanel, segments: int = 4) -> None:
    panel.controls.length.setValue(segments)
    panel.controls.seed.setValue(7)
    run(qtbot, panel, panel.compose())
    assert panel.state is not None


def exported_text(path: Path) -> str:
    return next(m.text for t in mido.MidiFile(str(path)).tracks for m in t if m.type == "text")


def test_compose_audition_in_place_accept_undo_export(qtbot, panel: ComposerPanel,
                                                      tmp_path: Path) -> None:
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    compose(qtbot, panel)
    state = panel.state
    assert len(state.chain.items) == 4 and len(panel.view.blocks) == 4
    assert panel.view.notes == list(state.notes) and panel.view.chords == list(state.chords)
    assert panel.undo_stack.count() == 1

    # Click the junction into block 3 in the chain view: its candidates appear, in plain words.
    x = int(panel.view.junction_x(2))
    with qtbot.waitSignal(panel.view.junction_clicked, timeout=5000):
        qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=QPoint(x, 100))
    qtbot.waitUntil(lambda: panel.candidates.position == 2 and panel.busy is None, timeout=WAIT)
    table = panel.candidates.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["#", "Fit 0–100", "Source tune", "Bar"]
    assert table.horizontalHeaderItem(1).toolTip() == FIT_TIP
    items = panel.candidates.items
    assert items and all(0 <= int(table.item(r, 1).text()) <= 100 for r in range(len(items)))
    assert table.item(0, 2).text() == items[0].tune
    row = next(i for i, item in enumerate(items) if item.id != state.chain.items[2].id)

    # Audition draws the candidate ghosted in place and plays it, leaving the chain as it was.
    run(qtbot, panel, panel.audition(row))
    assert panel.state is state and panel.undo_stack.count() == 1
    ghost = panel.view.ghost
    assert ghost is not None and ghost.index == 2 and ghost.title == items[row].tune
    assert ghost.notes and all(8.0 <= n.start_beats < 12.0 for n in ghost.notes)
    assert panel.view.highlight == (4.0, 12.0)  # blocks 2..3 at 4 beats per segment
    assert panel.playback.playing == (panel.output.count() > 0)
    qtbot.waitUntil(lambda: not panel.playback.opening, timeout=WAIT)
    panel.playback.stop()

    # Accept puts exactly the ghost in; undo takes it out again; redo puts it back.
    run(qtbot, panel, panel.accept(row))
    assert panel.view.ghost is None
    assert panel.state.chain.items[2].id == items[row].id
    assert tuple(n for n in panel.state.notes if 8.0 <= n.start_beats < 12.0) == ghost.notes
    panel.undo_stack.undo()
    assert panel.state is state
    panel.undo_stack.redo()
    assert panel.state.chain.items[2].id == items[row].id

    out = tmp_path / "export" / "chain.mid"
    run(qtbot, panel, panel.export_to(out))
    assert panel.last_export == out
    midi = mido.MidiFile(str(out))
    assert midi.type == 1
    assert items[row].tune in exported_text(out)  # provenance of the accepted block
    pitches = sorted(m.note for t in midi.tracks for m in t if m.type == "note_on" and m.velocity)
    assert pitches == sorted(n.pitch for n in panel.state.notes)
    assert any("exported" in m for m in messages)


def test_regenerate_then_export_says_what_the_panel_shows(qtbot, panel: ComposerPanel,
                                                         tmp_path: Path) -> None:
    compose(qtbot, panel, segments=4)
    panel.view.selected_block = 0
    panel.toggle_lock()
    run(qtbot, panel, panel.regenerate())
    seed = panel.state.seed
    assert seed != 7 and panel.controls.seed.value() == seed  # the seed box follows
    run(qtbot, panel, panel.export_to(tmp_path / "r.mid"))
    text = exported_text(tmp_path / "r.mid")
    shown = panel.provenance.text().removeprefix("Export says: ")
    assert text.startswith(shown) and f"seed {seed};" in shown and "locked blocks 1" in shown
    assert panel.provenance.toolTip() == text


def test_lock_toggles_to_unlock_and_edits_are_undoable(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=5)
    first = panel.state
    panel.view.selected_block = 1
    panel.view.block_clicked.emit(1)
    assert panel.edits.lock_button.text() == "Lock"
    panel.edits.lock_button.click()
    assert panel.state.locked == {1} and panel.view.blocks[1].locked
    assert panel.edits.lock_button.text() == "Unlock"
    kept = panel.state.chain.items[1].id
    run(qtbot, panel, panel.regenerate())
    assert panel.state.chain.items[1].id == kept and len(panel.state.chain.items) == 5
    panel.view.selected_block = 3
    run(qtbot, panel, panel.delete_block())
    assert len(panel.state.chain.items) == 4 and panel.state.locked == {1}
    panel.view.selected_block = 0
    run(qtbot, panel, panel.insert_block())
    assert len(panel.state.chain.items) == 5 and panel.state.locked == {2}
    assert panel.state.chain.items[2].id == kept  # the locked block moved with the insert
    panel.view.selected_block = 2
    panel.edits.lock_button.click()
    assert panel.state.locked == frozenset() and panel.edits.lock_button.text() == "Lock"
    for _ in range(5):
        panel.undo_stack.undo()
    assert panel.state is first


def test_variations_fill_the_list_with_distinct_blocks(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=4)
    panel.view.selected_block = 1
    panel.view.block_clicked.emit(1)
    panel.candidates.variation_count.setValue(5)
    panel.candidates.adventurousness.setValue(80)
    run(qtbot, panel, panel.variations())
    items = panel.candidates.items
    assert len(items) == 5 and len({it.id for it in items}) == 5
    assert panel.state.chain.items[1].id not in {it.id for it in items}
    assert panel.candidates.position == 1 and "variations of block 2" in \
        panel.candidates.title.text()
    run(qtbot, panel, panel.accept(3))
    assert panel.state.chain.items[1].id == items[3].id


def test_unwritable_export_keeps_the_chain_and_says_why(qtbot, panel: ComposerPanel,
                                                        tmp_path: Path) -> None:
    compose(qtbot, panel)
    before = panel.state
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    run(qtbot, panel, panel.export_to(blocker / "chain.mid"))
    assert panel.state is before and panel.last_export is None
    assert any("export midi failed" in m.lower() for m in messages)


class DropTarget(QWidget):
    """A stand-in for a DAW or file manager: accepts file URLs and reads the .mid dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.received: list[mido.MidiFile] = []

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            self.received.append(mido.MidiFile(url.toLocalFile()))
        event.acceptProposedAction()


def drop(target: QWidget, mime: QMimeData) -> bool:
    """Deliver a drag-enter then a drop of ``mime`` in the middle of ``target``."""
    point = QPointF(target.width() / 2, target.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point.toPoint(), actions, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(point, actions, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)
    return event.isAccepted()


def test_drag_out_onto_a_real_drop_target(qtbot, panel: ComposerPanel) -> None:
    assert panel.drag_handle.make_drag() is None  # nothing to drag yet
    compose(qtbot, panel)
    target = DropTarget()
    qtbot.addWidget(target)
    target.resize(200, 100)
    target.show()
    assert drop(target, panel.drag_handle.make_drag().mimeData())
    (midi,) = target.received
    assert midi.type == 1 and len(midi.tracks) >= 3
    pitches = sorted(m.note for t in midi.tracks for m in t if m.type == "note_on" and m.velocity)
    assert pitches == sorted(n.pitch for n in panel.state.notes)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="no xvfb-run (scripts/system-deps.sh)")
def test_drag_out_with_the_mouse_under_a_real_x_server(tmp_path: Path) -> None:
    """The offscreen platform cannot drag: tests/app/xvfb_drag.py drags under Xvfb."""
    env = {**os.environ, "SEGUE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}
    env.pop("QT_QPA_PLATFORM", None)
    out = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "tests.app.xvfb_drag"],
                         capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["received"] == [result["expected"]] and len(result["expected"]) == 11


def test_dropping_a_phrase_on_the_composer_continues_it(qtbot, panel: ComposerPanel,
                                                        tmp_path: Path) -> None:
    from engine.dshl import chain

    phrase_state = chain.compose_state(api.ComposeRequest(segments=2, seed=8))
    phrase = api.write_midi(phrase_state.chain, tmp_path / "riff.mid")
    panel.controls.length.setValue(3)
    not_midi = QMimeData()
    not_midi.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert not drop(panel, not_midi)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(phrase))])
    panel.show()
    assert drop(panel, mime)
    qtbot.waitUntil(lambda: panel.busy is None and panel.state is not None, timeout=WAIT)
    ids = [it.id for it in panel.state.chain.items]
    assert ids[:2] == [-1, -1] and len(ids) == 5  # the phrase itself, then 3 segments
    assert panel.state.notes[:4] == phrase_state.notes[:4]
    assert panel.state.locked == {0, 1} and "continues riff.mid" in panel.provenance.text()
    assert panel.undo_stack.undoText() == "continued riff.mid"


def test_a_bad_phrase_is_named_and_nothing_changes(qtbot, panel: ComposerPanel,
                                                   tmp_path: Path) -> None:
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd nonsense")
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    run(qtbot, panel, panel.open_midi(bad))
    assert panel.state is None and panel.undo_stack.count() == 0
    assert any("broken.mid" in m for m in messages)


def test_piano_roll_names_keys_and_zooms(qtbot, panel: ComposerPanel, tmp_path: Path) -> None:
    """The roll paints (docs/images/composer.png is made the same way under Xvfb)."""
    from app.widgets.piano_roll import KEYS_W, TOP, note_name

    compose(qtbot, panel, segments=8)
    panel.show()
    assert note_name(60) == "C4" and note_name(70) == "B♭4"
    view = panel.view
    low, high = view.pitch_range()
    assert low <= min(n.pitch for n in view.notes) and high >= max(n.pitch for n in view.notes)
    assert view.tooltip_at(KEYS_W / 2, view.height() - 3) == note_name(low)
    chord = view.chords[0]
    assert chord.name in view.tooltip_at(view._x(chord.start) + 2, TOP - 20)
    width = view.width()
    panel.edits.zoom_in.click()
    qtbot.waitUntil(lambda: view.width() > width * 1.3)
    assert panel.view_scroll.horizontalScrollBar().maximum() > 0
    panel.edits.zoom_fit.click()
    qtbot.waitUntil(lambda: view.width() <= width)
    wheel = QWheelEvent(QPointF(200, 200), QPointF(200, 200), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)  # Ctrl+wheel zooms in too
    assert view.zoom == 1.25
    qtbot.waitUntil(lambda: view.width() > width)
    view.set_playhead(13.5)
    out = tmp_path / "composer.png"
    assert panel.grab().save(str(out)) and out.stat().st_size > 10_000
