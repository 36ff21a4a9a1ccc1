"""`segue gui FILE` (what the desktop entry's `%F` runs) opens a .segue project in the window."""

from __future__ import annotations

from pathlib import Path

from app.main import open_files
from app.main_window import MainWindow
from engine import cli
from engine.paths import prepare_home


def test_gui_hands_the_named_files_to_the_window():
    opened: list[list[str]] = []
    assert cli.main(["gui", "gig.segue"], gui=lambda files: opened.append(files) or 0) == 0
    assert cli.main([], gui=lambda files: opened.append(files) or 0) == 0
    assert opened == [["gig.segue"], []]


def test_a_project_named_on_the_command_line_opens(qtbot, tmp_path: Path):
    first = MainWindow(prepare_home())
    qtbot.addWidget(first)
    path = tmp_path / "gig.segue"
    assert first.project.save_to(path)
    first.project.discard_and_close()

    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Untitled[*] — Segue"
    open_files(window, [str(path)])
    # opening checks the project on the engine lane, queued behind the start-up jobs (model loads)
    qtbot.waitUntil(lambda: window.windowTitle() == "gig[*] — Segue", timeout=180_000)
    assert window.project.path == path
    window.project.discard_and_close()
