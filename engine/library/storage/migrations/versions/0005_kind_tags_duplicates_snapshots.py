"""Kind (music / speech / other), demo flag, same-audio links, tagger tags, vector snapshots.

The ``library_state`` generation counter is kept by triggers on the tables vectors depend on
(``tracks``, ``embeddings``, ``spectrogram_embeddings``, ``track_tags``, ``track_lyrics``): a
vector snapshot made at another generation is out of date. A later migration that rebuilds one
of these tables in batch mode drops its triggers and must create them again
(:func:`create_triggers`; ``tests/engine/library/test_db.py`` checks they exist at head).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


WATCHED = ("tracks", "embeddings", "spectrogram_embeddings", "track_tags", "track_lyrics")


def create_triggers() -> None:
    """One trigger per watched table and statement kind: bump the generation."""
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER IF NOT EXISTS segue_generation_{table}_{event.lower()} "
                       f"AFTER {event} ON {table} BEGIN UPDATE library_state "
                       "SET value = value + 1 WHERE key = 'generation'; END")


def upgrade() -> None:
    """Add ``tracks.kind``, ``demo``, ``same_as`` (and an index on ``updated_at``),
    ``track_tags``, ``tag_vocab``, ``vector_snapshots`` and ``library_state`` with its triggers.

    Tracks analysed before this revision have no kind and no tags; the next scan of their folder
    analyses them again (the scanner sends them back to ``pending``).
    """
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default=""))
        batch.add_column(sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("same_as", sa.Integer, nullable=True))
        batch.create_index("ix_tracks_updated_at", ["updated_at"])
    op.create_table(
        "track_tags",
        sa.Column("track_id", sa.Integer, sa.ForeignKey("tracks.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("model", sa.String(32), nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("probabilities", sa.LargeBinary, nullable=True),
        sa.Column("embedding", sa.LargeBinary, nullable=True),
        sa.Column("top", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "tag_vocab",
        sa.Column("model", sa.String(32), primary_key=True),
        sa.Column("tags", sa.Text, nullable=False),
    )
    op.create_table(
        "vector_snapshots",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("stamp", sa.Text, nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("ids", sa.LargeBinary, nullable=False),
        sa.Column("vectors", sa.LargeBinary, nullable=False),
        sa.Column("made_at", sa.Float, nullable=False, server_default="0"),
        sa.Column("missing", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "library_state",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO library_state (key, value) VALUES ('generation', 0)")
    create_triggers()


def downgrade() -> None:
    """Drop them."""
    for table in WATCHED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS segue_generation_{table}_{event}")
    op.drop_table("library_state")
    op.drop_table("vector_snapshots")
    op.drop_table("tag_vocab")
    op.drop_table("track_tags")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_index("ix_tracks_updated_at")
        batch.drop_column("same_as")
        batch.drop_column("demo")
        batch.drop_column("kind")
