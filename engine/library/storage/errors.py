"""The library room's user-facing errors: one line naming the file, for the CLI and the panel.

:func:`user_errors` turns what SQLite, the file system and the playlist parsers raise into a
:class:`engine.errors.UserFacingError` whose message names the file: a corrupt, truncated,
read-only or full ``library.sqlite``; an unwritable or directory ``--out``; a missing playlist.
A corrupt library raises :class:`CorruptLibrary`, which the panel offers to move aside.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from engine import paths
from engine.errors import UserFacingError
from engine.library.storage.fspath import display

F = TypeVar("F", bound=Callable[..., Any])
CORRUPT_MARK = "not a readable library"  # in every CorruptLibrary message (the panel looks for it)


class CorruptLibrary(UserFacingError):
    """The library file is not a readable SQLite database; ``path`` names it."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class ScanRunning(UserFacingError):
    """Another scan of the same library is running."""


def database_message(exc: BaseException, db: Path) -> UserFacingError:
    """The one-line error for an SQLite failure on the library file ``db``."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    name = display(db)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CorruptLibrary(f"{name}: {CORRUPT_MARK} (corrupt or not an SQLite "
                              "file); move it aside to start a fresh one", db)
    if "readonly" in text or "read-only" in text or (
            "unable to open" in text and not _writable(db)):
        return UserFacingError(f"{name}: the library is read-only (check the file's and "
                               "SEGUE_HOME's permissions)")
    if "full" in text:
        return UserFacingError(f"{name}: the disk is full: free some space and try again")
    if "locked" in text or "busy" in text:
        return UserFacingError(f"{name}: the library is busy (locked by another program)")
    if "unable to open" in text:
        return UserFacingError(f"{name}: cannot open the library file")
    return UserFacingError(f"{name}: library error: {str(getattr(exc, 'orig', exc))}")


def _writable(db: Path) -> bool:
    return (not db.exists() or os.access(db, os.W_OK)) and os.access(db.parent, os.W_OK)


def os_message(exc: OSError, fallback: Path | None = None) -> UserFacingError:
    """The one-line error for a file-system failure, naming the file (or ``fallback``)."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EROFS:
        reason = "read-only file system"
    elif exc.errno == errno.ENOSPC:
        reason = "the disk is full: free some space and try again"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a folder, not a file"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    if exc.filename is not None:
        return UserFacingError(f"{display(os.fsdecode(exc.filename))}: {reason}")
    if fallback is not None and exc.errno is not None:
        return UserFacingError(f"{display(fallback)}: {reason}")
    return UserFacingError(reason)


def _db(kwargs: dict[str, Any]) -> Path:
    return Path(kwargs.get("library_path") or paths.db_path())


def _is_database_error(exc: BaseException) -> bool:
    """sqlite3's errors, and SQLAlchemy's when it is loaded (the query path never loads it)."""
    if isinstance(exc, sqlite3.DatabaseError):
        return True
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.DatabaseError)


def user_errors(func: F) -> F:
    """Decorate a public library function so every expected failure is a one-line error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserFacingError:
            raise
        except OSError as exc:
            raise os_message(exc, _db(kwargs)) from exc
        except Exception as exc:
            if _is_database_error(exc):
                raise database_message(exc, _db(kwargs)) from exc
            raise

    return wrapper  # type: ignore[return-value]
