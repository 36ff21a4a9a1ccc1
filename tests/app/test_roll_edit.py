"""Issue 22 (4, 5): touching the notes on the Composer's roll, transposing, and tap tempo.

pytest-qt drives the real panel offscreen on the tiny trained model: select, move (drag and
arrow keys), delete, draw (double-click and Draw mode) with QTest mouse and key events on the
roll; every edit is one undo step; the edited block is marked and locked and survives
Regenerate; transposition by block, chain and the key menu; save → reopen in a new window →
export keeps the edit; tap tempo with a controlled clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pretty_midi
import pytest
from PySide6.QtCore import QPoint, Qt

from app.jobs import JobRunner
from app.panels.composer import ComposerPanel
from app.widgets.composer_tap import TapTempo
from app.widgets.piano_roll import TOP
from engine.dshl import edits
from engine.dshl import notes as dshl_notes
from tests.app.test_composer_panel import compose, run
from tests.app.test_projects import assets, windows  # noqa: F401 - fixtures

WAIT = 60_000


@pytest.fixture()
def panel(qtbot, tiny_model: Path) -> Iterator[ComposerPanel]:
    """A shown Composer panel (tall enough for rows of a few pixels) on the tiny model."""
    runner = JobRunner()
    widget = ComposerPanel(runner)
    widget.resize(1300, 900)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()
    runner.shutdown()


def centre(view, note) -> QPoint:
    return view.note_rect(note).center().toPoint()


def empty_point(view, block: int, beat: float = 1.0) -> QPoint:
    """A point on the roll over no note: in block ``block``, on the top (margin) row."""
    top, row, _low, _high = view._row()
    return QPoint(int(view._x(view.blocks[block].start + beat) + 2), int(top + row / 2))


def a_melody_note(panel: ComposerPanel, block: int = 1):
    """A melody note starting and ending inside ``block`` with room for half a beat after it."""
    start, end = panel.state.spans[block]
    return next(n for n in panel.state.notes if n.track == "melody" and start <= n.start_beats
                and n.end_beats + 0.5 <= end and n.start_beats > start)


def test_select_move_delete_and_draw_each_one_undoable_edit(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=4)
    composed, view = panel.state, panel.view
    note = a_melody_note(panel)

    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre(view, note))
    assert view.editor.selection == [note] and view.selected_block == 1
    assert panel.undo_stack.count() == 1  # selecting is no edit

    # Drag: half a beat later, two semitones up (snapped to the grid).
    press = centre(view, note)
    _top, row, _low, _high = view._row()
    to = QPoint(press.x() + round(view._x(note.start_beats + 0.5) - view._x(note.start_beats)),
                round(press.y() - 2 * row))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=press)
    qtbot.mouseMove(view, QPoint((press.x() + to.x()) // 2, (press.y() + to.y()) // 2))
    qtbot.mouseMove(view, to)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=to)
    moved = dshl_notes.moved(note, 0.5, 2)
    assert moved in panel.state.notes and note not in panel.state.notes
    assert panel.undo_stack.count() == 2 and edits.edited_blocks(panel.state) == {1}
    block = view.blocks[1]
    assert block.edited and block.locked and block.title == "your edit"
    assert view.editor.selection == [moved]
    assert "your edit" in view.tooltip_at(view._x(block.start + 1), 10)
    dragged = panel.state

    panel.undo_stack.undo()  # the block's generated notes come back exactly
    assert panel.state is composed and not panel.view.blocks[1].edited
    panel.undo_stack.redo()
    assert panel.state is dragged

    # Keys on the roll: up a semitone, up an octave, a grid step left; each one undo step.
    view.editor.selection = [moved]
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    keyed = dshl_notes.moved(moved, -0.25, 13)
    assert keyed in panel.state.notes and view.editor.selection == [keyed]
    assert panel.undo_stack.count() == 5
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert keyed not in panel.state.notes and panel.undo_stack.count() == 6

    # Double-click empty roll space: a note of the last length (the one clicked), on the grid.
    length = note.end_beats - note.start_beats
    spot = empty_point(view, 2)
    pitch = view.pitch_at(spot.y())  # the roll grows to show the new note: ask before
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=spot)
    drawn = view.editor.selection
    assert len(drawn) == 1 and drawn[0] in panel.state.notes and panel.undo_stack.count() == 7
    assert drawn[0].pitch == pitch and drawn[0].start_beats == 9.0
    assert drawn[0].end_beats - drawn[0].start_beats == length
    assert edits.edited_blocks(panel.state) == {1, 2}

    # Draw mode (D): a click draws; D again, and a click on empty space selects nothing.
    qtbot.keyClick(view, Qt.Key.Key_D)
    assert view.editor.draw_mode and panel.edits.draw_button.isChecked()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=empty_point(view, 3, 2.0))
    assert panel.undo_stack.count() == 8 and edits.edited_blocks(panel.state) == {1, 2, 3}
    qtbot.keyClick(view, Qt.Key.Key_D)
    assert not view.editor.draw_mode and not panel.edits.draw_button.isChecked()

    # Rubber band over block 0's notes selects them; Shift+click adds one more.
    start = QPoint(int(view._x(0.0) + 10), TOP + 3)
    stop = QPoint(int(view._x(3.9)), view.height() - 3)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, stop)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=stop)
    caught = view.editor.selection
    assert caught and set(caught) <= set(panel.state.notes)
    assert all(n.start_beats < 3.9 for n in caught)
    other = next(n for n in panel.state.notes if n.start_beats >= 4.5 and n not in caught)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     centre(view, other))
    assert view.editor.selection == [*caught, other]
    assert panel.undo_stack.count() == 8  # selecting is never an edit

    while panel.undo_stack.canUndo():  # every step comes back, down to the composed chain
        panel.undo_stack.undo()
    assert panel.state is None
    panel.undo_stack.redo()
    assert panel.state is composed


def test_notes_stay_inside_their_block_and_midi(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=2)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    view = panel.view
    note = next(n for n in panel.state.notes if n.track == "melody" and n.end_beats <= 3.5
                and n.end_beats - n.start_beats > 0.25)
    view.editor.selection = [note]
    view.editor.nudge(3.75 - note.start_beats, 0)  # past block 1's end: cut there
    moved = view.editor.selection[0]
    assert (moved.start_beats, moved.end_beats) == (3.75, 4.0) and moved in panel.state.notes
    assert any("cut at the end of block 1" in m for m in messages)
    view.editor.nudge(0.0, 200)
    assert view.editor.selection[0].pitch == 127 and any("0–127" in m for m in messages)


def test_transpose_block_chain_and_the_key_menu_keep_the_blocks(qtbot,
                                                               panel: ComposerPanel) -> None:
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.controls.key.setCurrentText("C")
    compose(qtbot, panel, segments=4)
    composed, view = panel.state, panel.view
    ids = [it.id for it in composed.chain.items]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view._x(9.0)), 20))
    assert view.selected_block == 2
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)  # the block
    assert [n.pitch for n in edits.block_notes(panel.state, 2)] == [
        n.pitch + 1 for n in edits.block_notes(composed, 2)]
    assert view.blocks[2].edited and panel.state.chain.request.key == "C"
    blocked = panel.state

    chain_up = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(view, Qt.Key.Key_Up, chain_up)  # the whole chain, and the key menu follows
    assert panel.state.chain.request.key == "Db" and panel.controls.key.currentText() == "Db"
    assert [n.pitch for n in panel.state.notes] == [n.pitch + 1 for n in blocked.notes]
    assert [it.id for it in panel.state.chain.items] == ids
    panel.undo_stack.undo()
    assert panel.state is blocked and panel.controls.key.currentText() == "C"

    # The key menu with a chain: the shortest move, blocks kept, said in the status line.
    key = panel.controls.key
    key.setCurrentIndex(key.findText("Bb"))
    key.activated.emit(key.currentIndex())
    assert panel.state.chain.request.key == "Bb" and [it.id for it in panel.state.chain.items] == ids
    assert [n.pitch for n in panel.state.notes] == [n.pitch - 2 for n in blocked.notes]
    assert any("down 2 semitones to Bb, blocks kept" in m for m in messages)
    panel.undo_stack.undo()
    assert panel.state is blocked and key.currentText() == "C"


def test_an_edited_block_is_locked_and_survives_regenerate(qtbot, panel: ComposerPanel) -> None:
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    compose(qtbot, panel, segments=4)
    panel.view.selected_block = 1
    panel.transpose("block", -1)
    mine = edits.block_notes(panel.state, 1)
    panel.toggle_lock()  # an edit stays locked
    assert 1 in panel.state.locked and any("stays locked" in m for m in messages)
    run(qtbot, panel, panel.regenerate())
    assert edits.block_notes(panel.state, 1) == mine and panel.view.blocks[1].edited
    run(qtbot, panel, panel.show_junction(1))
    assert "your edit" in panel.candidates.title.text()


def test_an_edit_survives_save_reopen_and_export(qtbot, windows, tiny_model,  # noqa: F811
                                                 assets, tmp_path: Path  # noqa: F811
                                                 ) -> None:
    window = windows()
    composer = window.panel("composer_panel")
    composer.controls.length.setValue(3)
    composer.compose()
    qtbot.waitUntil(lambda: composer.state is not None and composer.busy is None, timeout=WAIT)
    view = composer.view
    note = next(n for n in composer.state.notes if n.track == "melody"
                and 4.0 < n.start_beats and n.end_beats <= 7.5)
    composer.view.editor.selection = [note]
    composer.view.editor.nudge(0.5, 3)
    composer.view.editor.selection = []
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=empty_point(view, 2, 2.0))
    state = composer.state
    assert edits.edited_blocks(state) == {1, 2}
    path = tmp_path / "edited.segue"
    window.project.ask_save_path = lambda: str(path)
    assert window.project.save()
    assert window.close()

    again = windows()  # reopens the last project by itself
    qtbot.waitUntil(lambda: again.project.path == path, timeout=WAIT)
    restored = again.panel("composer_panel")
    qtbot.waitUntil(lambda: restored.state is not None, timeout=WAIT)
    assert restored.state.notes == state.notes
    assert edits.edited_blocks(restored.state) == {1, 2} and {1, 2} <= restored.state.locked
    assert restored.view.blocks[1].edited and restored.view.blocks[2].title == "your edit"
    out = tmp_path / "edited.mid"
    run(qtbot, restored, restored.export_to(out))
    midi = pretty_midi.PrettyMIDI(str(out))
    beat = 60.0 / midi.get_tempo_changes()[1][0]
    exported = sorted((round(n.start / beat, 4), round(n.end / beat, 4), n.pitch)
                      for i in midi.instruments for n in i.notes)
    assert exported == sorted((n.start_beats, n.end_beats, n.pitch) for n in state.notes)
    assert (note.start_beats + 0.5, note.end_beats + 0.5, note.pitch + 3) in exported


def test_tap_tempo_averages_the_last_taps_and_starts_again_after_a_pause() -> None:
    tapper = TapTempo()
    assert tapper.tap(10.0) is None
    assert tapper.tap(10.5) == pytest.approx(120.0)
    assert tapper.tap(11.0) == pytest.approx(120.0) and tapper.count == 3
    for k in range(10):  # only the last 8 taps count: 0.4 s apart now
        bpm = tapper.tap(11.4 + 0.4 * k)
    assert bpm == pytest.approx(150.0) and tapper.count == 8 and tapper.run == 1
    assert tapper.tap(20.0) is None and tapper.run == 2  # a pause over 2 s: a new run
    assert tapper.tap(19.0) is None and tapper.run == 3  # a clock going back, too


def test_tap_button_and_key_set_the_tempo_in_one_undo_step(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=2)
    clock = iter([100.0, 100.4, 100.8, 101.2, 200.0, 200.2, 200.4])
    panel.tap_clock = lambda: next(clock)
    count = panel.undo_stack.count()
    panel.controls.tap_button.click()
    assert panel.controls.tempo.value() == 120  # one tap: nothing yet
    panel.controls.tap_button.click()
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_T)
    qtbot.keyClick(panel.view, Qt.Key.Key_T)
    assert panel.controls.tempo.value() == 150 and panel.state.chain.request.tempo == 150
    assert panel.undo_stack.count() == count + 1  # the taps of one run: one change
    panel.controls.tap_button.click()  # after a pause: a new run, a new change
    panel.controls.tap_button.click()
    panel.controls.tap_button.click()  # 300 BPM tapped: the box's top
    assert panel.controls.tempo.value() == 300 and panel.undo_stack.count() == count + 2
    panel.undo_stack.undo()
    assert panel.controls.tempo.value() == 150 and panel.state.chain.request.tempo == 150
    panel.undo_stack.undo()
    assert panel.controls.tempo.value() == 120 and panel.state.chain.request.tempo == 120


def test_mouse_presses_off_the_roll_still_select_blocks_and_junctions(qtbot,
                                                                      panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=3)
    view = panel.view
    with qtbot.waitSignal(view.junction_clicked, timeout=5000):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(view.junction_x(1)), TOP + 20))
    run(qtbot, panel, panel.busy)
    assert view.selected_junction == 1 and panel.undo_stack.count() == 1
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view._x(6.0)), 20))
    assert view.selected_block == 1 and view.editor.selection == []
