"""The Composer's playback through real outputs (JACK's dummy driver), and the window's minimum
size with every Composer control visible, in the real main window."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QScrollArea,
    QSlider,
    QWidget,
)

from app.panels.composer import ComposerPanel
from engine.playback import outputs, ports
from engine.playback.player_process import PlayerProcess
from tests.app import test_composer_panel as base
from tests.engine.playback.conftest import JACK_ATTEMPTS, Recorder, make_midi

WAIT, compose, run = base.WAIT, base.compose, base.run
panel = base.panel  # the same fixture: a panel over the tiny model


@pytest.mark.jack
@pytest.mark.parametrize("kind", [outputs.SYNTH, outputs.VIRTUAL])
def test_space_plays_and_stops_through_real_outputs(qtbot, panel: ComposerPanel,
                                                   kind: str) -> None:
    compose(qtbot, panel, segments=2)
    assert panel.transport.select(kind)
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


@pytest.mark.jack
def test_a_vanished_midi_player_is_reported_and_the_chain_kept(qtbot, panel: ComposerPanel
                                                              ) -> None:
    compose(qtbot, panel, segments=4)
    before = panel.state
    assert panel.transport.select(outputs.VIRTUAL)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.play()
    qtbot.waitUntil(lambda: panel.view.playhead is not None, timeout=WAIT)
    player = panel.playback.output
    assert isinstance(player, PlayerProcess)
    os.kill(player.pid, signal.SIGKILL)  # the output dies under the scheduler's feet
    qtbot.waitUntil(lambda: any("Playback stopped" in m for m in messages), timeout=WAIT)
    assert panel.state is before and not panel.playback.playing
    panel.play()  # the next Play reopens the output
    qtbot.waitUntil(lambda: panel.view.playhead is not None, timeout=WAIT)
    assert panel.playback.output is not player
    panel.playback.stop()


@pytest.mark.jack
def test_cli_and_gui_play_through_the_same_engine_call(qtbot, panel: ComposerPanel,
                                                       tmp_path: Path, monkeypatch) -> None:
    from engine.cli import main

    opened: list[tuple[outputs.Output, type]] = []
    real_open = outputs.open_output

    def recording_open(output: outputs.Output, soundfont=None):
        player = real_open(output, soundfont)  # the real thing, only watched
        opened.append((output, type(player)))
        return player
    monkeypatch.setattr(outputs, "open_output", recording_open)
    path = tmp_path / "short.mid"
    make_midi(notes=3).write(str(path))
    assert main(["play", str(path), "--virtual"]) == 0
    compose(qtbot, panel, segments=1)
    assert panel.transport.select(outputs.VIRTUAL)
    panel.play()
    qtbot.waitUntil(lambda: panel.view.playhead is not None, timeout=WAIT)
    panel.playback.stop()
    assert opened == [(outputs.Output(outputs.VIRTUAL), PlayerProcess)] * 2


@pytest.mark.jack
def test_count_in_and_click_reach_the_port_before_the_music(qtbot, panel: ComposerPanel
                                                            ) -> None:
    rec = Recorder()
    listener = ports.open_virtual_input("click-in", rec, client_name="segue-click-test")
    try:
        panel.controls.tempo.setValue(240)
        compose(qtbot, panel, segments=1)
        panel.refresh_outputs()
        index = panel.output.findText("MIDI: segue-click-test:click-in")
        assert index >= 0
        panel.output.setCurrentIndex(index)
        panel.transport.count_in.setChecked(True)
        panel.transport.click.setChecked(True)
        for _attempt in range(JACK_ATTEMPTS):  # a JACK xrun on a loaded machine can drop a cycle's MIDI
            rec.messages.clear()
            panel.play()
            qtbot.waitUntil(lambda: panel.playback.output is not None, timeout=WAIT)
            assert panel.playback.output.wait(10.0)
            rec.settle(0.2)
            qtbot.waitUntil(lambda: not panel.playback.playing, timeout=WAIT)
            ons = [(m[0] & 0x0F, m[1]) for m, _ in rec.messages if m[0] & 0xF0 == 0x90 and m[2]]
            if ons[:4] == [(9, outputs.CLICK_HIGH)] + [(9, outputs.CLICK_LOW)] * 3:
                break
    finally:
        listener.close()
    assert ons[:4] == [(9, outputs.CLICK_HIGH)] + [(9, outputs.CLICK_LOW)] * 3  # the count-in
    music = [k for k, (channel, _) in enumerate(ons) if channel != 9]
    assert music and music[0] >= 4
    assert sum(channel == 9 for channel, _ in ons) >= 4 + 3  # the click goes on while it plays


def test_missing_outputs_are_named_in_the_status_bar(qtbot, panel: ComposerPanel) -> None:
    from engine.playback import audio_devices

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
    assert panel.transport.select(outputs.VIRTUAL)
    panel.output.activated.emit(panel.output.currentIndex())  # as when the user picks it
    qtbot.waitUntil(lambda: not panel.playback.opening, timeout=WAIT)
    sources, _ = ports.list_inputs()
    assert "Segue:Segue" in sources  # a DAW can connect to it now
    assert not panel.playback.playing and isinstance(panel.playback.output, PlayerProcess)


def controls_of(root: QWidget) -> list[QWidget]:
    """Every control a musician can reach in ``root``."""
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider)
    found = [w for w in root.findChildren(QWidget) if isinstance(w, kinds)]
    found += [w for w in root.findChildren(QLabel) if w.objectName() == "" and w.text()
              and not w.wordWrap()]
    return [w for w in found if w.isVisibleTo(root) and not w.parentWidget().inherits(
        "QAbstractSpinBox") and not w.inherits("QScrollBar")]


def scroll_into_view(widget: QWidget) -> None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 0, 0)
        parent = parent.parentWidget()
    QApplication.processEvents()


def fits(widget: QWidget) -> bool:
    """No text is cut: the widget is at least as wide as its text needs."""
    if isinstance(widget, QCheckBox):
        return widget.width() >= widget.sizeHint().width()
    if isinstance(widget, QAbstractButton):
        return widget.width() >= widget.fontMetrics().horizontalAdvance(widget.text()) + 8
    if isinstance(widget, QLabel):
        return widget.width() >= widget.sizeHint().width()
    if isinstance(widget, QComboBox):  # the text shown, plus the frame and arrow
        return widget.width() >= widget.fontMetrics().horizontalAdvance(widget.currentText()) + 24
    return widget.width() >= widget.minimumSizeHint().width()


def shown_text(widget: QWidget) -> str:
    """The text a button, label or combo box shows."""
    text = getattr(widget, "currentText", None) or getattr(widget, "text", None)
    return text() if callable(text) else ""


def show_widest_item(combo: QComboBox) -> None:
    texts = [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentText(max(texts, key=combo.fontMetrics().horizontalAdvance))


def test_minimum_window_size_shows_every_composer_control(qtbot, tiny_model: Path) -> None:
    from app.main_window import MINIMUM_SIZE, MainWindow
    from engine.paths import prepare_home

    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(0)
    window.show()
    qtbot.waitExposed(window)
    window.resize(400, 300)  # below the minimum: the window refuses
    assert (window.width(), window.height()) == MINIMUM_SIZE
    composer: ComposerPanel = window.panel("composer_panel")
    composer.controls.length.setValue(4)
    for combo in (composer.controls.melody_program, composer.controls.chord_program,
                  composer.controls.mode, composer.controls.key):
        show_widest_item(combo)
    run(qtbot, composer, composer.compose())
    composer.view.selected_block = 1
    run(qtbot, composer, composer.show_junction(1))
    time.sleep(0.05)
    QApplication.processEvents()
    controls = controls_of(composer)
    names = {w.text() for w in controls if isinstance(w, QAbstractButton)}
    assert {"Compose", "Play", "Play block", "Stop", "Panic", "Lock", "Delete", "Insert",
            "Regenerate", "Audition", "Accept", "Variations", "Count-in", "Click", "Loop",
            "Show all"} <= names
    assert len(controls) > 35
    hidden = []
    for widget in controls:
        scroll_into_view(widget)
        seen = widget.visibleRegion().boundingRect()
        if seen.size() != widget.size() or not fits(widget):
            hidden.append(f"{type(widget).__name__} {shown_text(widget)!r}"
                          f" {widget.size().toTuple()} seen {seen.size().toTuple()}")
    assert hidden == []
    assert composer.view.height() >= composer.view.minimumHeight()
    table = composer.candidates.table
    for row in range(table.rowCount()):  # nothing elided: a too-narrow list scrolls instead
        assert table.columnWidth(2) >= table.fontMetrics().horizontalAdvance(
            table.item(row, 2).text())
    window.project.discard_and_close()  # the chain is unsaved: close without asking
