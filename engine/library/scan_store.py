"""The scan's one writer: analysis results into the library, many tracks per transaction.

:func:`store_results` writes a batch in a handful of statements whatever its size (one lookup of
the tracks, then one executemany per table), so the per-track cost is the rows, not the ORM.
:class:`BatchWriter` commits every ``batch`` results or every ``seconds``, whichever comes first:
a killed scan loses at most one batch, which stays ``pending`` and the next scan analyses again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from sqlalchemy import bindparam, delete, select, update

from engine.library import models as m
from engine.library.db import Library

_ANALYSED = ("title", "artist", "album", "genre", "duration", "tempo", "music_score",
             "fingerprint", "status", "skip_reason", "updated_at")


def _track_update(columns: tuple[str, ...]):  # noqa: ANN202 - a SQLAlchemy statement
    table = m.Track.__table__
    return (update(table).where(table.c.id == bindparam("track_id"))
            .values({name: bindparam(name) for name in columns}))


def store_results(library: Library, results: list[dict[str, object]]) -> None:
    """Write analysis results (``analyse_one`` dicts) in one transaction.

    A track removed meanwhile is left out; a failed file that moved or vanished while it was
    analysed stays ``pending`` (the next scan's reconcile finds where it went)."""
    from engine.library.scan_extras import store_extras_many

    if not results:
        return
    now = time.time()
    with library.transaction() as session:
        ids = dict(session.execute(select(m.Track.path, m.Track.id).where(
            m.Track.path.in_(sorted({str(item["path"]) for item in results})))).all())
        skipped: dict[int, dict[str, object]] = {}
        analysed: dict[int, dict[str, object]] = {}
        for item in results:  # a path twice in one batch: its last result wins
            track_id = ids.get(str(item["path"]))
            if track_id is None:  # removed while we analysed it
                continue
            if "reason" not in item:
                analysed[track_id] = item
                skipped.pop(track_id, None)
            elif os.path.lexists(str(item["path"])):  # else: moved or deleted meanwhile
                skipped[track_id] = item
                analysed.pop(track_id, None)
        if skipped:
            session.execute(_track_update(("status", "skip_reason", "updated_at")), [
                {"track_id": i, "status": m.SKIPPED, "skip_reason": str(item["reason"]),
                 "updated_at": now} for i, item in skipped.items()])
            session.execute(delete(m.Feature).where(m.Feature.track_id.in_(list(skipped))))
        if not analysed:
            return
        session.execute(_track_update(_ANALYSED), [
            {"track_id": i, **{key: item["tags"][key] for key in ("title", "artist", "album",
                                                                    "genre")},
             "duration": item["duration"], "tempo": item["tempo"],
             "music_score": item["music_score"], "fingerprint": item["fingerprint"],
             "status": m.ANALYSED, "skip_reason": "", "updated_at": now}
            for i, item in analysed.items()])
        _upsert_features(session, [{"track_id": i, "version": item["version"],
                                    "vector": item["vector"]} for i, item in analysed.items()])
        store_extras_many(session, list(analysed.items()))  # patches, lyrics


def _upsert_features(session, rows: list[dict[str, object]]) -> None:  # noqa: ANN001
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(m.Feature.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["track_id"],
        set_={"version": statement.excluded.version, "vector": statement.excluded.vector})
    session.execute(statement, rows)


class BatchWriter:
    """Collects results and stores them every ``batch`` results or ``seconds``, whichever first.

    Use as a context manager: leaving it (normally, on cancel or on an error) stores what is
    left, so only a kill loses results — at most one batch."""

    def __init__(self, library: Library, batch: int, seconds: float,
                 store: Callable[[Library, list[dict[str, object]]], None] = store_results) -> None:
        """Write into ``library`` with ``store`` (one transaction per call)."""
        self.library, self.batch, self.seconds, self.store = library, max(1, batch), seconds, store
        self.pending: list[dict[str, object]] = []
        self.commits = 0
        self._since = time.monotonic()

    def add(self, item: dict[str, object]) -> None:
        """Take one result; commit the batch when it is full or old enough."""
        if not self.pending:
            self._since = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= self.batch or time.monotonic() - self._since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Commit what is waiting (nothing to do when nothing is)."""
        if self.pending:
            self.store(self.library, self.pending)
            self.pending = []
            self.commits += 1

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
