"""The Library object: WAL, transactions, Alembic migrations (including an old DB's upgrade)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.library.storage import models as m
from engine.library.storage.db import Library, current_revision, head_revision, make_engine, migrate


def test_new_library_is_wal_at_head_and_sound(library: Library) -> None:
    assert library.journal_mode() == "wal"
    assert current_revision(library.engine) == head_revision()
    assert library.integrity_check() == "ok"
    assert library.path.name == "library.sqlite"


def test_transaction_rolls_back_on_error(library: Library) -> None:
    with pytest.raises(RuntimeError), library.transaction() as session:
        session.add(m.Track(path="/a.ogg", size=1, mtime=1.0))
        session.flush()
        raise RuntimeError("boom")
    with library.transaction() as session:
        assert session.scalars(select(m.Track)).all() == []


def test_old_database_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, path, revision="0001")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO tracks (path, size, mtime, content_hash, status, skip_reason, duration,"
            " title, artist, album, added_at, updated_at) VALUES"
            " ('/old.ogg', 10, 1.0, 'h', 'analysed', '', 3.0, 'Old', 'Band', 'LP', 0, 0)"
        )
    with Library(path) as library, library.transaction() as session:
        track = session.scalars(select(m.Track)).one()
        assert (track.title, track.genre, track.tempo) == ("Old", "", 0.0)
        session.add(m.SpotifyCache(key="artist:band", value_json="[]", fetched_at=0.0))
    assert (tmp_path / "old.sqlite.bak-0001").is_file()
    with sqlite3.connect(tmp_path / "old.sqlite.bak-0001") as backup:
        assert backup.execute("SELECT title FROM tracks").fetchone() == ("Old",)


def test_models_match_the_migrations(library: Library) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with library.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), m.Base.metadata)
    # server defaults and index naming are not compared; tables and columns must agree
    tables_or_columns = [d for d in diff if d[0] in ("add_table", "remove_table",
                                                      "add_column", "remove_column")]
    assert tables_or_columns == []


def test_commentary_favourites_round_trip(library: Library) -> None:
    from engine.library.service import add_favourite, list_favourites

    first = add_favourite("A lilting waltz in a minor key.")
    second = add_favourite("Driving reel, bright fiddle.", track_id=None)
    assert [f[0] for f in list_favourites()] == [second, first]
    assert list_favourites()[1][1] == "A lilting waltz in a minor key."


def test_the_readers_head_is_alembics_and_the_triggers_exist(library: Library) -> None:
    from engine.library.storage.reader import HEAD_REVISION, Reader

    assert HEAD_REVISION == head_revision()
    with Reader(library.path) as reader:
        triggers = {r[0] for r in reader.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        before = reader.scalar("SELECT value FROM library_state WHERE key = 'generation'")
    assert len(triggers) == 15
    with library.transaction() as session:
        session.add(m.Track(path="/x.ogg", size=1, mtime=1.0))
    with Reader(library.path) as reader:
        assert reader.scalar("SELECT value FROM library_state WHERE key = 'generation'") > before
