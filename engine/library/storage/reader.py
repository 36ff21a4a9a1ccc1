"""The query path's way into the library: the standard library's sqlite3, no ORM, no Alembic.

``segue playlist`` and ``segue library list`` must start in a fraction of a second on a
100k-track library, and importing SQLAlchemy alone costs about 0.4 s of CPU. :class:`Reader`
opens the same ``library.sqlite`` with :mod:`sqlite3`, checks that it is at the head revision
(:data:`HEAD_REVISION`, which a test keeps equal to the Alembic head) and otherwise hands it to
:class:`engine.library.storage.db.Library` once to migrate it. Reads only, except the vector
snapshots (:mod:`engine.library.embeddings.snapshot`), which are a cache.

Paths come back as Python paths (``surrogateescape`` text, :mod:`.fspath`), as the ORM gives them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from engine import paths
from engine.library.storage import fspath

HEAD_REVISION = "0005"  # the newest migration (tests/engine/library/test_db.py checks it)
BATCH = 900  # ids per IN (...) query, under SQLite's default variable limit


class Reader:
    """An open library for reading: ``with Reader(path) as reader: reader.rows(...)``."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else paths.db_path()
        self.connection = self._open()
        if self._revision() != HEAD_REVISION:  # new or older file: migrate once, the slow way
            self.connection.close()
            from engine.library.storage.db import Library

            Library(self.path).close()
            self.connection = self._open()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def _revision(self) -> str | None:
        try:
            row = self.connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:  # no such table: a new (empty) file
            if "no such table" in str(exc):
                return None
            raise
        return str(row[0]) if row else None

    # -- plain reads ---------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Run one statement."""
        return self.connection.execute(sql, params)

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        """The first column of the first row (None when there is none)."""
        row = self.connection.execute(sql, params).fetchone()
        return row[0] if row else None

    def by_ids(self, sql: str, ids: Iterable[int]) -> Iterator[tuple]:
        """Rows of ``sql`` (which holds one ``{ids}`` placeholder) for many ids, in batches."""
        ids = [int(i) for i in ids]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            marks = ",".join("?" * len(chunk))
            yield from self.connection.execute(sql.format(ids=marks), chunk)

    @staticmethod
    def path_of(stored: str | None) -> str:
        """A stored path as the Python path the ORM would give (undecodable bytes kept)."""
        return fspath.from_db(stored) if stored is not None else ""

    @staticmethod
    def stored(path: str) -> str:
        """A Python path as stored in the ``path`` column."""
        return fspath.to_db(path)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
