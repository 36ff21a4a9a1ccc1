"""The main window: four panels, remembered geometry and panel, menus, licences, bad settings."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app import settings
from app.main_window import MainWindow
from engine.paths import prepare_home


def open_window(qtbot) -> MainWindow:
    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_window_has_four_panels(qtbot):
    window = open_window(qtbot)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Composer", "Lyrics", "Commentary", "Library && Playlists"]
    assert [p.objectName() for p in window.panels] == [
        "composer_panel", "lyrics_panel", "commentary_panel", "library_panel"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[:2] == ["&File", "&Edit"] and "&Help" in menus


def test_geometry_and_last_panel_are_restored(qtbot, segue_home: Path):
    window = open_window(qtbot)
    screen = window.screen().availableGeometry()
    hint = window.minimumSize().expandedTo(window.minimumSizeHint())
    # Within the screen when it allows (a restore clamps to it), never below the minimum size.
    size = (max(hint.width(), min(screen.width() - 10, hint.width() + 37)),
            max(hint.height(), min(screen.height() - 10, hint.height() + 23)))
    window.resize(*size)
    window.move(20, 30)
    window.tabs.setCurrentIndex(3)
    assert (window.width(), window.height()) == size
    window.close()
    assert (segue_home / "settings.ini").is_file()

    again = open_window(qtbot)
    assert again.current_panel().objectName() == "library_panel"
    assert (again.width(), again.height()) == size
    again.close()


def test_undo_follows_the_current_panel(qtbot):
    window = open_window(qtbot)
    window.tabs.setCurrentIndex(1)
    assert window.undo_group.activeStack() is window.panels[1].undo_stack
    window.tabs.setCurrentIndex(0)
    assert window.undo_group.activeStack() is window.panels[0].undo_stack


def test_licences_dialog_lists_the_project_licence(qtbot):
    window = open_window(qtbot)
    dialog = window.show_licences()
    qtbot.addWidget(dialog)
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert names and names[0].startswith("Segue")
    assert "GNU GENERAL PUBLIC LICENSE" in dialog.text.toPlainText()


def test_corrupt_settings_fall_back_to_defaults(qtbot, segue_home: Path):
    segue_home.mkdir(parents=True, exist_ok=True)
    (segue_home / "settings.ini").write_bytes(b"\x00\xff[window\n last_panel = = \x01\n\xfe")
    prefs = settings.Settings()
    assert prefs.get(settings.LAST_PANEL) == "composer_panel"
    assert prefs.get(settings.WINDOW_GEOMETRY).isEmpty()
    window = MainWindow(prepare_home(), prefs)
    qtbot.addWidget(window)
    assert window.current_panel() in window.panels


def test_mistyped_setting_gives_default(tmp_path: Path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    store.setValue("window/geometry", "not bytes")
    prefs = settings.Settings(store)
    assert prefs.get(settings.WINDOW_GEOMETRY).isEmpty()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_home_opens_read_only(qtbot, segue_home: Path):
    segue_home.mkdir(parents=True)
    segue_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        status = prepare_home()
        assert not status.writable and str(segue_home) in status.problem
        window = MainWindow(status)
        qtbot.addWidget(window)
        assert str(segue_home) in window.statusBar().currentMessage()
    finally:
        segue_home.chmod(stat.S_IRWXU)


def test_home_that_is_a_file_opens_read_only(qtbot, segue_home: Path):
    segue_home.parent.mkdir(parents=True, exist_ok=True)
    segue_home.write_text("not a folder")
    status = prepare_home()
    assert not status.writable
    assert str(segue_home) in status.problem
    window = MainWindow(status)
    qtbot.addWidget(window)
    window.show()
    assert str(segue_home) in window.statusBar().currentMessage()
    window.close()


def test_window_shows_before_torch_loads(tmp_path: Path):
    """Opening the window must not import torch (it loads lazily on first model use)."""
    import subprocess

    code = (
        "import sys\nfrom PySide6.QtWidgets import QApplication\napp = QApplication([])\n"
        "from app.main_window import MainWindow\nfrom engine.paths import prepare_home\n"
        "w = MainWindow(prepare_home()); w.show(); app.processEvents()\n"
        "print('torch' in sys.modules, flush=True)\n"
        "w.close()\n"
    )
    env = {**os.environ, "SEGUE_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
