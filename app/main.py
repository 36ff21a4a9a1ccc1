"""Start the Qt application: check for a display, prepare SEGUE_HOME, open the main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from engine.logsetup import configure_logging, get_logger
from engine.paths import prepare_home

if TYPE_CHECKING:
    from app.main_window import MainWindow

NO_DISPLAY_MESSAGE = (
    "Segue needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
    "Run it from a desktop session, or set QT_QPA_PLATFORM=offscreen for headless use."
)


def display_available() -> bool:
    """Tell whether Qt can open a window here (always true off Linux, or with a QPA override)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook`` while the window runs: a bug in a Qt slot is logged with its traceback
    (in the log file; stderr gets one line) instead of a traceback on stderr."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    get_logger(__name__).error("internal error: %s: %s", kind.__name__, value,
                               exc_info=(kind, value, tb))


def open_files(window: MainWindow, files: Sequence[str]) -> None:
    """Open the first file named on the command line: a ``.segue`` project or a MIDI phrase."""
    if files:
        window.project.open(Path(files[0]))


def main(argv: Sequence[str] | None = None) -> int:
    """Open Segue's main window (with a project or MIDI file, if named); exit 2 if no display."""
    if not display_available():
        print(f"segue: {NO_DISPLAY_MESSAGE}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app import icons
    from app.jobs import wait_for_lingering
    from app.main_window import MainWindow

    home = prepare_home()
    configure_logging(to_file=home.writable)
    sys.excepthook = log_uncaught
    app = QApplication.instance() or QApplication(["segue", *(argv or [])])
    app.setApplicationName("Segue")
    app.setOrganizationName("Segue")
    app.setDesktopFileName("org.segue.Segue")
    app.setWindowIcon(icons.get("segue"))
    window = MainWindow(home)
    window.show()
    QTimer.singleShot(0, window.load_behind)  # the window first, then models and torch behind it
    files = [arg for arg in argv or [] if not arg.startswith("-")]  # the rest are Qt's options
    if files:
        QTimer.singleShot(0, lambda: open_files(window, files))
    code = app.exec()
    if not wait_for_lingering():
        # A job ignored cancellation: exit without destroying its running thread (Qt would abort).
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
