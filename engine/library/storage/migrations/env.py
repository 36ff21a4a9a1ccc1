"""Alembic environment: migrate the connection handed over by :func:`engine.library.storage.db.migrate`."""

from __future__ import annotations

from alembic import context

from engine.library.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Segue always passes a connection
    raise RuntimeError("run library migrations through engine.library.storage.db.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
)
with context.begin_transaction():
    context.run_migrations()
