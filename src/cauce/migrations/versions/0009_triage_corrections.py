"""Corrections become labelled examples of the organisation; adapter training runs are recorded.

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cauce.db import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.String(length=40), nullable=True),
        sa.Column("new_value", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_triage_examples_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"], name=op.f("fk_triage_examples_brand_id_brands")),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], name=op.f("fk_triage_examples_mention_id_mentions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_examples")),
    )
    op.create_index("ix_triage_examples_org", "triage_examples", ["organisation_id", "id"])
    op.create_index(op.f("ix_triage_examples_brand_id"), "triage_examples", ["brand_id"])
    op.create_index(op.f("ix_triage_examples_mention_id"), "triage_examples", ["mention_id"])
    op.create_table(
        "triage_adapter_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("examples_used", sa.Integer(), nullable=False),
        sa.Column("last_example_id", sa.Integer(), nullable=False),
        sa.Column("base_model_version", sa.String(length=200), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_triage_adapter_runs_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_adapter_runs")),
    )
    op.create_index("ix_triage_adapter_runs_org", "triage_adapter_runs", ["organisation_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_triage_adapter_runs_org", table_name="triage_adapter_runs")
    op.drop_table("triage_adapter_runs")
    op.drop_index(op.f("ix_triage_examples_mention_id"), table_name="triage_examples")
    op.drop_index(op.f("ix_triage_examples_brand_id"), table_name="triage_examples")
    op.drop_index("ix_triage_examples_org", table_name="triage_examples")
    op.drop_table("triage_examples")
