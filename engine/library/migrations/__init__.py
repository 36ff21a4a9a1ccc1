"""Alembic migrations of the library database (run through :func:`engine.library.db.migrate`)."""
