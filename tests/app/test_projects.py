"""Projects in the real window: save → close → open restores both panels, kill -9 → restore,
closing with changes asks (Save / Discard / Cancel), the title's modified marker, what changed,
bad project files, Open Recent, autosave, and two windows on one SEGUE_HOME."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.main_window import MainWindow
from engine.paths import prepare_home
from engine.project import autosave
from tests.app import crash_session
from tests.app.jobwait import wait_job
from tests.conftest import REPO
from tests.engine.lyrics.helpers import make_assets

WAIT = 60_000


@pytest.fixture()
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tiny lyric artists in a fake assets folder (the composer uses the tiny model in SEGUE_HOME)."""
    folder = make_assets(tmp_path)
    monkeypatch.setenv("SEGUE_ASSETS", str(folder))
    return folder


@pytest.fixture()
def windows(qtbot):
    """Open windows; each is closed for good (no question) at the end of the test."""
    opened: list[MainWindow] = []

    def open_window() -> MainWindow:
        window = MainWindow(prepare_home())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window
    yield open_window
    for window in opened:
        window.project.discard_and_close()


def compose(qtbot, window: MainWindow) -> None:
    panel = window.panel("composer_panel")
    panel.controls.length.setValue(4)
    panel.controls.seed.setValue(7)
    panel.controls.key.setCurrentText("D")
    panel.controls.tempo.setValue(95)
    panel.compose()
    qtbot.waitUntil(lambda: panel.state is not None and panel.busy is None, timeout=WAIT)


def write_duet(qtbot, window: MainWindow) -> None:
    panel = window.panel("lyrics_panel")
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.write_button.isEnabled, timeout=WAIT)
    panel.line_count.setValue(4)
    panel.seed.setValue(3)
    wait_job(qtbot, panel.write())
    assert len(panel.lines) == 4


def lyric_lines(window: MainWindow, *texts: str) -> None:
    """Give the Lyrics panel some lines without any model (as opening a project would)."""
    window.panel("lyrics_panel").apply_project_state(
        {"lines": [{"artist": "Robert Burns", "text": t, "voice": k % 2}
                   for k, t in enumerate(texts)]})


def test_save_close_open_restores_both_panels(qtbot, windows, tiny_model, assets, tmp_path,
                                              segue_home) -> None:
    window = windows()
    assert window.windowTitle() == "Untitled[*] — Segue" and not window.isWindowModified()
    compose(qtbot, window)
    composer = window.panel("composer_panel")
    composer.view.selected_block = 2
    composer.toggle_lock()
    write_duet(qtbot, window)
    lyrics = window.panel("lyrics_panel")
    lyrics.set_locked(1, True)
    lyrics.edit_line(0, "A line I wrote myself")
    lyrics.temp_b.setValue(1.25)
    lyrics.rhyme.setCurrentIndex(lyrics.rhyme.findData("ABCB"))
    lyrics.metre.setCurrentIndex(lyrics.metre.findData("short"))
    commentary = {"tags": ["folk", "reel"], "samples": [{"text": "a kept sample", "kept": True}]}
    assert window.panel("commentary_panel").apply_project_state(commentary) == []
    assert window.isWindowModified()
    before = window.project.sections()
    path = tmp_path / "my song.segue"
    window.project.ask_save_path = lambda: str(path.with_suffix(""))  # .segue is added
    assert window.project.save()
    assert window.windowTitle() == "my song[*] — Segue" and not window.isWindowModified()
    assert window.close()  # nothing unsaved: no question
    assert list((segue_home / "autosave").iterdir()) == []  # a clean exit leaves no autosave

    again = windows()  # the project open at closing time reopens by itself
    qtbot.waitUntil(lambda: again.project.path == path, timeout=WAIT)
    assert again.project.sections() == before
    assert again.panel("commentary_panel").project_state() == commentary
    again.project.new()  # and File > Open… brings it back too
    assert again.panel("composer_panel").state is None and again.project.path is None
    again.project.ask_open_path = lambda: str(path)
    again.project.open()
    qtbot.waitUntil(lambda: again.project.path == path, timeout=WAIT)
    assert again.project.sections() == before
    restored, state = again.panel("composer_panel"), composer.state
    assert [it.id for it in restored.state.chain.items] == [it.id for it in state.chain.items]
    assert restored.state.locked == {2} and restored.view.blocks[2].locked
    assert restored.state.notes == state.notes and len(restored.view.notes) == len(state.notes)
    assert restored.controls.key.currentText() == "D" and restored.controls.tempo.value() == 95
    restored_lyrics = again.panel("lyrics_panel")
    assert restored_lyrics.lines == lyrics.lines and restored_lyrics.lines[1].locked
    assert restored_lyrics.table.item(0, 1).text() == "A line I wrote myself"
    assert restored_lyrics.temp_b.value() == 1.25
    assert (restored_lyrics.rhyme.currentData(), restored_lyrics.metre.currentData()) == ("ABCB", "short")
    again.tabs.setCurrentWidget(restored_lyrics)  # artists listed after opening: choice kept
    qtbot.waitUntil(lambda: restored_lyrics.artist_a.count() > 0, timeout=WAIT)
    assert restored_lyrics.artist_b.currentData() == lyrics.artist_b.currentData()
    assert again.windowTitle() == "my song[*] — Segue" and not again.isWindowModified()
    assert again.project.recent()[0] == str(path.resolve())


def _read_line(child: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, "the crash session printed nothing"
    return child.stdout.readline()


def test_kill_9_during_editing_then_relaunch_offers_the_autosave(qtbot, windows, tiny_model,
                                                                 assets, segue_home) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-m", "tests.app.crash_session"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = _read_line(child, 300)
        assert line, child.stderr.read()
        sections = json.loads(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert sections["lyrics"]["lines"][1]["text"] == crash_session.EDITED

    window = windows()
    qtbot.waitUntil(lambda: window.project.autosaver.question is not None, timeout=WAIT)
    box = window.project.autosaver.question
    assert "did not close properly" in box.text() and box.isVisible()
    window.project.autosaver.restore_button.click()
    qtbot.waitUntil(lambda: window.panel("composer_panel").state is not None, timeout=WAIT)
    assert window.project.sections() == sections
    assert window.isWindowModified() and window.windowTitle() == "Untitled[*] — Segue"
    qtbot.waitUntil(lambda: len(list((segue_home / "autosave").glob("*.segue"))) == 1,
                    timeout=WAIT)
    mine = window.project.autosaver.session.path
    assert [p.name for p in (segue_home / "autosave").glob("*.segue")] == [mine.name]

    later = windows()  # a second launch offers nothing: the crash autosave is consumed
    qtbot.wait(200)
    assert later.project.autosaver.question is None


def unsaved_window(windows, path: Path) -> MainWindow:
    window = windows()
    lyric_lines(window, "first line", "second line")
    assert window.project.save_to(path)
    window.panel("lyrics_panel").edit_line(0, "changed after saving")
    assert window.isWindowModified()
    return window


def quit_action(window: MainWindow):
    file_menu = window.menuBar().actions()[0].menu()
    return next(a for a in file_menu.actions() if a.text() == "&Quit")


@pytest.mark.parametrize("answer", ["Save", "Discard", "Cancel"])
def test_closing_with_changes_asks(qtbot, windows, tmp_path, segue_home, answer) -> None:
    path = tmp_path / "ask.segue"
    window = unsaved_window(windows, path)
    quit_action(window).trigger()  # Ctrl+Q
    box = window.project.question
    assert box is not None and box.isVisible() and window.isVisible()
    assert "Save the changes to ask?" in box.text()
    box.button(getattr(QMessageBox.StandardButton, answer)).click()
    saved = path.read_text(encoding="utf-8")
    if answer == "Cancel":
        assert window.isVisible() and window.isWindowModified()
        assert "changed after saving" not in saved
        assert window.project.question is None
    else:
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT)
        assert ("changed after saving" in saved) == (answer == "Save")
        assert list((segue_home / "autosave").iterdir()) == []


def test_title_shows_name_and_modified_marker(qtbot, windows, tmp_path) -> None:
    window = windows()
    assert window.windowTitle() == "Untitled[*] — Segue" and not window.isWindowModified()
    lyric_lines(window, "one")
    lyrics = window.panel("lyrics_panel")
    lyrics.edit_line(0, "two")
    assert window.isWindowModified()
    lyrics.undo_stack.undo()
    assert not window.isWindowModified()  # back to what the project was
    composer = window.panel("composer_panel")
    composer.controls.key.setCurrentText("Eb")
    composer.controls.key.activated.emit(composer.controls.key.currentIndex())  # as a click does
    qtbot.waitUntil(window.isWindowModified, timeout=WAIT)  # settings without undo count too
    assert window.project.save_to(tmp_path / "named.segue")
    assert window.windowTitle() == "named[*] — Segue" and not window.isWindowModified()


def test_autosave_follows_changes_and_goes_after_saving(qtbot, windows, tmp_path) -> None:
    window = windows()
    lyric_lines(window, "one")
    window.panel("lyrics_panel").edit_line(0, "autosaved line")
    session = window.project.autosaver.session
    qtbot.waitUntil(lambda: session.path.is_file(), timeout=WAIT)  # debounced, ~1 s
    assert "autosaved line" in session.path.read_text(encoding="utf-8")
    assert window.project.autosaver.timer.interval() == 30_000
    assert window.project.autosaver.timer.isActive()
    assert window.project.save_to(tmp_path / "s.segue")
    assert not session.path.exists()


def test_two_windows_on_one_home_do_not_take_each_others_autosave(qtbot, windows,
                                                                  segue_home) -> None:
    first = windows()
    lyric_lines(first, "one")
    first.panel("lyrics_panel").edit_line(0, "first window's work")
    assert first.project.autosaver.write_now() is not None
    second = windows()
    qtbot.wait(200)
    assert second.project.autosaver.question is None
    assert autosave.claim_orphans(segue_home) == []
    assert first.project.autosaver.session.path.is_file()


def test_missing_collection_and_artist_say_what_changed(qtbot, windows, tmp_path) -> None:
    notes = [[0.0, 2.0, 62, 96, "melody"], [2.0, 4.0, 64, 96, "melody"], [0, 4, 50, 64, "chords"]]
    data = {"format": "segue-project", "format_version": 1,
            "composer": {"chain": {"collection": "reels-gone", "key": "G", "tempo": 80,
                                   "segments": [{"id": 3, "tune": "a reel", "locked": True}],
                                   "notes": notes}},
            "lyrics": {"artist_a": "someone_else", "lines": [{"artist": "Someone", "text": "kept"}]}}
    path = tmp_path / "old.segue"
    path.write_text(json.dumps(data), encoding="utf-8")
    window = windows()
    wait_job(qtbot, window.project.open_path(path))
    report = window.project.report
    assert report is not None and "what changed" in report.windowTitle()
    assert "reels-gone" in report.detailedText() and "someone_else" in report.detailedText()
    composer = window.panel("composer_panel")
    assert composer.state is not None and len(composer.view.blocks) == 1
    assert composer.state.locked == {0} and len(composer.view.notes) == 3
    assert window.panel("lyrics_panel").lines[0].text == "kept"


@pytest.mark.parametrize("content", ["{not json", '{"format": "segue-project", '
                                                  '"format_version": 5}'])
def test_a_bad_project_file_gives_one_error_and_changes_nothing(qtbot, windows, tmp_path,
                                                                content) -> None:
    window = windows()
    lyric_lines(window, "still here")
    path = tmp_path / "broken.segue"
    path.write_text(content, encoding="utf-8")
    assert window.project.open_path(path) is None
    report = window.project.report
    assert report.isVisible() and report.text().startswith(f"{path}: ")
    assert window.panel("lyrics_panel").lines[0].text == "still here"
    assert window.isVisible() and window.windowTitle() == "Untitled[*] — Segue"


def test_open_recent_prunes_missing_files_with_a_message(qtbot, windows, tmp_path) -> None:
    window = windows()
    kept, gone = tmp_path / "kept.segue", tmp_path / "gone.segue"
    assert window.project.save_to(gone) and window.project.save_to(kept)
    gone.unlink()
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    assert window.project.fill_recent_menu() == [str(gone.resolve())]
    assert any("Removed from Open Recent" in m and "gone.segue" in m for m in messages)
    entries = [a.text() for a in window.project.recent_menu.actions()]
    assert entries == ["kept"] and window.project.recent() == [str(kept.resolve())]
    window.project.recent_menu.actions()[0].trigger()  # opening it needs no question
    qtbot.waitUntil(lambda: window.project.path == kept, timeout=WAIT)


def test_file_menu_has_the_project_actions_with_standard_shortcuts(windows) -> None:
    window = windows()
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert texts[:5] == ["&New", "&Open…", "Open &Recent", "&Save", "Save &As…"]
    keys = {name: a.shortcut().toString() for name, a in window.project.actions.items()}
    assert keys["new"] == "Ctrl+N" and keys["open"] == "Ctrl+O" and keys["save"] == "Ctrl+S"
    assert keys["save_as"] == "Ctrl+Shift+S"


@pytest.mark.parametrize("answer", ["Discard", "Later"])
def test_declining_the_restore_deletes_or_keeps_the_autosave(qtbot, windows, segue_home,
                                                              answer) -> None:
    from engine.project.model import Project, project_to_dict

    crashed = autosave.Session(segue_home)
    project = Project()
    project.lyrics.seed = 99
    crashed.write(project_to_dict(project), None)
    crashed.abandon()  # the lock goes as in a crash; the files stay
    window = windows()
    qtbot.waitUntil(lambda: window.project.autosaver.question is not None, timeout=WAIT)
    saver = window.project.autosaver
    (saver.discard_button if answer == "Discard" else saver.later_button).click()
    assert window.panel("lyrics_panel").seed.value() == 1  # nothing restored
    assert crashed.path.exists() == (answer == "Later")
    left = autosave.claim_orphans(segue_home)
    assert len(left) == (answer == "Later")  # "Later" offers it again at the next launch
    for orphan in left:
        orphan.release()


def test_file_open_takes_a_midi_phrase_to_the_composer(qtbot, windows, tiny_model,
                                                      tmp_path) -> None:
    from engine.dshl import api, chain

    phrase = api.write_midi(chain.compose_state(api.ComposeRequest(segments=2, seed=8)).chain,
                            tmp_path / "riff.mid")
    window = windows()
    window.tabs.setCurrentIndex(1)
    window.project.ask_open_path = lambda: str(phrase)
    window.project.open()
    composer = window.panel("composer_panel")
    assert window.current_panel() is composer and window.project.question is None
    qtbot.waitUntil(lambda: composer.state is not None and composer.busy is None, timeout=WAIT)
    assert composer.undo_stack.undoText() == "continued riff.mid"
    assert window.isWindowModified() and window.project.path is None
