"""One scan per library at a time: an advisory lock file next to ``library.sqlite``.

The lock is an OS file lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) on
``<library>.scan.lock``, so it is released by the kernel when the scanning process ends, however
it ends: a lock left by a killed scan is never stale. The file holds the owner's pid, for the
message the second scan shows.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from engine.errors import UserFacingError
from engine.library.storage.errors import ScanRunning
from engine.library.storage.fspath import display


def lock_path(db: Path) -> Path:
    """The lock file of the library ``db``."""
    return db.with_name(db.name + ".scan.lock")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def scan_lock(db: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the scan lock of ``db`` for the block; raise :class:`ScanRunning` if another has it.

    ``wait`` seconds are spent retrying before giving up.
    """
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UserFacingError(f"{display(db)}: cannot scan: the library's folder is not "
                              f"writable ({exc.strerror})") from exc
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                raise ScanRunning(f"{display(db)}: a scan of this library is already running "
                                  f"(process {owner}); try again when it ends")
            time.sleep(0.2)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the pid is only for the message; the lock itself is held
        yield
    finally:
        os.close(fd)  # closing releases the lock
