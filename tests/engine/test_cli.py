"""The ``segue`` command: version, doctor with no devices, paths and licences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import engine
from engine import licences, paths


def run_segue(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env or {})})


def test_version():
    out = run_segue("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"segue {engine.__version__}"


def test_doctor_json_runs_without_devices(segue_home: Path):
    # No JACK server for this process and no ALSA sequencer: doctor must still succeed.
    out = run_segue("doctor", "--json", env={"JACK_DEFAULT_SERVER": "segue-test-no-such-server"})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["segue_home"]["path"] == str(segue_home)
    assert report["segue_home"]["writable"] is True
    assert report["torch"].startswith("2.")
    assert isinstance(report["midi"]["outputs"], list)
    assert isinstance(report["audio"]["outputs"], list)
    assert report["assets"]["present"] is True and "icons" in report["assets"]["items"]


def test_doctor_text_names_home(segue_home: Path):
    out = run_segue("doctor", env={"JACK_DEFAULT_SERVER": "segue-test-no-such-server"})
    assert out.returncode == 0
    assert f"SEGUE_HOME: {segue_home}" in out.stdout


def test_gui_without_display_says_so(segue_home: Path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "app.launcher", "gui"], capture_output=True,
                         text=True, timeout=60, env=env)
    assert out.returncode == 2
    assert "needs a display" in out.stderr


def test_engine_cli_lists_gui_but_leaves_the_window_to_the_launcher():
    listing = run_segue("--help")
    assert listing.returncode == 0 and "gui" in listing.stdout
    out = run_segue("gui")
    assert out.returncode == 2 and "python -m app" in out.stderr
    assert "PySide6" not in out.stderr  # it did not try to import Qt


def test_home_defaults_to_platform_dir(monkeypatch):
    monkeypatch.delenv("SEGUE_HOME")
    assert paths.segue_home().name == "Segue"


def test_licence_files_are_found(tmp_path: Path):
    data = tmp_path / "assets" / "tunes"
    data.mkdir(parents=True)
    (data / "LICENSE.GPLv3.md").write_text("GPL")
    (data / "ATTRIBUTION.txt").write_text("by someone")
    (data / "tune.mid").write_bytes(b"MThd")
    found = licences.bundled_licences(tmp_path / "assets")
    assert [(f.covers, f.path.name) for f in found] == [
        ("tunes", "ATTRIBUTION.txt"), ("tunes", "LICENSE.GPLv3.md")]
