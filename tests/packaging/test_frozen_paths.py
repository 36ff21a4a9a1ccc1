"""Inside a PyInstaller bundle Segue finds its assets next to the bundled code (sys._MEIPASS)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine import licences, paths


def test_frozen_bundle_uses_its_own_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("SEGUE_ASSETS", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.assets_dir() == tmp_path / "assets"
    (tmp_path / "assets" / "lyrics").mkdir(parents=True)
    (tmp_path / "assets" / "lyrics" / "SOURCES.md").write_text("# Sources\n")
    (tmp_path / "LICENSE").write_text("GPL\n")
    (tmp_path / "THIRD-PARTY-LICENSES.md").write_text("# Third party\n")
    found = [(item.covers, item.path.name) for item in licences.bundled_licences()]
    assert found == [("Segue (GPL-3.0-or-later)", "LICENSE"), ("lyrics", "SOURCES.md"),
                     ("bundled software", "THIRD-PARTY-LICENSES.md")]


def test_segue_assets_still_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(sys, "_MEIPASS", "/nowhere", raising=False)
    monkeypatch.setenv("SEGUE_ASSETS", str(tmp_path))
    assert paths.assets_dir() == tmp_path
