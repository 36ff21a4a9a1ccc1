"""The desktop entry, AppStream metainfo and MIME definition: validated by the freedesktop tools."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import engine

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
DESKTOP = PACKAGING / "org.segue.Segue.desktop"
METAINFO = PACKAGING / "org.segue.Segue.metainfo.xml"
MIME = PACKAGING / "org.segue.Segue.mime.xml"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (scripts/system-deps.sh installs it; `make test` runs that)")
    return path


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_validates():
    result = subprocess.run([need("desktop-file-validate"), str(DESKTOP)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_validates_offline():
    result = subprocess.run([need("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_declares_music_categories_and_mime_types():
    entry = desktop_entry()
    categories = set(entry["Categories"].strip(";").split(";"))
    assert {"Audio", "Music", "AudioVideo", "Midi"} <= categories
    mime_types = entry["MimeType"].strip(";").split(";")
    assert "audio/midi" in mime_types and "application/x-segue-project" in mime_types
    assert entry["Icon"] == "org.segue.Segue"
    assert entry["Exec"].split() == ["segue", "gui", "%F"]  # `segue gui FILE` opens a project or MIDI


def test_mime_package_defines_the_segue_project_type():
    root = ET.parse(MIME).getroot()
    types = {t.get("type"): t for t in root.iter(f"{MIME_NS}mime-type")}
    project = types["application/x-segue-project"]
    assert [g.get("pattern") for g in project.iter(f"{MIME_NS}glob")] == ["*.segue"]


def test_shared_mime_info_accepts_the_package(tmp_path: Path):
    tool = need("update-mime-database")
    (tmp_path / "packages").mkdir()
    shutil.copy(MIME, tmp_path / "packages" / "org.segue.Segue.xml")
    subprocess.run([tool, str(tmp_path)], check=True, capture_output=True, timeout=60)
    compiled = (tmp_path / "application" / "x-segue-project.xml").read_text(encoding="utf-8")
    assert "Segue project" in compiled
    assert "application/x-segue-project:*.segue" in (tmp_path / "globs2").read_text(encoding="utf-8")


def test_metainfo_matches_the_release_and_shows_the_four_panels():
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == "org.segue.Segue"
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    assert root.find("content_rating").get("type") == "oars-1.1"
    assert [r.get("version") for r in root.iter("release")][0] == engine.__version__
    images = [img.text.rsplit("/", 1)[-1] for img in root.iter("image")]
    assert images == ["panel-composer.png", "panel-lyrics.png", "panel-commentary.png", "panel-library.png"]
    for name in images:
        assert (REPO / "docs" / "images" / name).is_file(), f"docs/images/{name} is missing"
