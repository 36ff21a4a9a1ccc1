"""A SEGUE_HOME Segue cannot write to: one message, no tracebacks, composing and exporting work.

Tests run as root, where ``chmod 555`` stops nothing, so the home is made unwritable through a
regular file: the home itself is a file, or a folder on its path is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.main_window import MainWindow
from engine.logsetup import configure_logging
from engine.paths import prepare_home
from tests.app.jobwait import WAIT, wait_job

LIBRARY_DEMO_DELAY_MS = 3000  # past the Library panel's first load and demo scan timers


@pytest.fixture
def launcher_logging() -> Iterator[None]:
    """Let the test configure the ``segue`` logger as the launcher does; restore it afterwards."""
    root = logging.getLogger("segue")
    saved = (list(root.handlers), getattr(root, "_segue_configured", False), root.level)
    root.handlers.clear()
    root._segue_configured = False  # type: ignore[attr-defined]
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = saved[0]
    root._segue_configured = saved[1]  # type: ignore[attr-defined]
    root.setLevel(saved[2])


def unwritable_home(tmp_path: Path, kind: str) -> Path:
    """A home that is a regular file, or one whose parent is a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    return blocker if kind == "home-is-a-file" else blocker / "home"


def messages_shown(window: MainWindow) -> list[str]:
    """Every message box and banner on screen."""
    boxes = [w.text() for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    banners = [w.findChild(QWidget, "read_only_banner") for w in (window,)]
    return boxes + [b.text() for b in banners if b is not None and b.isVisible()]


@pytest.mark.parametrize("kind", ["home-is-a-file", "parent-is-a-file"])
def test_read_only_home_says_so_once_and_still_composes(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture,
        launcher_logging: None, kind: str) -> None:
    home = unwritable_home(tmp_path, kind)
    monkeypatch.setenv("SEGUE_HOME", str(home))
    status = prepare_home()
    assert not status.writable
    configure_logging(to_file=status.writable)  # as app.main does
    window = MainWindow(status)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.panel("commentary_panel"))  # it loads on first show
    window.tabs.setCurrentWidget(window.panel("library_panel"))
    qtbot.wait(LIBRARY_DEMO_DELAY_MS)
    qtbot.waitUntil(lambda: not window.runner.active, timeout=WAIT)

    shown = messages_shown(window)
    assert len(shown) == 1, shown
    assert str(home) in shown[0] and "read-only" in shown[0]
    assert "File exists" not in shown[0] and "Not a directory" not in shown[0]

    composer = window.panel("composer_panel")
    window.tabs.setCurrentWidget(composer)
    composer.controls.length.setValue(4)
    wait_job(qtbot, composer.compose())
    assert composer.state is not None and len(composer.state.chain.items) == 4
    target = tmp_path / "exported" / "tune.mid"
    target.parent.mkdir()
    wait_job(qtbot, composer.export_to(target))
    assert target.is_file() and target.stat().st_size > 0
    assert len(messages_shown(window)) == 1

    assert window.project.discard_and_close()
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    assert "File exists" not in err and "Not a directory" not in err, err
