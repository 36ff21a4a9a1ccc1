"""Typed settings over QSettings: the only module that touches QSettings.

Settings live in ``SEGUE_HOME/settings.ini``. Each option is declared once with its type and
default; reading a missing, mistyped or corrupt value gives the default and logs a warning.
Older files are brought up to date by the functions in ``UPGRADES`` (Picard's ``@upgrade_config``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from engine import paths
from engine.logsetup import get_logger

log = get_logger(__name__)

T = TypeVar("T")
SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Option(Generic[T]):
    """One typed setting: its key, type and default."""

    key: str
    type: type
    default: T


WINDOW_GEOMETRY: Option[QByteArray] = Option("window/geometry", QByteArray, QByteArray())
WINDOW_STATE: Option[QByteArray] = Option("window/state", QByteArray, QByteArray())
LAST_PANEL: Option[str] = Option("window/last_panel", str, "composer_panel")
MIDI_OUTPUT: Option[str] = Option("playback/midi_output", str, "")
RECENT_PROJECTS: Option[str] = Option("projects/recent", str, "[]")  # JSON list, newest first
LAST_PROJECT: Option[str] = Option("projects/last", str, "")  # open when Segue last closed
SPOTIFY_CLIENT_ID: Option[str] = Option("spotify/client_id", str, "")
LIBRARY_LAST_FOLDER: Option[str] = Option("library/last_folder", str, "")
# an option of engine/library/embeddings/choices.py (its DEFAULT won the eval); the CLI reads it too
LIBRARY_EMBEDDING: Option[str] = Option("library/embedding", str, "tagger+features")
# Dask scheduler that analyses scans (tcp://HOST:8786); empty: this computer's processes.
LIBRARY_CLUSTER: Option[str] = Option("library/cluster", str, "")


def _upgrade_0_to_1(store: QSettings) -> None:
    """Version 0 had no version key; nothing to move yet (kept as the template for later ones)."""


UPGRADES: dict[int, Callable[[QSettings], None]] = {0: _upgrade_0_to_1}


class Settings:
    """Read and write typed options; corrupt files fall back to defaults with a warning."""

    def __init__(self, store: QSettings | None = None) -> None:
        if store is None:
            store = QSettings(str(paths.segue_home() / "settings.ini"), QSettings.Format.IniFormat)
        self.store = store
        # A read-only SEGUE_HOME: changes live in memory for this session, nothing is written.
        self.read_only = not store.isWritable()
        status = store.status()
        if status == QSettings.Status.FormatError or (
                status != QSettings.Status.NoError and not self.read_only):
            log.warning("settings file %s is unreadable or corrupt; using defaults",
                        store.fileName())
            store.clear()
        self._upgrade()

    def _upgrade(self) -> None:
        """Bring the file to :data:`SETTINGS_VERSION`; an unknown version means defaults.

        A version that is not a whole number, negative, or newer than this Segue knows (999, -5,
        garbage) is logged; the old file is copied aside and the settings start from defaults.
        """
        raw = self.store.value("meta/version", 0)
        try:
            version = int(str(raw).strip())
        except (TypeError, ValueError):
            version = -1
        if version != SETTINGS_VERSION and version not in UPGRADES:
            backup = self._set_aside(raw)
            log.warning("settings file %s has an unknown version %r; using defaults%s",
                        self.store.fileName(), raw, f" (old file kept as {backup})" if backup else "")
            self.store.clear()
            version = SETTINGS_VERSION
        while version < SETTINGS_VERSION:
            UPGRADES[version](self.store)
            version += 1
        self.store.setValue("meta/version", SETTINGS_VERSION)

    def _set_aside(self, raw: object) -> str:
        """Copy the settings file beside itself before it is reset; return the copy's path or ""."""
        import shutil
        from pathlib import Path

        source = Path(self.store.fileName())
        if self.read_only or not source.is_file():
            return ""
        target = source.with_name(f"{source.name}.unknown-version")
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            log.warning("could not keep a copy of %s: %s", source, exc)
            return ""
        return str(target)

    def _raw_int(self, key: str, default: int) -> int:
        try:
            return int(self.store.value(key, default))
        except (TypeError, ValueError):
            return default

    def get(self, option: Option[T]) -> T:
        """Return the option's value, or its default if absent or of the wrong type."""
        value: Any = self.store.value(option.key, option.default)
        if isinstance(value, option.type):
            return value
        try:
            if option.type in (int, float, str):
                return option.type(value)
            if option.type is bool and isinstance(value, str):
                return value.lower() in ("1", "true", "yes")  # type: ignore[return-value]
        except (TypeError, ValueError):
            pass
        log.warning("setting %s has an unexpected value %r; using the default", option.key, value)
        return option.default

    def set(self, option: Option[T], value: T) -> None:
        """Store the option's value (written to disk by :meth:`sync`)."""
        self.store.setValue(option.key, value)

    def sync(self) -> bool:
        """Write pending changes; return False (and log) if the file could not be written.

        A read-only store is not written at all (its folder is read-only: the window said so).
        """
        if self.read_only:
            log.info("settings not saved: %s is read-only", self.store.fileName())
            return False
        self.store.sync()
        if self.store.status() != QSettings.Status.NoError:
            log.warning("could not write settings to %s", self.store.fileName())
            return False
        return True
