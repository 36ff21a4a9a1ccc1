"""Issue 14 in the GUI: unknown settings versions (item 7) and corrupt user artists in the panel."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app import settings
from app.jobs import JobRunner
from app.main_window import MainWindow
from app.panels.lyrics import LyricsPanel
from engine.paths import prepare_home
from tests.engine.lyrics.helpers import make_assets


@pytest.mark.parametrize("version", ["-5", "999", "garbage", "1.5", ""])
def test_unknown_settings_version_falls_back_to_defaults(qtbot, segue_home: Path, version: str,
                                                         caplog: pytest.LogCaptureFixture):
    segue_home.mkdir(parents=True, exist_ok=True)
    ini = segue_home / "settings.ini"
    ini.write_text(f"[meta]\nversion={version}\n\n[window]\nlast_panel=lyrics_panel\n")
    with caplog.at_level(logging.WARNING, logger="segue"):
        prefs = settings.Settings()
    assert prefs.get(settings.LAST_PANEL) == "composer_panel"
    assert "unknown version" in caplog.text
    kept = ini.with_name("settings.ini.unknown-version")
    assert "last_panel=lyrics_panel" in kept.read_text()  # the old file is kept, not lost
    window = MainWindow(prepare_home(), prefs)
    qtbot.addWidget(window)
    assert window.current_panel() in window.panels


def test_current_settings_version_is_kept(segue_home: Path):
    segue_home.mkdir(parents=True, exist_ok=True)
    (segue_home / "settings.ini").write_text("[meta]\nversion=1\n\n[window]\nlast_panel=lyrics_panel\n")
    assert settings.Settings().get(settings.LAST_PANEL) == "lyrics_panel"


def test_lyrics_panel_names_a_corrupt_user_artist(qtbot, tmp_path: Path, segue_home: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_ASSETS", str(make_assets(tmp_path)))
    folder = segue_home / "models" / "lyrics"
    folder.mkdir(parents=True)
    (folder / "broken_band.pt").write_bytes(b"PK\x03\x04 half a model")
    runner = JobRunner()
    panel = LyricsPanel(runner)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(runner.job_done, timeout=10_000):
            panel.show()
        qtbot.waitUntil(lambda: "broken_band.pt" in panel.status.text(), timeout=10_000)
        assert panel.artist_a.count() == 2  # the healthy artists are still offered
    finally:
        panel.shutdown()
        runner.shutdown()
