"""One person across networks: merge proposals with evidence, confirmed merges (undoable), contact
points from private messages, the identity sweep's watermark; `handles.identity_key` and
`people.merged_into_id`.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cauce.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_sweeps",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("last_mention_id", sa.Integer(), nullable=False),
        sa.Column("last_handle_id", sa.Integer(), nullable=False),
        sa.Column("swept_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_identity_sweeps_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_identity_sweeps")),
    )
    op.create_table(
        "person_contact_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_person_contact_points_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_contact_points_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_contact_points")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "value",
            "person_id",
            name=op.f("uq_person_contact_points_organisation_id_kind_value_person_id"),
        ),
    )
    with op.batch_alter_table("person_contact_points", schema=None) as batch_op:
        batch_op.create_index("ix_person_contact_points_person", ["person_id"], unique=False)

    op.create_table(
        "person_merge_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_a_id", sa.Integer(), nullable=False),
        sa.Column("person_b_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", cauce.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_person_merge_proposals_decided_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_person_merge_proposals_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_a_id"], ["people.id"], name=op.f("fk_person_merge_proposals_person_a_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["person_b_id"], ["people.id"], name=op.f("fk_person_merge_proposals_person_b_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge_proposals")),
        sa.UniqueConstraint(
            "organisation_id",
            "person_a_id",
            "person_b_id",
            name=op.f("uq_person_merge_proposals_organisation_id_person_a_id_person_b_id"),
        ),
    )
    with op.batch_alter_table("person_merge_proposals", schema=None) as batch_op:
        batch_op.create_index("ix_person_merge_proposals_a", ["person_a_id", "status"], unique=False)
        batch_op.create_index("ix_person_merge_proposals_b", ["person_b_id", "status"], unique=False)

    op.create_table(
        "person_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("created_at", cauce.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", cauce.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["merged_id"], ["people.id"], name=op.f("fk_person_merges_merged_id_people")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_person_merges_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["person_merge_proposals.id"],
            name=op.f("fk_person_merges_proposal_id_person_merge_proposals"),
        ),
        sa.ForeignKeyConstraint(["survivor_id"], ["people.id"], name=op.f("fk_person_merges_survivor_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
    )
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merges_merged_id"), ["merged_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_merges_survivor_id"), ["survivor_id"], unique=False)

    with op.batch_alter_table("handles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_key", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_handles_identity_key", ["organisation_id", "identity_key"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_people_merged_into_id_people"), "people", ["merged_into_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_people_merged_into_id_people"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("handles", schema=None) as batch_op:
        batch_op.drop_index("ix_handles_identity_key")
        batch_op.drop_column("identity_key")

    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_merges_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_person_merges_merged_id"))

    op.drop_table("person_merges")
    with op.batch_alter_table("person_merge_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_person_merge_proposals_b")
        batch_op.drop_index("ix_person_merge_proposals_a")

    op.drop_table("person_merge_proposals")
    with op.batch_alter_table("person_contact_points", schema=None) as batch_op:
        batch_op.drop_index("ix_person_contact_points_person")

    op.drop_table("person_contact_points")
    op.drop_table("identity_sweeps")
