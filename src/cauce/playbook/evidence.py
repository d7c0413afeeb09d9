"""§8 defamation and threats: measure the reach, preserve the evidence, hand over to legal."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record
from cauce.auth import policy
from cauce.cases import service as cases
from cauce.cases.models import Area
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.db import utcnow
from cauce.errors import InvalidInput
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.playbook.models import EvidenceSnapshot

LEGAL_SLUGS = ("legal", "juridica", "juridico")


def reach_of(session: Session, mention_id: int, followers: int, now: datetime) -> dict[str, Any]:
    """How far the post travels: audience, interactions and their growth per hour."""
    snaps = mentions.snapshots_of(session, mention_id=mention_id)
    last = snaps[-1] if snaps else None
    interactions = (last.likes + last.reposts + last.replies) if last else 0
    per_hour = 0.0
    if len(snaps) >= 2:
        first = snaps[0]
        hours = max((last.observed_at - first.observed_at).total_seconds() / 3600, 1 / 60) if last else 1.0
        grown = interactions - (first.likes + first.reposts + first.replies)
        per_hour = round(max(grown, 0) / hours, 2)
    level = "alto" if followers >= 10_000 or interactions >= 500 else \
        "medio" if followers >= 1_000 or interactions >= 50 else "bajo"
    return {"followers": followers, "interactions": interactions, "interactions_per_hour": per_hour,
            "reposts": last.reposts if last else 0, "level": level, "measured_at": now.isoformat()}


def _content_hash(fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def legal_area(session: Session, brand_id: int) -> Area | None:
    return session.scalar(select(Area).where(
        Area.brand_id == brand_id,
        or_(Area.slug.in_(LEGAL_SLUGS), Area.name.ilike("%legal%"), Area.name.ilike("%juríd%"))).limit(1))


def preserve_evidence(session: Session, *, case_id: int, mention_id: int, actor: Actor,
                      user_id: int | None = None, scope: Scope = ALL_BRANDS,
                      now: datetime | None = None) -> EvidenceSnapshot:
    """Snapshot the post (text, URL, metrics, author, time, content hash) and route the case to legal."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    # A mention of another case (or brand) answers exactly like a missing one.
    mention = policy.mention_in_scope(session, mention_id=mention_id, scope=scope, case_id=case.id)
    snaps = mentions.snapshots_of(session, mention_id=mention.id)
    last = snaps[-1] if snaps else None
    metrics = {"likes": last.likes, "reposts": last.reposts, "replies": last.replies} if last else {}
    fields = {"channel": mention.channel, "external_id": mention.external_id, "url": mention.url,
              "text": mention.text, "author_handle": mention.author_handle, "author_name": mention.author_name,
              "followers": mention.author_followers, "posted_at": mention.created_at.isoformat(),
              "metrics": metrics}
    snapshot = EvidenceSnapshot(
        brand_id=case.brand_id, case_id=case.id, mention_id=mention.id, channel=mention.channel,
        url=mention.url, text=mention.text, author_handle=mention.author_handle, author_name=mention.author_name,
        followers=mention.author_followers, metrics=metrics,
        reach=reach_of(session, mention.id, mention.author_followers, now), posted_at=mention.created_at,
        captured_at=now, content_hash=_content_hash(fields), captured_by_user_id=user_id)
    session.add(snapshot)
    session.flush()
    record(session, actor=actor, action="playbook.evidence_preserved", entity_type="evidence",
           entity_id=snapshot.id, case_id=case.id, brand_id=case.brand_id,
           after={"mention_id": mention.id, "content_hash": snapshot.content_hash, "reach": snapshot.reach})
    area = legal_area(session, case.brand_id)
    if area is not None and case.area_id != area.id:
        cases.assign(session, case_id=case.id, area_id=area.id, actor=actor, scope=scope,
                     reason="Amenaza o difamación: evidencia preservada, pasa a legal (PLAYBOOK §8).")
    elif area is None:
        cases.add_note(session, case_id=case.id, actor=actor, author_user_id=user_id, scope=scope,
                       text="Evidencia preservada. La marca no tiene un área legal configurada: "
                            "cree una (slug «legal») para entregar el caso.")
    return snapshot


@dataclass(frozen=True)
class LegalHandover:
    snapshots: list[EvidenceSnapshot]
    area: Area | None  # None: the brand has no legal area (a note says so on the case)


def preserve_and_hand_to_legal(session: Session, *, case_id: int, actor: Actor, user_id: int | None = None,
                               scope: Scope = ALL_BRANDS, now: datetime | None = None) -> LegalHandover:
    """The «Preservar evidencia y pasar a legal» step in one action (§8): a snapshot of every message of
    the customer that carries a threat or a legal risk (the latest one when none is flagged), then the
    case goes to the brand's legal area."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    own = select(Mention.id).where(Mention.case_id == case.id, Mention.third_party.is_(False))
    ids = list(session.scalars(own.where(or_(Mention.threat.is_(True), Mention.legal_risk.is_(True)))
                               .order_by(Mention.created_at, Mention.id)))
    if not ids:
        latest = session.scalar(own.order_by(Mention.created_at.desc(), Mention.id.desc()).limit(1))
        ids = [latest] if latest is not None else []
    if not ids:
        raise InvalidInput("El caso no tiene mensajes del cliente que preservar.")
    kept = {e.mention_id for e in evidence_of(session, case_id=case.id)}
    snapshots = [preserve_evidence(session, case_id=case.id, mention_id=mid, actor=actor, user_id=user_id, scope=scope,
                                   now=now) for mid in ids if mid not in kept]
    if not snapshots:  # already preserved: only make sure legal has it
        area = legal_area(session, case.brand_id)
        if area is not None and case.area_id != area.id:
            cases.assign(session, case_id=case.id, area_id=area.id, actor=actor, scope=scope,
                         reason="Evidencia ya preservada: pasa a legal (PLAYBOOK §8).")
    return LegalHandover(snapshots, legal_area(session, case.brand_id))


def evidence_of(session: Session, *, case_id: int) -> list[EvidenceSnapshot]:
    return list(session.scalars(select(EvidenceSnapshot).where(EvidenceSnapshot.case_id == case_id)
                                .order_by(EvidenceSnapshot.id)))


def evidence_of_mentions(session: Session, *, mention_ids: list[int]) -> list[EvidenceSnapshot]:
    if not mention_ids:
        return []
    return list(session.scalars(select(EvidenceSnapshot).where(EvidenceSnapshot.mention_id.in_(mention_ids))
                                .order_by(EvidenceSnapshot.id)))


def anonymise_evidence(session: Session, *, mention_ids: list[int]) -> int:
    """Erase the preserved copies of these posts (the content hash stays: they existed)."""
    rows = evidence_of_mentions(session, mention_ids=mention_ids)
    for row in rows:
        row.text = "[eliminado por solicitud de privacidad]"
        row.author_handle = "anonimo"
        row.author_name = None
        row.url = None
    session.flush()
    return len(rows)
