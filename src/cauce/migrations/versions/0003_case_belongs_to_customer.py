"""A case belongs to its customer: third-party messages and linked cases.

Schema: `mentions.third_party` (someone else's message in the case's thread) and
`cases.related_case_id` (a third party's own case points at the customer's case).

Data: cases already taken over by someone replying in the customer's thread are repaired —
other people's mentions in a case are marked third-party, and the case's author role, role
confidence, flags, PQR type and priority reasons are derived again from the customer's own
mentions only.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of what the repair needs (the models may change after this revision).
PQR_RANK = {"otro": 0, "felicitacion": 1, "sugerencia": 2, "peticion": 3, "queja": 4, "reclamo": 5}
FLAG_NAMES = ("abusive", "threat", "legal_risk")
MAX_REASONS = 8
SLA_REASON = "SLA por vencer o vencido"
ESCALATION_BUMP = 15

cases = sa.table(
    "cases", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("author_role", sa.String), sa.column("role_confidence", sa.Float), sa.column("flags", sa.JSON),
    sa.column("pqr_type", sa.String), sa.column("priority", sa.Integer), sa.column("priority_reasons", sa.JSON),
    sa.column("escalated", sa.Boolean), sa.column("mention_count", sa.Integer),
)
mentions = sa.table(
    "mentions", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("created_at", sa.DateTime), sa.column("author_role", sa.String), sa.column("assessment", sa.JSON),
    sa.column("pqr_type", sa.String), sa.column("priority", sa.Integer), sa.column("abusive", sa.Boolean),
    sa.column("threat", sa.Boolean), sa.column("legal_risk", sa.Boolean), sa.column("third_party", sa.Boolean),
)


def upgrade() -> None:
    # Plain ALTERs (no batch copy, on SQLite too): copying `mentions` or `cases` would DROP a table
    # that other rows point at, which the foreign keys refuse once the database holds data.
    op.add_column("mentions", sa.Column("third_party", sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its REFERENCES clause is allowed for a NULL column.
        op.execute("ALTER TABLE cases ADD COLUMN related_case_id INTEGER REFERENCES cases (id)")
    else:
        op.add_column("cases", sa.Column("related_case_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_cases_related_case_id_cases"), "cases", "cases", ["related_case_id"], ["id"])
    op.create_index("ix_cases_related", "cases", ["related_case_id"], unique=False)
    _repair_taken_over_cases(op.get_bind())


def _repair_taken_over_cases(conn: sa.Connection) -> None:
    taken = conn.execute(
        sa.select(cases).where(cases.c.id.in_(
            sa.select(mentions.c.case_id).where(mentions.c.case_id == cases.c.id,
                                                mentions.c.person_id != cases.c.person_id)))
    ).mappings().all()
    for case in taken:
        conn.execute(sa.update(mentions).where(mentions.c.case_id == case["id"],
                                               mentions.c.person_id != case["person_id"])
                     .values(third_party=True))
        own = conn.execute(sa.select(mentions).where(mentions.c.case_id == case["id"],
                                                     mentions.c.person_id == case["person_id"])
                           .order_by(mentions.c.created_at, mentions.c.id)).mappings().all()
        if own:
            conn.execute(sa.update(cases).where(cases.c.id == case["id"]).values(**_derived(case, own)))


def _derived(case: Any, own: Sequence[Any]) -> dict[str, Any]:
    """The case's customer-facing fields as routing would have set them from the customer's mentions."""
    latest = own[-1]
    assessment = latest["assessment"] or {}
    reasons: list[str] = []
    for m in reversed(own):  # newest first, as routing merges them
        reasons.extend((m["assessment"] or {}).get("reasons") or [])
    if SLA_REASON in (case["priority_reasons"] or []):
        reasons.insert(0, SLA_REASON)
    priority = max(int(m["priority"] or 0) for m in own)
    if case["escalated"]:
        priority = min(100, priority + ESCALATION_BUMP)
    pqr_type = max((m["pqr_type"] or "otro" for m in own), key=lambda t: PQR_RANK.get(t, 0))
    return {
        "author_role": latest["author_role"],
        "role_confidence": float(assessment.get("role_confidence", 0.0) or 0.0),
        "flags": sorted({name for m in own for name in FLAG_NAMES if m[name]}),
        "pqr_type": pqr_type,
        "priority": priority,
        "priority_reasons": list(dict.fromkeys(reasons))[:MAX_REASONS],
        "mention_count": len(own),
    }


def downgrade() -> None:
    op.drop_index("ix_cases_related", table_name="cases")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a REFERENCES clause in place; the copy-and-move runs with
        # the foreign keys off (the pragma only works outside a transaction, so end the current one).
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys=OFF")
        op.execute("BEGIN")
        with op.batch_alter_table("cases", schema=None, recreate="always") as batch_op:
            batch_op.drop_column("related_case_id")
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys=ON")
        op.execute("BEGIN")
    else:
        op.drop_constraint(op.f("fk_cases_related_case_id_cases"), "cases", type_="foreignkey")
        op.drop_column("cases", "related_case_id")
    op.drop_column("mentions", "third_party")  # SQLite ≥ 3.35 drops an unindexed, unreferenced column in place
