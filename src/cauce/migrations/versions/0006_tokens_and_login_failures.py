"""API tokens get scopes and an expiry; failed sign-ins are kept in a table shared by every web
process (the login rate limiter).

Tokens created before this revision keep full access (read and write) and expire 90 days after
the upgrade, so that none stays valid for ever.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from cauce.db import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True))
    tokens = sa.table("api_tokens", sa.column("scopes", sa.JSON()), sa.column("expires_at", UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(scopes=["read", "write"],
                                      expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("scopes", existing_type=sa.JSON(), nullable=False)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_key"), "login_failures", ["key"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_key"), table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
