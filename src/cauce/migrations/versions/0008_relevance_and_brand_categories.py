"""Relevance first, categories per brand: mentions.relevant / relevance / relevance_reasons (an
irrelevant mention is stored, counted and searchable but opens no case), cases.brand_category, and
brands.triage_settings (terms, exclusion terms, homonyms, the brand's own categories with examples).

Existing mentions keep relevant = true (they were all treated as relevant); existing brands get an
empty settings object.

Revision ID: 0008
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("mentions", sa.Column("relevant", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("mentions", sa.Column("relevance", sa.Float(), nullable=True))
    op.add_column("mentions", sa.Column("relevance_reasons", sa.JSON(), nullable=True))
    op.create_index("ix_mentions_noise", "mentions", ["brand_id", "relevant", "created_at"])
    op.add_column("cases", sa.Column("brand_category", sa.String(length=60), nullable=True))
    op.add_column("brands", sa.Column("triage_settings", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("brands") as batch:
        batch.drop_column("triage_settings")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("brand_category")
    op.drop_index("ix_mentions_noise", table_name="mentions")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("relevance_reasons")
        batch.drop_column("relevance")
        batch.drop_column("relevant")
