"""Where Segue keeps things: ``SEGUE_HOME`` (user data) and the bundled ``assets/`` folder.

``SEGUE_HOME`` defaults to the platform's user data directory (via platformdirs) and holds the
SQLite library, trained models and logs. Bundled, read-only data lives in ``assets/``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Segue"


def segue_home() -> Path:
    """Return the user data folder: ``$SEGUE_HOME`` or the platform default (not created)."""
    env = os.environ.get("SEGUE_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def assets_dir() -> Path:
    """Return the bundled assets folder (``$SEGUE_ASSETS`` overrides; a PyInstaller bundle's own)."""
    env = os.environ.get("SEGUE_ASSETS")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def models_dir() -> Path:
    """Return the folder for user-trained models inside ``SEGUE_HOME``."""
    return segue_home() / "models"


def logs_dir() -> Path:
    """Return the folder for rotating log files inside ``SEGUE_HOME``."""
    return segue_home() / "logs"


def db_path() -> Path:
    """Return the path of the SQLite library database."""
    return segue_home() / "library.sqlite"


@dataclass(frozen=True)
class HomeStatus:
    """Outcome of preparing ``SEGUE_HOME``: its path, whether it is writable, and why not."""

    path: Path
    writable: bool
    problem: str = ""


def prepare_home() -> HomeStatus:
    """Create ``SEGUE_HOME`` and its sub-folders; report (never raise) when it is not writable."""
    home = segue_home()
    try:
        for folder in (home, models_dir(), logs_dir()):
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return HomeStatus(home, False, f"Segue cannot write to {home}: {reason}. Running read-only.")
    return HomeStatus(home, True)
