"""Where Segue keeps things: ``SEGUE_HOME`` (user data) and the bundled ``assets/`` folder.

``SEGUE_HOME`` defaults to the platform's user data directory (via platformdirs) and holds the
SQLite library, trained models and logs. Bundled, read-only data lives in ``assets/``.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.errors import UserFacingError

APP_NAME = "Segue"
MAX_NAME_CHARS = 100  # a collection or artist file name, before its suffix
_SEPARATORS = {"/", "\\", os.sep, os.altsep or "/"}
_CONTROL = {"Cc", "Cf", "Zl", "Zp"}  # control, format (e.g. bidi overrides), line/paragraph breaks


class BadName(UserFacingError, ValueError):
    """A name (of a collection, an artist file) that cannot safely become a file name."""


def check_name(name: str, what: str) -> str:
    """Return ``name`` if it can be one file name inside a Segue folder; else raise BadName.

    Names are names, never paths: no ``/`` or ``\\``, no ``..``, no leading ``.`` (hidden files,
    ``.`` and ``..``), no NUL or other control characters, at most :data:`MAX_NAME_CHARS`
    characters. ``what`` names the thing in the message ("collection").
    """
    shown = repr(name) if len(name) <= 40 else repr(name[:40]) + "…"
    if not name:
        raise BadName(f"the {what} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise BadName(f"invalid {what} name {shown}: too long ({len(name)} characters; "
                      f"at most {MAX_NAME_CHARS})")
    if any(sep in name for sep in _SEPARATORS) or ".." in name:
        raise BadName(f"invalid {what} name {shown}: a name, not a path ('/', '\\' and '..' "
                      f"are not allowed)")
    if name.startswith("."):
        raise BadName(f"invalid {what} name {shown}: it may not start with '.'")
    if any(unicodedata.category(ch) in _CONTROL for ch in name):
        raise BadName(f"invalid {what} name {shown}: it holds control characters")
    return name


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
    problem: str = ""  # the whole message the window shows once
    reason: str = ""  # why, in a few words ("read-only", "/x is a file, not a folder")


def prepare_home() -> HomeStatus:
    """Create ``SEGUE_HOME`` and its sub-folders; report (never raise) when it is not writable."""
    home = segue_home()
    try:
        for folder in (home, models_dir(), logs_dir()):
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = unwritable_reason(home, exc)
        return HomeStatus(home, False, f"Segue can't write to {home} ({reason}): "
                                       f"{READ_ONLY_CONSEQUENCES}", reason)
    return HomeStatus(home, True)


READ_ONLY_CONSEQUENCES = ("working read-only — composing and exporting still work; projects, "
                          "library and settings won't be saved there.")


def unwritable_reason(folder: Path, exc: OSError) -> str:
    """Say in a few plain words why ``folder`` cannot be written, given the error that stopped it.

    A regular file at the folder's place or on its path is named ("File exists" and "Not a
    directory" say neither); permission errors and read-only file systems are "read-only".
    """
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker == folder:
        return "it is a file, not a folder"
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "read-only"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc) or type(exc).__name__
