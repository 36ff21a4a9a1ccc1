"""Run by tests/app/test_projects.py in a child process: a real Segue window that composes,
writes a duet, edits a line by hand, waits for its autosave, prints its project sections as one
JSON line, then keeps running until the test kills it with SIGKILL.
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from engine.paths import prepare_home

EDITED = "typed by hand just before the crash"


def _wait(app: QApplication, done, seconds: float = 240.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the crash session did not get ready")
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    """Compose, write, edit, autosave, report, then wait to be killed."""
    app = QApplication(sys.argv[:1])
    window = MainWindow(prepare_home())
    window.show()
    composer = window.panel("composer_panel")
    composer.controls.length.setValue(3)
    composer.controls.seed.setValue(11)
    composer.controls.key.setCurrentText("A")
    composer.compose()
    _wait(app, lambda: composer.state is not None and composer.busy is None)
    lyrics = window.panel("lyrics_panel")
    window.tabs.setCurrentWidget(lyrics)
    _wait(app, lambda: lyrics.write_button.isEnabled())
    lyrics.line_count.setValue(4)
    lyrics.write()
    _wait(app, lambda: len(lyrics.lines) == 4 and lyrics.write_button.isEnabled())
    lyrics.edit_line(1, EDITED)
    session = window.project.autosaver.session
    _wait(app, lambda: session.path.is_file() and EDITED in session.path.read_text("utf-8"))
    print(json.dumps(window.project.sections()), flush=True)
    while True:
        app.processEvents()
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
