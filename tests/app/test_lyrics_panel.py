"""pytest-qt drives the Lyrics panel offscreen with tiny artist models."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.jobs import JobRunner
from app.panels.lyrics import (
    COL_LOCK,
    COL_REGEN,
    COL_RHYME,
    COL_SYLLABLES,
    COL_TEXT,
    VOICE_COLOURS,
    LyricsPanel,
)
from engine.jobs import check_cancelled
from engine.lyrics import artists, service
from engine.lyrics.artists import ArtistInfo
from engine.lyrics.model import save_artist
from tests.app.jobwait import wait_job
from tests.engine.lyrics.helpers import SAMPLE, make_assets, tiny_artist

WAIT = 10_000


@pytest.fixture()
def panel(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LyricsPanel]:
    monkeypatch.setenv("SEGUE_ASSETS", str(make_assets(tmp_path)))
    runner = JobRunner()
    widget = LyricsPanel(runner)
    qtbot.addWidget(widget)
    assert widget.artist_a.count() == 0  # nothing loads before the panel is shown
    with qtbot.waitSignal(runner.job_done, timeout=WAIT):
        widget.show()
    # Tiny untrained models: the plain sampler keeps these tests fast (constraints tested below).
    widget.rhyme.setCurrentIndex(widget.rhyme.findData("none"))
    widget.metre.setCurrentIndex(widget.metre.findData("free"))
    widget.real_words.setChecked(False)
    yield widget
    widget.shutdown()
    runner.shutdown()


def _wait(qtbot, job) -> None:
    wait_job(qtbot, job, timeout=WAIT)


def _texts(panel: LyricsPanel) -> list[str]:
    return [line.text for line in panel.lines]


def test_artists_fill_the_choosers(panel: LyricsPanel) -> None:
    assert [panel.artist_a.itemText(i) for i in range(panel.artist_a.count())] == [
        "Robert Burns", "Emily Dickinson"]
    assert panel.artist_a.currentData() == "robert_burns"
    assert panel.artist_b.currentData() == "emily_dickinson"
    assert panel.write_button.isEnabled()


def test_write_duet_shows_lines_coloured_by_artist(panel: LyricsPanel, qtbot) -> None:
    panel.line_count.setValue(6)
    panel.pattern.setCurrentIndex(panel.pattern.findData("AABB"))
    _wait(qtbot, panel.write())
    assert panel.table.rowCount() == 6
    assert [line.voice for line in panel.lines] == [0, 0, 1, 1, 0, 0]
    assert panel.table.item(0, 0).text() == "Robert Burns"
    assert panel.table.item(2, 0).text() == "Emily Dickinson"
    assert panel.table.item(0, COL_TEXT).foreground().color() == VOICE_COLOURS[0]
    assert panel.table.item(2, COL_TEXT).foreground().color() == VOICE_COLOURS[1]
    assert panel.undo_stack.count() == 1


def test_regenerate_changes_one_line_and_undo_restores(panel: LyricsPanel, qtbot) -> None:
    _wait(qtbot, panel.write())
    before = _texts(panel)
    _wait(qtbot, panel.regenerate(3))
    after = _texts(panel)
    assert after[3] != before[3]
    assert after[:3] == before[:3] and after[4:] == before[4:]
    assert panel.table.item(3, COL_TEXT).text() == after[3]
    panel.undo_stack.undo()
    assert _texts(panel) == before


def test_a_locked_line_is_flagged_when_the_pair_changes(panel: LyricsPanel, qtbot) -> None:
    _wait(qtbot, panel.write())
    panel.set_locked(0, True)  # Robert Burns's line
    assert panel.foreign_rows == []
    panel.artist_a.setCurrentIndex(panel.artist_a.findData("emily_dickinson"))
    assert panel.foreign_rows == [0]
    assert panel.table.item(0, 0).text().startswith("\u26a0")
    assert "not in this duet" in panel.table.item(0, 0).toolTip()
    assert "not in this duet" in panel.status.text()
    panel.artist_a.setCurrentIndex(panel.artist_a.findData("robert_burns"))
    assert panel.foreign_rows == [] and panel.table.item(0, 0).text() == "Robert Burns"


def test_lock_by_checkbox_is_undoable_and_survives_rewrite(panel: LyricsPanel, qtbot) -> None:
    _wait(qtbot, panel.write())
    kept = panel.lines[1].text
    panel.table.item(1, COL_LOCK).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: panel.lines[1].locked, timeout=WAIT)
    assert not panel.table.cellWidget(1, COL_REGEN).isEnabled()
    panel.seed.setValue(77)
    _wait(qtbot, panel.write())
    assert panel.lines[1].text == kept and panel.lines[1].locked
    assert _texts(panel)[0] != kept
    panel.undo_stack.undo()
    panel.undo_stack.undo()
    assert not panel.lines[1].locked


def test_edit_line_in_place_is_undoable(panel: LyricsPanel, qtbot) -> None:
    _wait(qtbot, panel.write())
    original = panel.lines[0].text
    panel.table.item(0, COL_TEXT).setText("My own words")
    qtbot.waitUntil(lambda: panel.lines[0].text == "My own words", timeout=WAIT)
    panel.undo_stack.undo()
    assert panel.lines[0].text == original
    assert panel.table.item(0, COL_TEXT).text() == original


def test_continue_from_a_typed_line(panel: LyricsPanel, qtbot) -> None:
    panel.user_line.setText("The moon is a bell")
    panel.continue_count.setValue(3)
    _wait(qtbot, panel.continue_from_user())
    assert [line.artist for line in panel.lines] == ["You", "Emily Dickinson", "Robert Burns",
                                                     "Emily Dickinson"]
    assert panel.lines[0].text == "The moon is a bell"
    assert panel.user_line.text() == ""


def test_copy_and_export_text(panel: LyricsPanel, qtbot, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    panel.line_count.setValue(2)
    _wait(qtbot, panel.write())
    panel.copy()
    assert QGuiApplication.clipboard().text().startswith(f"Robert Burns: {panel.lines[0].text}")
    target = tmp_path / "out" / "duet.txt"
    monkeypatch.setattr(panel, "ask_export_path", lambda: str(target))
    panel.with_names.setChecked(False)
    panel.export()
    assert target.read_text(encoding="utf-8") == "".join(t + "\n" for t in _texts(panel))


def test_add_artist_trains_in_background_and_appears(panel: LyricsPanel, qtbot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_train(name, files, minutes=15.0, progress=None, cancelled=None):
        progress(0.5, "half way, about 1 min left")
        path = artists.user_models_dir() / "new_voice.pt"
        save_artist(path, tiny_artist(name, seed=9))
        return ArtistInfo("new_voice", name, path, False, {"val_nats_per_char": 3.2, "origin": "test"})

    monkeypatch.setattr(service, "train", fake_train)
    dialog = panel.add_artist()
    dialog.name_edit.setText("New Voice")
    dialog.add_paths([str(SAMPLE)])
    with qtbot.waitSignal(dialog.trained, timeout=WAIT):
        dialog.start()
    assert dialog.progress.value() == 1000
    assert "3.200 nats/char" in dialog.message.text()
    qtbot.waitUntil(lambda: panel.artist_a.count() == 3, timeout=WAIT)
    assert panel.artist_b.findText("New Voice") == 2


def test_cancel_training_from_the_dialog(panel: LyricsPanel, qtbot,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_train(name, files, minutes=15.0, progress=None, cancelled=None):
        while True:
            progress(0.1, "working")
            check_cancelled(cancelled)
            time.sleep(0.01)

    monkeypatch.setattr(service, "train", slow_train)
    dialog = panel.add_artist()
    dialog.name_edit.setText("Slow")
    dialog.add_paths([str(SAMPLE)])
    dialog.start()
    assert dialog.cancel_button.text() == "Cancel"
    with qtbot.waitSignal(dialog.job.cancelled, timeout=WAIT):
        dialog.cancel_button.click()
    assert "Cancelled" in dialog.message.text()
    qtbot.waitUntil(lambda: dialog.train_button.isEnabled(), timeout=WAIT)


def test_dialog_requires_name_and_files(panel: LyricsPanel) -> None:
    dialog = panel.add_artist()
    dialog.start()
    assert dialog.job is None
    assert "name" in dialog.message.text()


def test_set_to_melody_saves_a_midi_with_lyrics(panel: LyricsPanel, qtbot, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import mido

    from tests.engine.lyrics.test_melody import _melody

    panel.line_count.setValue(2)
    _wait(qtbot, panel.write())
    tune = _melody(tmp_path / "tune.mid", [60, 62, 64, 65, 67])
    out = tmp_path / "sung.mid"
    monkeypatch.setattr(panel, "ask_melody_paths", lambda: (str(tune), str(out)))
    _wait(qtbot, panel.set_to_melody())
    lyrics = [m.text for t in mido.MidiFile(str(out)).tracks for m in t if m.type == "lyrics"]
    assert lyrics and lyrics[-1].endswith("\r")
    assert "Sung" in panel.status.text()


def test_constrained_duet_shows_rhyme_words_and_syllables(panel: LyricsPanel, qtbot) -> None:
    from engine.lyrics.metrics import annotate

    panel.rhyme.setCurrentIndex(panel.rhyme.findData("AABB"))
    panel.metre.setCurrentIndex(panel.metre.findData("common"))
    panel.real_words.setChecked(True)
    panel.line_count.setValue(4)
    assert panel.spec().rhyme == "AABB" and panel.spec().metre == "common" and panel.spec().real_words
    job = panel.write()
    qtbot.waitSignal(job.finished, timeout=6 * WAIT).wait()
    notes = annotate(_texts(panel), "common")
    for row, note in enumerate(notes):
        assert panel.table.item(row, COL_SYLLABLES).text() == f"{note.syllables}/{(8, 6)[row % 2]}"
        assert panel.table.item(row, COL_RHYME).text() == f"{note.end_word} ({note.letter})"
        assert panel.table.item(row, COL_RHYME).font().bold() == note.rhymed


def test_cancelled_duet_clears_its_progress_label(panel: LyricsPanel, qtbot) -> None:
    panel.line_count.setValue(200)
    job = panel.write()
    qtbot.waitSignal(job.progress, timeout=WAIT).wait()
    job.cancel()
    _wait(qtbot, job)
    assert panel.status.text() == "Writing duet: cancelled."
    assert panel.write_button.isEnabled()


def test_set_to_the_composers_chain(panel: LyricsPanel, qtbot, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import mido

    from engine.lyrics.duet import DuetLine
    from engine.lyrics.melody import melody_of_state
    from engine.project.chain import state_from_project
    from tests.engine.music.leadsheet_helpers import chain_record

    assert panel.set_to_chain() is None and "Nothing to sing" in panel.status.text()
    panel.set_lines([DuetLine("Robert Burns", "O my luve is like a red red rose", 0),
                     DuetLine("Emily Dickinson", "That's newly sprung in June", 1)])
    assert panel.set_to_chain() is None and "no chain yet" in panel.status.text()
    state = state_from_project(chain_record())  # its collection is not installed: no matter
    out = tmp_path / "sung.mid"
    monkeypatch.setattr(panel, "ask_sung_path", lambda _suggestion: str(out))
    before = panel.undo_stack.count()
    _wait(qtbot, panel.set_to_chain(state))
    assert "Composer's chain" in panel.status.text(), panel.status.text()
    lyrics = [m.text for t in mido.MidiFile(str(out)).tracks for m in t if m.type == "lyrics"]
    assert lyrics and lyrics[-1].endswith("\r")
    assert panel.sung_to == melody_of_state(state).fingerprint()
    assert panel.project_state()["sung_to"] == panel.sung_to  # saved with the project
    assert panel.undo_stack.count() == before + 1
    panel.undo_stack.undo()
    assert panel.sung_to == "" and panel.project_state()["sung_to"] == ""
