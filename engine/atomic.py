"""Atomic file writes: write to a temporary file beside the target, fsync, then rename.

Every model, export and database backup Segue saves goes through here, so a crash or a full
disk never leaves a half-written file in place of a good one. A symlinked target is written
through (the link stays, its target is replaced); a folder, device node or pipe at the target is
refused with :class:`TargetError`, and a read-only folder with :class:`ReadOnlyError`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from engine.errors import UserFacingError


class TargetError(UserFacingError, OSError):
    """The target exists but is not a regular file (a folder, device node, pipe or socket)."""


class ReadOnlyError(UserFacingError, PermissionError):
    """The folder that should receive the file cannot be written (read-only or no permission)."""


def resolve_target(target: str | os.PathLike[str]) -> Path:
    """Follow symlinks to the file really written; refuse anything but a regular file or nothing."""
    path = Path(os.path.realpath(target))
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise TargetError(f"{target}: cannot write here ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(mode):
        raise TargetError(f"{target}: is a folder; give a file name to write")
    if not stat.S_ISREG(mode):
        raise TargetError(f"{target}: is a device, pipe or socket, not a regular file; refusing to "
                          "replace it")
    return path


def read_only_error(folder: Path, exc: OSError) -> ReadOnlyError:
    """Describe a folder Segue cannot write to, naming SEGUE_HOME when it is inside it."""
    from engine.paths import segue_home

    home = segue_home()
    where = f"SEGUE_HOME ({home})" if folder == home or home in folder.parents else str(folder)
    return ReadOnlyError(f"{folder}: cannot write to {where}: it is read-only "
                         f"({exc.strerror or exc})")


def ensure_writable_dir(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and check a file can be made in it; raise ReadOnlyError if not.

    Call before long work (training, importing) whose result would otherwise be lost at the end.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise read_only_error(folder, exc) from exc
        raise
    return folder


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success fsync it and rename it over ``target``.

    Use for libraries that insist on writing to a path themselves (e.g. ``pretty_midi.write``).
    On any exception the temporary file is removed and ``target`` is untouched. A symlink at
    ``target`` is written through; a folder or device at ``target`` raises :class:`TargetError`.
    """
    target = resolve_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise read_only_error(target.parent, exc) from exc
        raise
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; use the user's usual mode
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], mode: str = "wb", **kwargs) -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``target`` atomically when closed cleanly."""
    if not mode.startswith("w"):
        raise ValueError("atomic_open only writes: mode must start with 'w'")
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle
        handle.flush()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_open(target, "wb") as handle:
        handle.write(data)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode(encoding))


def _read_umask() -> int:
    """Read the process umask once, at import (reading it means setting it; not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable by syncing its directory (best effort; not on every platform)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
