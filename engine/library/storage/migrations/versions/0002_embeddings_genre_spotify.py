"""Genre and tempo on tracks; embeddings, commentary favourites and the Spotify cache.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns and tables."""
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("genre", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("tempo", sa.Float, nullable=False, server_default="0"))
    op.create_table(
        "embeddings",
        sa.Column(
            "track_id",
            sa.Integer,
            sa.ForeignKey("tracks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "track_id", sa.Integer, sa.ForeignKey("tracks.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "spotify_cache",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Remove them."""
    for table in ("spotify_cache", "favourites", "embeddings"):
        op.drop_table(table)
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("tempo")
        batch.drop_column("genre")
