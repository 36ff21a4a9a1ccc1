"""The :class:`Library`: the one way into the SQLite library (WAL, migrations, sessions).

Every read and write goes through ``with library.transaction() as session:`` (commit on success,
rollback on error). Sessions are never shared: each call makes a fresh one, so each thread works
with its own. Opening a library runs the Alembic migrations, after backing the file up when an
existing database needs upgrading.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from engine import paths
from engine.logsetup import get_logger

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD = "head"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Set the pragmas every connection needs: WAL, foreign keys, a busy timeout."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(path: str | Path) -> Engine:
    """Create a SQLAlchemy engine for the SQLite file ``path`` with Segue's pragmas."""
    engine = create_engine(f"sqlite:///{Path(path)}", future=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def _alembic_config(connection: object) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the Alembic revision the database is at (None for a new or pre-Alembic file)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest migration's revision id."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return str(script.get_current_head())


_MIGRATING = threading.Lock()


@contextlib.contextmanager
def _migration_lock(path: Path | None) -> Iterator[None]:
    """Let one thread of one process at a time check and upgrade a library file.

    Two threads (the panel's read and scan lanes) or two processes opening a new library at once
    would otherwise both create its tables ("table tracks already exists").
    """
    with _MIGRATING:
        fd = None
        if path is not None:
            try:
                import fcntl

                fd = os.open(path.with_name(path.name + ".migrate.lock"),
                             os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except (ImportError, OSError):  # no fcntl (Windows) or a read-only folder
                if fd is not None:
                    os.close(fd)
                fd = None
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)


def migrate(engine: Engine, path: Path | None = None, revision: str = HEAD) -> None:
    """Upgrade the database to ``revision``; back an existing file up first if it must change."""
    from alembic import command

    target = head_revision() if revision == HEAD else revision
    if current_revision(engine) == target:
        return
    with _migration_lock(path):
        found = current_revision(engine)  # again: another thread may have just done it
        if found == target:
            return
        if found is not None and path is not None and path.exists():
            backup = path.with_name(f"{path.name}.bak-{found}")
            _backup(path, backup)
            log.info("backed up %s to %s before migrating from %s", path, backup, found)
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)


def _backup(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (sqlite3's online backup API)."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(
        sqlite3.connect(target)
    ) as dst:
        src.backup(dst)


class Library:
    """An open library database: ``transaction()`` for work, ``close()`` when done."""

    def __init__(self, path: str | Path | None = None, *, upgrade: bool = True) -> None:
        self.path = Path(path) if path is not None else paths.db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.path)
        if upgrade:
            migrate(self.engine, self.path)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a new session in a transaction: committed on success, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def integrity_check(self) -> str:
        """Run ``PRAGMA integrity_check`` and return its answer (``"ok"`` when sound)."""
        with self.engine.connect() as connection:
            return str(connection.execute(text("PRAGMA integrity_check")).scalar())

    def journal_mode(self) -> str:
        """Return the SQLite journal mode (``"wal"``)."""
        with self.engine.connect() as connection:
            return str(connection.execute(text("PRAGMA journal_mode")).scalar())

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_library(path: str | Path | None = None) -> Library:
    """Open (creating and migrating as needed) the library at ``path`` or ``SEGUE_HOME``."""
    return Library(path)
