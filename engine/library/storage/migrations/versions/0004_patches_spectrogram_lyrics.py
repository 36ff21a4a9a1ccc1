"""Log-mel patches, spectrogram-VAE embeddings, and lyrics with sentiment (issue 12, part 2).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _track_fk() -> sa.Column:
    return sa.Column("track_id", sa.Integer, sa.ForeignKey("tracks.id", ondelete="CASCADE"),
                     primary_key=True)


def upgrade() -> None:
    """Add ``track_patches``, ``spectrogram_embeddings`` and ``track_lyrics``.

    Tracks analysed before this revision have no patches and no lyrics row; they are analysed
    again by the next scan of their folder (the scanner sends them back to ``pending``).
    """
    op.create_table(
        "track_patches", _track_fk(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("patches", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "spectrogram_embeddings", _track_fk(),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "track_lyrics", _track_fk(),
        sa.Column("has_lyrics", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("compound", sa.Float, nullable=True),
        sa.Column("positive", sa.Float, nullable=True),
        sa.Column("negative", sa.Float, nullable=True),
        sa.Column("neutral", sa.Float, nullable=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=True),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("track_lyrics")
    op.drop_table("spectrogram_embeddings")
    op.drop_table("track_patches")
