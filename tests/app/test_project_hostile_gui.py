"""Hostile `.segue` files in the window (issue 26, items 2 and 4): opening an invalid project
shows one error box naming the file and the field (nothing on stderr, the work kept); Save As
of a lone surrogate saves it faithfully; a save that fails or is refused says so in a box."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow
from engine.paths import prepare_home
from engine.project.files import load_project
from tests.app.jobwait import WAIT, wait_job
from tests.engine.lyrics.helpers import make_assets

GOOD = {"format": "segue-project", "format_version": 1,
        "composer": {"settings": {"tempo": 100.0},
                     "chain": {"collection": "reels-gone", "key": "G", "tempo": 80.0,
                               "segments": [{"id": 3, "tune": "a reel", "position": 0}],
                               "notes": [[0.0, 2.0, 62, 96, "melody"]]}},
        "lyrics": {"lines": [{"artist": "Someone", "text": "from the file"}]}}
TEXT = json.dumps(GOOD)
BAD = {  # file text → what the error names
    "tempo-nan": (TEXT.replace('"tempo": 100.0', '"tempo": NaN'), "composer.settings.tempo"),
    "tempo-1e999": (TEXT.replace('"tempo": 80.0', '"tempo": 1e999'), "composer.chain.tempo"),
    "tempo-1e308": (TEXT.replace('"tempo": 80.0', '"tempo": 1e308'), "composer.chain.tempo"),
    "note-inf": (TEXT.replace("[0.0, 2.0, 62", "[-Infinity, Infinity, 62"),
                 "composer.chain.notes[0][0]"),
    "id-negative": (TEXT.replace('"id": 3', '"id": -5'), "composer.chain.segments[0].id"),
    "meter-zero": (TEXT.replace('"key": "G"', '"key": "G", "meter": "0/0"'),
                  "composer.chain.meter"),
    "5000-digits": (TEXT.replace('"id": 3', '"id": 3' + "7" * 5000),
                    "composer.chain.segments[0].id"),
    "900-deep": (TEXT.replace('"lyrics"', '"commentary": {"samples": [' + "[" * 900 + "]" * 900
                              + ']}, "lyrics"'), "nested"),
    "lyrics-seed-huge": (TEXT.replace('"lines"', f'"seed": {2**40}, "lines"'), "lyrics.seed"),
}


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """One window over tiny fake assets, closed for good (no question) at the end of the test."""
    monkeypatch.setenv("SEGUE_ASSETS", str(make_assets(tmp_path / "assets")))
    opened = MainWindow(prepare_home())
    qtbot.addWidget(opened)
    opened.show()
    qtbot.waitExposed(opened)
    yield opened
    opened.project.discard_and_close()


def lyric_lines(window: MainWindow, *texts: str) -> None:
    """Give the Lyrics panel some lines without any model (as opening a project would)."""
    window.panel("lyrics_panel").apply_project_state(
        {"lines": [{"artist": "Robert Burns", "text": t, "voice": k % 2}
                   for k, t in enumerate(texts)]})


def visible_boxes(window: MainWindow) -> list[QMessageBox]:
    """The window's message boxes on screen."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)
            and w.isVisible() and w.parent() is window]


@pytest.mark.parametrize("name", list(BAD))
def test_opening_an_invalid_project_shows_one_box_naming_file_and_field(qtbot, window, tmp_path,
                                                                        capfd, name) -> None:
    text, field = BAD[name]
    lyric_lines(window, "still here")
    path = tmp_path / f"{name}.segue"
    path.write_text(text, encoding="utf-8")
    capfd.readouterr()
    assert window.project.open_path(path) is None  # refused before any job starts
    qtbot.wait(100)
    report = window.project.report
    assert report is not None and report.isVisible() and visible_boxes(window) == [report]
    assert report.text().startswith(f"{path}: ") and field in report.text(), report.text()
    assert "\n" not in report.text()
    assert window.panel("lyrics_panel").lines[0].text == "still here"
    assert window.windowTitle() == "Untitled[*] — Segue"
    assert "Traceback" not in capfd.readouterr().err


def test_a_good_neighbour_of_those_files_opens(qtbot, window, tmp_path) -> None:
    path = tmp_path / "good.segue"
    path.write_text(TEXT, encoding="utf-8")
    wait_job(qtbot, window.project.open_path(path))
    qtbot.waitUntil(lambda: window.project.path == path, timeout=WAIT)
    assert window.panel("lyrics_panel").lines[0].text == "from the file"


def test_save_as_with_a_lone_surrogate_saves_it_faithfully(qtbot, window, tmp_path) -> None:
    lyric_lines(window, "half a pair \ud800 here", "fine")
    path = tmp_path / "surrogate.segue"
    window.project.ask_save_path = lambda: str(path)
    assert window.project.save_as()
    assert window.project.report is None and visible_boxes(window) == []
    assert [ln.text for ln in load_project(path).lyrics.lines] == ["half a pair \ud800 here",
                                                                   "fine"]
    assert not window.isWindowModified()
    window.project.new()
    wait_job(qtbot, window.project.open_path(path))  # and it opens again as it was
    qtbot.waitUntil(lambda: window.project.path == path, timeout=WAIT)
    assert window.panel("lyrics_panel").lines[0].text == "half a pair \ud800 here"


def test_a_save_that_fails_shows_a_box_naming_the_file(qtbot, window, tmp_path) -> None:
    lyric_lines(window, "my work")
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "song.segue"
    assert not window.project.save_to(target)
    report = window.project.report
    assert report.isVisible() and str(target) in report.text()
    assert window.project.path is None


def test_a_save_of_a_project_it_could_not_reopen_is_refused_in_a_box(qtbot, window, tmp_path,
                                                                     monkeypatch) -> None:
    panel = window.panel("lyrics_panel")
    state = panel.project_state()
    monkeypatch.setattr(panel, "project_state", lambda: {**state, "seed": 2**40})
    path = tmp_path / "never.segue"
    assert not window.project.save_to(path)
    report = window.project.report
    assert report.isVisible() and report.text().startswith(f"{path}: ")
    assert "lyrics.seed" in report.text() and not path.exists()
