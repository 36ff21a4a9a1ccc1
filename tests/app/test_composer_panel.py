"""pytest-qt drives the Composer panel offscreen on a tiny trained DSHL model and real outputs.

Compose → pick a junction → audition a candidate (through the real synth or MIDI port when JACK
runs) → accept → undo → export, and the exported file round-trips through mido.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from PySide6.QtCore import QPoint, Qt

from app.jobs import JobRunner
from app.panels.composer import ComposerPanel
from app.widgets.composer_playback import SYNTH, VIRTUAL

WAIT = 60_000


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


def test_compose_audition_accept_undo_export(qtbot, panel: ComposerPanel, tmp_path: Path) -> None:
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    compose(qtbot, panel)
    state = panel.state
    assert len(state.chain.items) == 4 and len(panel.view.blocks) == 4
    assert state.notes and panel.view.notes
    assert panel.undo_stack.count() == 1

    # Click the junction into block 2 in the chain view: its candidates appear.
    x = int(panel.view.junction_x(2))
    with qtbot.waitSignal(panel.view.junction_clicked, timeout=5000):
        qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=QPoint(x, 100))
    qtbot.waitUntil(lambda: panel.candidates.position == 2 and panel.busy is None, timeout=WAIT)
    items = panel.candidates.items
    assert items and all(item.id != state.chain.items[1].id for item in items)
    row = next(i for i, item in enumerate(items) if item.id != state.chain.items[2].id)

    # Audition plays the candidate in context but leaves the chain as it was.
    run(qtbot, panel, panel.audition(row))
    assert panel.state is state and panel.undo_stack.count() == 1
    assert panel.view.highlight == (4.0, 12.0)  # blocks 1..2 at 4 beats per segment
    assert panel.playback.playing == (panel.output.count() > 0)
    qtbot.waitUntil(lambda: not panel.playback.opening, timeout=WAIT)
    panel.playback.stop()

    # Accept puts it in; undo takes it out again; redo puts it back.
    run(qtbot, panel, panel.accept(row))
    assert panel.state.chain.items[2].id == items[row].id
    assert panel.undo_stack.count() == 2
    panel.undo_stack.undo()
    assert panel.state is state
    panel.undo_stack.redo()
    assert panel.state.chain.items[2].id == items[row].id

    out = tmp_path / "export" / "chain.mid"
    run(qtbot, panel, panel.export_to(out))
    assert panel.last_export == out
    midi = mido.MidiFile(str(out))
    assert midi.type == 1
    metas = [m for track in midi.tracks for m in track if m.is_meta]
    assert any(m.type == "set_tempo" for m in metas)
    assert any(m.type == "time_signature" for m in metas)
    assert any(m.type == "key_signature" for m in metas)
    text = " ".join(getattr(m, "text", "") for m in metas)
    assert items[row].tune in text  # provenance of the accepted block
    pitches = sorted(m.note for t in midi.tracks for m in t if m.type == "note_on" and m.velocity)
    assert pitches == sorted(n.pitch for n in panel.state.notes)
    assert any("exported" in m for m in messages)


def test_lock_delete_insert_regenerate_are_undoable(qtbot, panel: ComposerPanel) -> None:
    compose(qtbot, panel, segments=5)
    first = panel.state
    panel.view.selected_block = 1
    panel.toggle_lock()
    assert panel.state.locked == {1} and panel.view.blocks[1].locked
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
    for _ in range(4):
        panel.undo_stack.undo()
    assert panel.state is first


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


def test_drag_carries_a_midi_file_url(qtbot, panel: ComposerPanel) -> None:
    assert panel.make_drag() is None  # nothing to drag yet
    compose(qtbot, panel)
    drag = panel.make_drag()
    urls = drag.mimeData().urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.suffix == ".mid" and len(mido.MidiFile(str(path)).tracks) >= 2


@pytest.mark.jack
@pytest.mark.parametrize("kind", [SYNTH, VIRTUAL])
def test_space_plays_and_stops_through_real_outputs(qtbot, panel: ComposerPanel,
                                                   kind: str) -> None:
    compose(qtbot, panel, segments=2)
    index = next(i for i in range(panel.output.count()) if panel.output.itemData(i)[0] == kind)
    panel.output.setCurrentIndex(index)
    panel.show()
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.view.playhead is not None and panel.view.playhead > 0.2,
                    timeout=WAIT)
    assert panel.playback.playing
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    assert not panel.playback.playing and panel.view.playhead is None


def test_panel_renders_a_composed_chain(qtbot, panel: ComposerPanel, tmp_path: Path) -> None:
    """The panel paints blocks, notes and candidates (docs/images/composer.png is made this way
    with the bundled model: see docs/playback.md)."""
    compose(qtbot, panel, segments=8)
    panel.view.selected_junction = 3
    run(qtbot, panel, panel.show_junction(3))
    panel.view.set_playhead(13.5)
    out = tmp_path / "composer.png"
    assert panel.grab().save(str(out))
    assert out.stat().st_size > 10_000
    assert panel.candidates.table.rowCount() == len(panel.candidates.items) > 0


@pytest.mark.jack
def test_a_vanished_midi_player_is_reported_and_the_chain_kept(qtbot, panel: ComposerPanel
                                                              ) -> None:
    compose(qtbot, panel, segments=4)
    before = panel.state
    index = next(i for i in range(panel.output.count()) if panel.output.itemData(i)[0] == VIRTUAL)
    panel.output.setCurrentIndex(index)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.play()
    qtbot.waitUntil(lambda: panel.view.playhead is not None, timeout=WAIT)
    panel.playback._sink._proc.kill()  # the output dies under the scheduler's feet
    qtbot.waitUntil(lambda: any("Playback stopped" in m for m in messages), timeout=WAIT)
    assert panel.state is before and not panel.playback.playing
    panel.play()  # the next Play reopens the output
    qtbot.waitUntil(lambda: panel.view.playhead is not None, timeout=WAIT)
    panel.playback.stop()


def test_missing_outputs_are_named_in_the_status_bar(qtbot, panel: ComposerPanel) -> None:
    from engine.playback import audio_devices, ports

    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.refresh_outputs()
    audio, _ = audio_devices.list_outputs()
    midi, _ = ports.list_outputs()
    labels = [panel.output.itemText(i) for i in range(panel.output.count())]
    assert ("Internal synth (audio)" in labels) == bool(audio)
    if not audio:
        assert any("internal synth unavailable" in m for m in messages)
    if not midi:
        assert any("no MIDI output ports" in m for m in messages)
    assert all(f"MIDI: {name}" in labels for name in midi)


def test_a_rendered_chain_is_non_silent_audio_of_the_expected_length(qtbot, panel: ComposerPanel
                                                                     ) -> None:
    import math

    import numpy as np

    from engine.dshl import api
    from engine.playback.synth import render_midi

    compose(qtbot, panel, segments=4)
    midi = api.chain_to_midi(panel.state.chain)
    audio = render_midi(midi, sample_rate=16000, tail_seconds=0.5)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == math.ceil((midi.get_end_time() + 0.5) * 16000)
    seconds_per_beat = 60.0 / panel.state.chain.request.tempo
    chain_seconds = panel.state.total_beats * seconds_per_beat
    assert chain_seconds * 0.75 < midi.get_end_time() <= chain_seconds + 0.05
    assert float(np.sqrt(np.mean(audio ** 2))) > 1e-3


@pytest.mark.jack
def test_picking_the_virtual_port_creates_it_before_play(qtbot, panel: ComposerPanel) -> None:
    from engine.playback import ports

    index = next(i for i in range(panel.output.count()) if panel.output.itemData(i)[0] == VIRTUAL)
    panel.output.setCurrentIndex(index)
    panel.output.activated.emit(index)  # as when the user picks it from the list
    qtbot.waitUntil(lambda: not panel.playback.opening, timeout=WAIT)
    sources, _ = ports.list_inputs()
    assert "Segue:Segue" in sources  # a DAW can connect to it now
    assert not panel.playback.playing
