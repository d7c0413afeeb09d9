"""A case's full history as one document (JSON, or a printable HTML page) for handovers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit import service as audit
from cauce.brands.models import Brand
from cauce.cases import lifecycle, sla
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.htmldoc import csp_for, style_markup
from cauce.mentions import service as mentions
from cauce.people import service as people
from cauce.replies.models import Reply

_env = Environment(loader=PackageLoader("cauce.cases", "templates"), autoescape=select_autoescape(["html", "jinja"]))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_document(session: Session, case: Case, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    brand = session.get(Brand, case.brand_id)
    person = people.get(session, person_id=case.person_id)
    replies = list(session.scalars(select(Reply).where(Reply.case_id == case.id).order_by(Reply.created_at)))
    return {
        "case": {
            "id": case.id, "brand": brand.name if brand else None, "title": case.title, "status": case.status,
            "status_label": lifecycle.STATES.get(case.status), "pqr_type": case.pqr_type, "category": case.category,
            "priority": case.priority, "priority_reasons": case.priority_reasons, "author_role": case.author_role,
            "flags": case.flags, "outcome": case.outcome, "opened_at": _iso(case.opened_at),
            "first_response_at": _iso(case.first_response_at), "closed_at": _iso(case.closed_at),
            "legal_due": _iso(case.legal_due), "legal_extension_notice": case.legal_extension_notice,
            "resolution_checklist": case.resolution_checklist, "customer_confirmed": case.customer_confirmed,
            "related_case_id": case.related_case_id,
        },
        "clocks": [c.as_dict() for c in sla.clocks(case, now=now)],
        "person": {
            "id": person.id, "name": person.display_name,
            "handles": [{"channel": h.channel, "handle": h.handle, "followers": h.followers}
                        for h in people.handles_of(session, person_id=person.id)],
        },
        "mentions": [
            {"id": m.id, "channel": m.channel, "external_id": m.external_id, "url": m.url, "author": m.author_handle,
             "created_at": _iso(m.created_at), "text": m.text, "private": m.private,
             "third_party": m.third_party, "assessment": m.assessment}
            for m in mentions.mentions_of_case(session, case_id=case.id)
        ],
        "replies": [
            {"id": r.id, "visibility": r.visibility, "channel": r.channel, "state": r.state, "text": r.text,
             "created_at": _iso(r.created_at), "sent_at": _iso(r.sent_at), "external_id": r.external_id,
             "error": r.error}
            for r in replies
        ],
        "notes": [{"id": n.id, "author_user_id": n.author_user_id, "created_at": _iso(n.created_at), "text": n.text}
                  for n in cases.notes_of(session, case_id=case.id)],
        "audit": [
            {"id": e.id, "at": _iso(e.created_at), "actor": e.actor_label or e.actor_type, "actor_type": e.actor_type,
             "action": e.action, "before": e.before, "after": e.after, "reason": e.reason, "hash": e.hash}
            for e in audit.events_for_case(session, case.id)
        ],
        "generated_at": now.isoformat(),
    }


CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 60rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #ccd; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e3e6ea; }
.meta { color: #555; } .text { white-space: pre-wrap; word-break: break-word; }
code { font-size: 11px; color: #666; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""
# Serve `case_html` with this policy: it allows exactly the inline stylesheet above.
CSP = csp_for(CSS)


def case_html(document: dict[str, Any]) -> str:
    return _env.get_template("case_export.html").render(doc=document, css=style_markup(CSS))
