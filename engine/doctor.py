"""``segue doctor``: what Segue finds on this machine, for bug reports and first-run checks.

Never fails for a missing device or backend: it says what is missing instead.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from typing import Any

import engine
from engine import paths


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def collect() -> dict[str, Any]:
    """Gather versions, MIDI/audio devices, SEGUE_HOME state and bundled assets."""
    from engine.playback import audio_devices, ports

    home = paths.prepare_home()
    assets = paths.assets_dir()
    return {
        "segue": engine.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": _version("torch"),
        "qt": _version("PySide6-Essentials"),
        "midi": ports.describe(),
        "audio": audio_devices.describe(),
        "segue_home": {"path": str(home.path), "writable": home.writable, "problem": home.problem},
        "assets": {
            "path": str(assets),
            "present": assets.is_dir(),
            "items": sorted(p.name for p in assets.iterdir()) if assets.is_dir() else [],
        },
    }


def as_json(report: dict[str, Any]) -> str:
    """Render the report as one JSON object."""
    return json.dumps(report, indent=2, sort_keys=True)


def as_text(report: dict[str, Any]) -> str:
    """Render the report as readable lines."""
    midi, audio, home = report["midi"], report["audio"], report["segue_home"]
    lines = [
        f"Segue {report['segue']} on Python {report['python']} ({report['platform']})",
        f"torch {report['torch']}, Qt (PySide6) {report['qt']}",
        "MIDI backends: " + (", ".join(midi["backends"]) or "none"),
        "MIDI outputs: " + (", ".join(midi["outputs"]) or f"none ({midi['problem'] or 'no ports'})"),
        "Audio outputs: " + (", ".join(audio["outputs"]) or f"none ({audio['problem'] or 'no devices'})"),
        f"SEGUE_HOME: {home['path']} ({'writable' if home['writable'] else home['problem']})",
        f"Assets: {report['assets']['path']} ("
        + (", ".join(report["assets"]["items"]) if report["assets"]["present"] else "missing")
        + ")",
    ]
    return "\n".join(lines)
