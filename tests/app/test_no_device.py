"""The window on a machine with no sound card, no MIDI sequencer and no JACK server (issue 22).

Nothing is mocked between the panel and the devices: ``no_device`` points JACK clients and
PortAudio at a JACK server nobody runs, and this machine has no /dev/snd (the fixture skips where
a sound card exists). Play, Space, Audition and opening an output say once, inline, why nothing
can play (the backends tried, how to start one) and offer Export audio…; no QMessageBox ever
appears. File > Export audio… renders the chain to a non-silent file, with Cancel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow
from engine.dshl import api
from engine.paths import prepare_home
from engine.playback import outputs
from engine.project.chain import state_from_project
from tests.app.jobwait import WAIT, wait_job
from tests.engine.playback.test_render import chain_record
from tests.engine.playback.test_render_no_device import no_device, restart_portaudio

__all__ = ["no_device"]  # the fixture, imported for these tests


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box shown or asked for (modal or not), by its text."""
    seen: list[str] = []

    def record(box: QMessageBox, *args: object) -> int:
        seen.append(f"{box.windowTitle()}: {box.text()}")
        return 0

    for name in ("show", "exec", "open"):
        monkeypatch.setattr(QMessageBox, name, record)
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda *args, _name=name: seen.append(f"{_name}: {args[2] if len(args) > 2 else ''}")
            or QMessageBox.StandardButton.Close))
    return seen


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # noqa: ANN001
    """The real main window, its Composer holding a saved chain (no model needed to play it)."""
    win = MainWindow(prepare_home())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    composer = win.panel("composer_panel")
    qtbot.waitUntil(lambda: composer.transport._listed, timeout=WAIT)  # the background listing
    yield win
    qtbot.waitUntil(lambda: not composer.playback.opening and composer.audio_job is None,
                    timeout=WAIT)
    win.project.discard_and_close()


def messages(win: MainWindow) -> list[str]:
    """What the status bar said, recorded from now on."""
    said: list[str] = []
    win.statusBar().messageChanged.connect(lambda text: text and said.append(text))
    return said


def settle(qtbot, composer) -> None:  # noqa: ANN001
    """Wait until no output is being opened, then let the GUI handle what came back."""
    qtbot.waitUntil(lambda: not composer.playback.opening, timeout=WAIT)
    qtbot.wait(50)


def test_play_space_audition_and_opening_an_output_never_raise_a_dialog(
        qtbot, no_device: None, boxes: list[str], window: MainWindow,  # noqa: ANN001
        monkeypatch: pytest.MonkeyPatch) -> None:
    composer = window.panel("composer_panel")
    transport, notice = composer.transport, composer.transport.notice
    said = messages(window)
    assert composer.output.count() == 0  # nothing to offer: not even the virtual port
    assert notice.isVisible()  # said when the listing came back, before any Play
    text = notice.label.text()
    for part in ("internal synth unavailable", "no working MIDI backend", "ALSA", "Jack",
                 "JACK server not running", "jackd -d alsa", "modprobe snd-seq", "Export audio"):
        assert part in text, part
    assert notice.export_button.isVisible() and "Traceback" not in text

    composer.set_state(state_from_project(chain_record()))
    composer.play()  # Play
    window.activateWindow()
    qtbot.waitActive(window)
    composer.view.setFocus()
    qtbot.keyClick(composer.view, Qt.Key.Key_Space)  # Space
    # Audition: the candidate goes in place and plays (the chain edit itself needs no model here)
    monkeypatch.setattr("engine.dshl.chain.accept", lambda state, position, segment: state)
    composer.candidates.show_candidates(1, [api.ChainItem(
        id=3, tune="another tune", position=2, distance=1, score=0.5, ends_tune=False, fit=40)])
    job = composer.audition(0)
    wait_job(qtbot, job)
    composer.playback.open()  # what picking an output in the menu does
    settle(qtbot, composer)
    composer.play(first=0, last=1)  # Play block
    settle(qtbot, composer)

    assert boxes == []
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]
    assert not composer.playback.playing and composer.view.playhead is None
    assert notice.isVisible() and "Traceback" not in notice.label.text()
    cannot = [m for m in said if "cannot play here" in m]
    assert 1 <= len(cannot) <= 2, said  # once for the listing, once for the synth it tried
    assert not any("Traceback" in m or "\n" in m for m in said)
    transport.refresh()  # ↻ looks again, and says again what is missing
    assert notice.isVisible() and boxes == []


def test_export_audio_from_the_notice_and_the_file_menu_writes_sound(
        qtbot, no_device: None, boxes: list[str], window: MainWindow,  # noqa: ANN001
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    composer = window.panel("composer_panel")
    record = chain_record(blocks=2)
    composer.set_state(state_from_project(record))
    answers = iter([(str(tmp_path / "take"), "WAV audio (*.wav)"),
                    (str(tmp_path / "take2.flac"), "WAV audio (*.wav)")])
    monkeypatch.setattr("app.widgets.composer_audio_export.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: next(answers))
    said = messages(window)

    composer.transport.notice.export_button.click()
    job = composer.audio_job
    wait_job(qtbot, job)
    audio, rate = soundfile.read(str(tmp_path / "take.wav"))
    seconds = 2 * 4 * 60.0 / record.tempo
    assert rate == 44100 and abs(len(audio) / rate - (seconds + 1.0)) < 0.01
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.01
    assert any(f"exported audio to {tmp_path / 'take.wav'}" in m for m in said)

    window.tabs.setCurrentIndex(3)  # File > Export audio… from another tab
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.text() == "Export au&dio…")
    assert action.shortcut().toString() == "Ctrl+Shift+E"
    action.trigger()
    assert window.current_panel() is composer
    wait_job(qtbot, composer.audio_job)
    assert soundfile.info(str(tmp_path / "take2.flac")).format == "FLAC"
    assert boxes == []


def test_export_audio_without_a_chain_says_so_and_cancel_leaves_no_file(
        qtbot, no_device: None, boxes: list[str], window: MainWindow,  # noqa: ANN001
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    composer = window.panel("composer_panel")
    asked: list[str] = []
    monkeypatch.setattr("app.widgets.composer_audio_export.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: asked.append("dialog") or ("", ""))
    said = messages(window)
    composer.export_audio(window.tabs)
    assert asked == [] and any("compose a chain before exporting its audio" in m for m in said)

    composer.set_state(state_from_project(chain_record(blocks=48)))  # long enough to cancel
    out = tmp_path / "exports" / "long.wav"
    job = composer.export_audio_to(out)
    job.progress.connect(lambda _fraction, _text: job.cancel())
    wait_job(qtbot, job)
    assert not out.exists() and [p.name for p in out.parent.iterdir()] == []
    assert any("cancelled" in m for m in said) and boxes == []


@pytest.mark.jack
def test_a_midi_output_that_cannot_open_plays_through_the_synth_instead(
        qtbot, boxes: list[str], window: MainWindow) -> None:  # noqa: ANN001
    restart_portaudio()  # PortAudio may have started before the JACK server did
    composer = window.panel("composer_panel")
    composer.transport.refresh()
    if composer.output.findText(outputs.Output(outputs.SYNTH).label) < 0:
        pytest.skip("PortAudio sees no audio device through JACK here")
    composer.set_state(state_from_project(chain_record(blocks=2)))
    composer.playback.choose(outputs.Output(outputs.PORT, "no-such-port"))
    composer.play()
    qtbot.waitUntil(lambda: composer.view.playhead is not None and composer.view.playhead > 0.5,
                    timeout=WAIT)
    notice = composer.transport.notice
    assert notice.isVisible() and "no-such-port" in notice.label.text()
    assert "Playing through the internal synth" in notice.label.text()
    assert not notice.export_button.isVisible()
    composer.playback.stop()
    assert not composer.playback.playing and boxes == []
