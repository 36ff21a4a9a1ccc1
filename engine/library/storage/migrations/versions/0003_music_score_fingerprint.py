"""Music score (non-music detection) and acoustic fingerprint on tracks.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``music_score`` (-1: not computed yet) and ``fingerprint`` (empty: none)."""
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("music_score", sa.Float, nullable=False, server_default="-1"))
        batch.add_column(sa.Column("fingerprint", sa.LargeBinary, nullable=False,
                                   server_default=sa.text("x''")))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("fingerprint")
        batch.drop_column("music_score")
