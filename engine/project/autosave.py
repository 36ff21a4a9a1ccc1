"""Autosave sessions in ``SEGUE_HOME/autosave/``: one per running Segue, found again after a crash.

Each running window owns a :class:`Session`: ``<id>.lock`` (holding its pid, kept locked with
``flock`` for the session's life) and ``<id>.segue`` (the latest autosave, written atomically, a
normal project file plus an ``"autosave"`` note naming the project file it belongs to). A clean
exit removes both. The kernel drops the lock when a process dies in any way (crash, ``kill -9``),
so :func:`claim_orphans` finds exactly the sessions whose process is gone: a live Segue's lock is
held and its autosave is never touched, and a reused pid cannot fool it. A claimed orphan stays
locked by the claimer until restored or discarded, so two launches never offer the same one.
Where ``flock`` does not exist, a pid check stands in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.atomic import atomic_write_text
from engine.paths import segue_home
from engine.project.files import json_text, project_from_data, read_data
from engine.project.model import Project, ProjectFormatError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


def autosave_dir(home: Path | None = None) -> Path:
    """The folder of autosave sessions."""
    return (home or segue_home()) / "autosave"


def _try_lock(path: Path) -> int | None:
    """Open ``path`` and take its exclusive lock without waiting; the fd, or None if held."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    if fcntl is None:  # pragma: no cover - fall back on the pid written in the file
        return fd if not _pid_alive(_read_pid(path)) else (os.close(fd) or None)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _read_pid(path: Path) -> int:
    with contextlib.suppress(OSError, ValueError):
        return int(json.loads(path.read_text(encoding="utf-8") or "{}").get("pid", 0))
    return 0


def _pid_alive(pid: int) -> bool:  # pragma: no cover - only without flock
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Session:
    """This process's autosave slot (see module docstring). Call :meth:`close` on a clean exit."""

    def __init__(self, home: Path | None = None) -> None:
        folder = autosave_dir(home)
        folder.mkdir(parents=True, exist_ok=True)
        self.id = f"{os.getpid()}-{time.time_ns()}"
        self.lock_path = folder / f"{self.id}.lock"
        self.path = folder / f"{self.id}.segue"
        fd = _try_lock(self.lock_path)
        if fd is None:
            raise OSError(f"{self.lock_path}: cannot lock the autosave session")
        self._fd: int | None = fd
        os.write(fd, json.dumps({"pid": os.getpid(), "started": _now()}).encode())
        os.fsync(fd)

    def write(self, data: dict[str, Any], project_path: str | Path | None) -> Path:
        """Autosave project ``data`` (atomic); ``project_path`` is the file it belongs to, if any."""
        payload = {**data, "autosave": {"project_path": str(project_path) if project_path else
                                        None, "pid": os.getpid(), "saved_at": _now()}}
        atomic_write_text(self.path, json_text(payload) + "\n")
        return self.path

    def clear(self) -> None:
        """Forget the autosave (after a save or a discard); the session stays open."""
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Clean exit: remove the autosave and the lock file, then release the lock."""
        if self._fd is None:
            return
        self.clear()
        self.lock_path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def abandon(self) -> None:
        """Release the lock but leave the files, as a crash would (for tests and the kill path)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class Orphan:
    """An autosave left by a Segue that did not exit cleanly, locked by the process that found it."""

    lock_path: Path
    path: Path
    pid: int
    saved_at: str
    project_path: str | None
    _fd: int | None = None

    def read(self) -> Project:
        """The autosaved project (raises ProjectFormatError naming the file if it is damaged)."""
        data = read_data(self.path)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "autosave"}
        return project_from_data(data, self.path)

    def discard(self) -> None:
        """Delete the orphan's files (after it was restored or the user declined it)."""
        self.path.unlink(missing_ok=True)
        self.lock_path.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        """Give the orphan back untouched (a later launch may offer it again)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def claim_orphans(home: Path | None = None) -> list[Orphan]:
    """Lock and return the autosaves of sessions whose process is gone, newest first.

    Lock files left without an autosave (a crash before the first autosave) are removed.
    """
    folder = autosave_dir(home)
    if not folder.is_dir():
        return []
    found: list[Orphan] = []
    for lock in sorted(folder.glob("*.lock")):
        fd = _try_lock(lock)
        if fd is None:
            continue  # a live Segue owns it
        path = lock.with_suffix(".segue")
        if not path.is_file():
            lock.unlink(missing_ok=True)
            os.close(fd)
            continue
        note: dict[str, Any] = {}
        with contextlib.suppress(ProjectFormatError, AttributeError):
            note = dict(read_data(path).get("autosave") or {})
        found.append(Orphan(lock, path, _read_pid(lock), str(note.get("saved_at", "")),
                            note.get("project_path"), fd))
    return sorted(found, key=lambda o: o.path.stat().st_mtime, reverse=True)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
