"""Replies: checked by the tone guard, written to the outbox, counted as the brand's response.

A reply is never sent from a request: `create_reply` stores it `queued` and the outbox worker
(`replies.outbox`) delivers it once; `mark_delivered` then stops the case's response clocks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.auth.models import User
from cauce.auth.service import Principal
from cauce.brands import channels
from cauce.cases import service as cases
from cauce.cases.models import Area, Case, FollowUp
from cauce.db import utcnow
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound
from cauce.mentions import service as mentions
from cauce.replies import context as ctx
from cauce.replies.models import Reply

VISIBILITIES = ("public", "private")
MAX_TEXT_CHARS = 10_000
MAX_KEY_CHARS = 100


class GuardBlocked(Conflict):
    """The tone guard refused the reply; `details` carries the verdict JSON."""

    code = "reply_blocked"


def _scope_ids(principal: Principal) -> cases.Scope:
    return cases.Scope(principal.brand_ids)


def _clean_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("La respuesta está vacía.")
    text = text.replace("\x00", "").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"La respuesta es demasiado larga ({len(text)} caracteres; máximo {MAX_TEXT_CHARS}).")
    return text


def parse_visibility(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in VISIBILITIES:
        raise InvalidInput("La visibilidad debe ser «public» (pública) o «private» (privada).")
    return value


def effective_visibility(session: Session, case: Case, requested: str) -> str:
    """A conversation that arrived privately (DM, e-mail) can only be answered privately."""
    latest = ctx.latest_inbound(session, case)
    if latest is not None and latest.private:
        return "private"
    if case.channel in ctx.PRIVATE_NETWORKS:
        return "private"
    return requested


def check(session: Session, case: Case, *, text: str, visibility: str, channel: str | None = None,
          agent_first_name: str | None = None) -> dict[str, Any]:
    """The tone guard's verdict for this text on this case: `{"verdict", "findings": [...]}`."""
    from cauce.replies.tone import check_reply
    from cauce.replies.tone.schemas import GuardContext

    facts = ctx.facts_for(session, case, visibility=visibility, channel=channel, agent_first_name=agent_first_name)
    guard_context = ctx.adapt(facts, GuardContext, voice="brand_voice", agent_name="agent_first_name")
    verdict = check_reply(text, guard_context)
    result: dict[str, Any] = verdict.as_json()
    return result


def _findings_text(verdict: dict[str, Any]) -> str:
    lines = [f"- {f['message']} ({f['rule']})" for f in verdict["findings"] if f["severity"] == "block"]
    return "\n".join(lines)


def create_reply(session: Session, *, case_id: int, text: str, visibility: str, principal: Principal,
                 channel: str | None = None, intent: str | None = None, override_reason: str | None = None,
                 idempotency_key: str | None = None, now: datetime | None = None) -> Reply:
    """Check a reply with the tone guard and queue it in the outbox.

    A `block` verdict refuses it unless a supervisor overrides with a reason (audited); `warn`
    findings travel with the reply. Re-sending the same `idempotency_key` returns the first reply.
    """
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=_scope_ids(principal))
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()[:MAX_KEY_CHARS] or None
    if idempotency_key:
        existing = session.scalar(select(Reply).where(Reply.idempotency_key == f"u:{idempotency_key}"))
        if existing is not None:
            if existing.case_id != case.id:
                raise Conflict("Esa clave de idempotencia ya se usó para otra respuesta.")
            return existing
    text = _clean_text(text)
    requested = parse_visibility(visibility)
    visibility = effective_visibility(session, case, requested)
    network = (channel or case.channel).strip().lower()
    target = ctx.latest_inbound(session, case)
    if target is None:
        raise InvalidInput("El caso no tiene ninguna mención a la cual responder.")
    account = channels.channel_for(session, brand_id=case.brand_id, network=network,
                                   prefer_id=_source_channel_id(target.source))
    if account is None:
        raise InvalidInput(f"La marca no tiene un canal de {network} configurado para enviar respuestas. "
                           "Añádalo (cauce channels add) o registre la respuesta enviada fuera de Cauce.")
    verdict = check(session, case, text=text, visibility=visibility, channel=network,
                    agent_first_name=principal.first_name)
    override = (override_reason or "").strip() or None
    if verdict["verdict"] == "block":
        if override is None:
            raise GuardBlocked("La respuesta no cumple el protocolo y no se envió:\n" + _findings_text(verdict)
                               + "\nCorríjala o pida a un supervisor que la autorice con un motivo.",
                               details=verdict)
        if not principal.is_supervisor:
            raise Forbidden("Solo un supervisor puede autorizar una respuesta bloqueada por el protocolo.")
    reply = Reply(case_id=case.id, in_reply_to_mention_id=target.id, channel=network, channel_account_id=account.id,
                  visibility=visibility, author_user_id=principal.user_id, text=text,
                  intent=(intent or "").strip()[:40] or None, state="queued",
                  idempotency_key=f"u:{idempotency_key}" if idempotency_key else f"r:{uuid.uuid4().hex}",
                  attempts=0, next_attempt_at=None, guard=verdict,
                  override_reason=override if verdict["verdict"] == "block" else None, created_at=now)
    session.add(reply)
    session.flush()
    after = {"visibility": visibility, "channel": network, "channel_account_id": account.id,
             "verdict": verdict["verdict"], "rules": [f["rule"] for f in verdict["findings"]], "intent": reply.intent}
    if requested != visibility:
        after["visibility_requested"] = requested
    record(session, actor=principal.actor, action="reply.queued", entity_type="reply", entity_id=reply.id,
           case_id=case.id, brand_id=case.brand_id, after=after)
    if reply.override_reason:
        record(session, actor=principal.actor, action="reply.guard_overridden", entity_type="reply",
               entity_id=reply.id, case_id=case.id, brand_id=case.brand_id, reason=reply.override_reason,
               after={"findings": verdict["findings"]})
    return reply


def _source_channel_id(source: str | None) -> int | None:
    if source and source.startswith("connector:"):
        tail = source.split(":", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


def mark_delivered(session: Session, reply: Reply, *, external_id: str, url: str | None, at: datetime,
                   actor: Actor) -> None:
    """The network accepted the reply: record it and count it as the brand's response."""
    record_changes(session, reply, {"state": "sent", "external_id": external_id, "external_url": url,
                                    "sent_at": at, "error": None, "next_attempt_at": None},
                   actor=actor, action="reply.sent", entity_type="reply", case_id=reply.case_id)
    _count_as_response(session, reply, at=at, actor=actor)


def _count_as_response(session: Session, reply: Reply, *, at: datetime, actor: Actor) -> None:
    case = session.get(Case, reply.case_id)
    assert case is not None
    cases.record_response(session, case=case, at=at, public=reply.visibility == "public", actor=actor)
    mentions.mark_answered(session, case_id=case.id)
    _tick_checklist(session, case, reply, at=at)


def _author(session: Session, reply: Reply) -> Actor | None:
    user = session.get(User, reply.author_user_id) if reply.author_user_id else None
    return Actor.user(user.id, user.name) if user is not None else None


def _complete_follow_ups(session: Session, case: Case, reply: Reply, *, at: datetime, author: Actor) -> None:
    """§9: the follow-up message reached the customer, so the scheduled follow-up is done (by its author)."""
    for item in session.scalars(select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.kind == "follow_up",
                                                       FollowUp.done_at.is_(None))):
        record_changes(session, item, {"done_at": at}, actor=author, action="playbook.follow_up_done",
                       entity_type="follow_up", case_id=case.id, brand_id=case.brand_id,
                       reason=f"Respuesta #{reply.id} enviada")


def _tick_checklist(session: Session, case: Case, reply: Reply, *, at: datetime) -> None:
    """The §5 items a resolution draft covers are done once that reply reached the customer.

    Ticked in the name of the agent who wrote the reply (the outbox only carried it), and only the
    items of the case's branch that are still pending; a ticked item is never overwritten.
    """
    from cauce.replies.drafts.schemas import CHECKLIST_COVERED

    author = _author(session, reply)
    if reply.intent == "follow_up" and author is not None:
        _complete_follow_ups(session, case, reply, at=at, author=author)
    covered = CHECKLIST_COVERED.get(reply.intent or "", {}).get(case.outcome or "", ())
    checklist = dict(case.resolution_checklist or {})
    items = [i for i in covered if i not in checklist
             and not (i.endswith("-private") and reply.visibility != "private")]
    if not items or author is None:
        return
    for item in items:
        checklist[item] = {"state": "done", "note": None, "by": author.label, "at": at.isoformat(),
                           "reply_id": reply.id}
    record_changes(session, case, {"resolution_checklist": checklist}, actor=author,
                   action="playbook.checklist_ticked", entity_type="case", case_id=case.id, brand_id=case.brand_id,
                   reason=f"{', '.join(items)}: done (respuesta #{reply.id} enviada)")


def mark_failed(session: Session, reply: Reply, *, reason: str, actor: Actor) -> None:
    record_changes(session, reply, {"state": "failed", "error": reason[:2000], "next_attempt_at": None},
                   actor=actor, action="reply.failed", entity_type="reply", case_id=reply.case_id,
                   reason=reason[:2000])


def record_external_reply(session: Session, *, case_id: int, text: str, visibility: str, principal: Principal,
                          channel: str | None = None, external_url: str | None = None,
                          at: datetime | None = None, intent: str | None = None) -> Reply:
    """The agent answered outside Cauce (phone, the network's own app): log it as the response."""
    now = utcnow()
    at = at or now
    if at > now:
        raise InvalidInput("La fecha de la respuesta no puede estar en el futuro.")
    case = cases.get(session, case_id=case_id, scope=_scope_ids(principal))
    text = _clean_text(text)
    visibility = parse_visibility(visibility)
    target = ctx.latest_inbound(session, case)
    reply = Reply(case_id=case.id, in_reply_to_mention_id=target.id if target else None,
                  channel=(channel or case.channel).strip().lower()[:40], channel_account_id=None,
                  visibility=visibility, author_user_id=principal.user_id, text=text,
                  intent=(intent or "").strip()[:40] or None, state="recorded",
                  idempotency_key=f"x:{uuid.uuid4().hex}", external_url=(external_url or None), attempts=0,
                  guard={}, created_at=now, sent_at=at)
    session.add(reply)
    session.flush()
    record(session, actor=principal.actor, action="reply.recorded", entity_type="reply", entity_id=reply.id,
           case_id=case.id, brand_id=case.brand_id, after={"visibility": visibility, "channel": reply.channel,
                                                          "sent_at": at})
    _count_as_response(session, reply, at=at, actor=principal.actor)
    return reply


def replies_of_case(session: Session, *, case_id: int, principal: Principal) -> list[Reply]:
    case = cases.get(session, case_id=case_id, scope=_scope_ids(principal))
    return list(session.scalars(select(Reply).where(Reply.case_id == case.id)
                                .order_by(Reply.created_at, Reply.id)))


def get_reply(session: Session, *, reply_id: int, principal: Principal) -> Reply:
    reply = session.get(Reply, reply_id)
    try:
        if reply is None:
            raise NotFound("")
        cases.get(session, case_id=reply.case_id, scope=_scope_ids(principal))
    except NotFound:
        # Another brand's reply answers like a missing one, without naming its case.
        raise NotFound(f"No existe la respuesta {reply_id}.") from None
    return reply


def retry(session: Session, *, reply_id: int, principal: Principal) -> Reply:
    """Put a failed reply back in the outbox (after fixing the channel, for instance)."""
    reply = get_reply(session, reply_id=reply_id, principal=principal)
    if reply.state != "failed":
        raise Conflict(f"Solo se reintentan respuestas fallidas; esta está «{reply.state}».")
    record_changes(session, reply, {"state": "queued", "error": None, "next_attempt_at": None, "attempts": 0},
                   actor=principal.actor, action="reply.retried", entity_type="reply", case_id=reply.case_id)
    return reply


def reply_out(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.id, "case_id": reply.case_id, "channel": reply.channel, "visibility": reply.visibility,
        "channel_account_id": reply.channel_account_id, "text": reply.text, "intent": reply.intent,
        "state": reply.state, "external_id": reply.external_id, "external_url": reply.external_url,
        "error": reply.error, "attempts": reply.attempts, "guard": reply.guard,
        "override_reason": reply.override_reason, "author_user_id": reply.author_user_id,
        "created_at": reply.created_at.isoformat() if reply.created_at else None,
        "sent_at": reply.sent_at.isoformat() if reply.sent_at else None,
    }


def _checklist_notes(case: Case) -> dict[str, str]:
    return {k: str(v["note"]).strip() for k, v in (case.resolution_checklist or {}).items()
            if isinstance(v, dict) and v.get("state") == "done" and v.get("note")}


def _draft_visibility(session: Session, case: Case, requested: str | None) -> Literal["public", "private"] | None:
    if not requested:
        return None
    return "private" if effective_visibility(session, case, parse_visibility(requested)) == "private" else "public"


def draft_for_case(session: Session, *, case_id: int, intent: str, principal: Principal,
                   variant: int | None = None, survey_url: str | None = None,
                   visibility: str | None = None) -> Any:
    """A playbook draft (`replies.drafts.Draft`) for this case, signed with the agent's first name.

    While the brand is in crisis mode and the crisis is about this case's category (or about
    several), first replies and investigation updates use the crisis templates (`crisis.…` ids).
    """
    from cauce.playbook import crisis as crises
    from cauce.replies.drafts import INTENTS, CaseFacts, CrisisFacts, DraftContext, draft

    if intent not in INTENTS:
        raise InvalidInput(f"Intención desconocida {intent!r}; use una de: {', '.join(INTENTS)}.")
    case = cases.get(session, case_id=case_id, scope=_scope_ids(principal))
    facts = ctx.facts_for(session, case, agent_first_name=principal.first_name)
    area = session.get(Area, case.area_id) if case.area_id else None
    # What the agent wrote when ticking the §5.2 items feeds the at-fault answer: what went wrong,
    # and what the customer gets (warranty, compensation). Unknown facts get a generic wording and a warning.
    notes = _checklist_notes(case)
    remedy = "; ".join(n for n in (notes.get("§5.2.compensation"), notes.get("§5.2.warranty")) if n) or None
    crisis_facts = None
    if crises.in_crisis_mode(session, brand_id=case.brand_id):
        live = crises.current(session, brand_id=case.brand_id)
        if live is not None and live.category in (None, case.category):
            crisis_facts = CrisisFacts(category=live.category)
    context = DraftContext(
        brand_name=facts.brand_name[:120], voice="usted" if facts.brand_voice == "usted" else "tu",
        country=facts.brand_country[:2], channel=facts.channel,
        recipient_name=facts.recipient_name[:120] if facts.recipient_name else None,
        recipient_handle=facts.recipient_handle[:120] if facts.recipient_handle else None,
        agent_name=(principal.first_name or "Equipo")[:80], mention_text=facts.mention_text,
        recent_replies=facts.recent_replies_to_others,
        facts=CaseFacts(pqr_type=case.pqr_type, category=case.category, area=area.name[:120] if area else None,
                        cause=notes.get("§5.2.what-went-wrong"), remedy=remedy, survey_url=survey_url),
        crisis=crisis_facts,
        visibility=_draft_visibility(session, case, visibility),
    )
    return draft(context, intent, variant_seed=variant)


def replies_for_cases(session: Session, *, case_ids: list[int]) -> list[Reply]:
    """Every reply of these cases, without a principal's scope (privacy export and erasure)."""
    if not case_ids:
        return []
    return list(session.scalars(select(Reply).where(Reply.case_id.in_(case_ids)).order_by(Reply.id)))


def anonymise_replies(session: Session, *, case_ids: list[int]) -> int:
    """Replies greet the person by name: erase their text and links."""
    rows = replies_for_cases(session, case_ids=case_ids)
    for row in rows:
        row.text = "[eliminado por solicitud de privacidad]"
        row.external_url = None
        row.guard = {}
        row.error = None
    session.flush()
    return len(rows)
