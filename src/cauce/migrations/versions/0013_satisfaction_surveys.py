"""Satisfaction surveys the customer answers from a link, without logging in (PLAYBOOK §9).

Revision ID: 0013
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cauce.db

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", cauce.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("satisfaction_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"], name=op.f("fk_satisfaction_surveys_brand_id_brands")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_satisfaction_surveys_case_id_cases")),
        sa.ForeignKeyConstraint(["satisfaction_id"], ["satisfaction_results.id"],
                                name=op.f("fk_satisfaction_surveys_satisfaction_id_satisfaction_results")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_satisfaction_surveys_created_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_surveys")),
        sa.UniqueConstraint("token", name=op.f("uq_satisfaction_surveys_token")),
    )
    with op.batch_alter_table("satisfaction_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_satisfaction_surveys_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_surveys_case_id"))
    op.drop_table("satisfaction_surveys")
