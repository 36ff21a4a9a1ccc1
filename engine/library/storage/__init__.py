"""The library's storage layer: the SQLite schema and its Alembic migrations, the one way into the
database (:mod:`.db`), a SQLAlchemy-free reader for the query path (:mod:`.reader`), file names
that are not UTF-8 (:mod:`.fspath`) and the one-line user errors (:mod:`.errors`).

The bottom layer: it imports nothing else from :mod:`engine.library`.
"""
