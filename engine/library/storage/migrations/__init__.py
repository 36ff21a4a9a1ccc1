"""Alembic migrations of the library database (run through :func:`engine.library.storage.db.migrate`)."""
