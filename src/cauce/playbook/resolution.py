"""§5 and §9 as enforced steps: the branch checklist, closing the loop, follow-ups, satisfaction.

The web app and the API call these functions; they are the only way a playbook case closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record_changes
from cauce.cases import lifecycle
from cauce.cases import service as cases
from cauce.cases.models import Case, FollowUp, Satisfaction
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.db import utcnow
from cauce.errors import InvalidInput, InvalidTransition, NotFound
from cauce.playbook import survey
from cauce.playbook.next_actions import CHECKLIST, MANUAL_ITEMS, OPTIONAL_ITEMS
from cauce.playbook.policy import effective_policy

ITEM_STATES = ("done", "not_applicable", "pending")
CONFIRMATIONS = ("confirmed", "no_answer_after_follow_up")
BRANCHES = tuple(CHECKLIST)


def _policy_title(session: Session, case: Case, item: str) -> str:
    return effective_policy(session, brand_id=case.brand_id).rule(item).title


def set_outcome(session: Session, *, case_id: int, outcome: str, actor: Actor,
                scope: Scope = ALL_BRANDS, reason: str | None = None) -> Case:
    """Record the branch the investigation found (§5): at_fault, not_at_fault or not_applicable."""
    case = cases.get(session, case_id=case_id, scope=scope)
    if outcome not in lifecycle.OUTCOMES:
        raise InvalidInput(f"Resultado desconocido {outcome!r}: use at_fault, not_at_fault o not_applicable.")
    if not case.is_open:
        raise InvalidTransition("El caso está cerrado; reábralo para cambiar el resultado.")
    record_changes(session, case, {"outcome": outcome, "updated_at": utcnow()}, actor=actor,
                   action="playbook.outcome_set", entity_type="case", reason=reason, case_id=case.id,
                   brand_id=case.brand_id)
    return case


def tick(session: Session, *, case_id: int, item: str, state: str = "done", note: str | None = None,
         actor: Actor, scope: Scope = ALL_BRANDS, now: datetime | None = None) -> Case:
    """Tick (or untick) one checklist item of the case's branch; recorded on the case, audited."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    if state not in ITEM_STATES:
        raise InvalidInput(f"Estado inválido {state!r}: use done, not_applicable o pending.")
    if item not in MANUAL_ITEMS:
        branch = CHECKLIST.get(case.outcome or "")
        if branch is None:
            raise InvalidInput("Registre primero el resultado de la investigación (la empresa falló o no, "
                               "PLAYBOOK §5) para ver su lista de verificación.")
        if item not in branch:
            raise InvalidInput(f"«{item}» no pertenece a la lista de esta rama. Use: {', '.join(branch)}.")
    if state == "not_applicable" and item not in OPTIONAL_ITEMS:
        raise InvalidInput(f"«{_policy_title(session, case, item)}» no puede marcarse como «no aplica».")
    if state == "not_applicable" and not (note and note.strip()):
        raise InvalidInput("Explique en la nota por qué no aplica.")
    checklist = dict(case.resolution_checklist or {})
    if state == "pending":
        checklist.pop(item, None)
    else:
        checklist[item] = {"state": state, "note": (note or "").strip()[:2000] or None,
                           "by": actor.label, "at": now.isoformat()}
    record_changes(session, case, {"resolution_checklist": checklist}, actor=actor,
                   action="playbook.checklist_ticked", entity_type="case", case_id=case.id,
                   brand_id=case.brand_id, reason=f"{item}: {state}")
    return case


def record_confirmation(session: Session, *, case_id: int, kind: str, note: str | None = None,
                        actor: Actor, scope: Scope = ALL_BRANDS, now: datetime | None = None) -> Case:
    """Close the loop (§5): the customer confirmed, or did not answer after a follow-up."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    if kind not in CONFIRMATIONS:
        raise InvalidInput("Use «confirmed» (el cliente confirmó) o «no_answer_after_follow_up».")
    if kind == "confirmed":
        record_changes(session, case, {"customer_confirmed": True}, actor=actor,
                       action="playbook.customer_confirmed", entity_type="case", case_id=case.id,
                       brand_id=case.brand_id, reason=note)
        return case
    asked = session.scalar(select(FollowUp.id).where(FollowUp.case_id == case.id,
                                                     (FollowUp.done_at.is_not(None)) | (FollowUp.due_at <= now))
                           .limit(1))
    if asked is None:
        raise InvalidTransition("Aún no hubo seguimiento: programe y haga un seguimiento antes de registrar "
                                "que el cliente no respondió.")
    checklist = dict(case.resolution_checklist or {})
    checklist["§5.close-the-loop"] = {"state": "no_answer_after_follow_up", "note": note, "by": actor.label,
                                      "at": now.isoformat()}
    record_changes(session, case, {"resolution_checklist": checklist}, actor=actor,
                   action="playbook.no_answer_recorded", entity_type="case", case_id=case.id,
                   brand_id=case.brand_id, reason=note)
    return case


@dataclass(frozen=True)
class Missing:
    rule_id: str
    title: str


def missing_to_close(session: Session, case: Case, outcome: str) -> list[Missing]:
    items: list[str] = []
    if outcome in CHECKLIST:
        done = {k for k, v in (case.resolution_checklist or {}).items()
                if isinstance(v, dict) and v.get("state") in ("done", "not_applicable")}
        items = [i for i in CHECKLIST[outcome] if i not in done]
        loop = (case.resolution_checklist or {}).get("§5.close-the-loop") or {}
        if not case.customer_confirmed and loop.get("state") != "no_answer_after_follow_up":
            items.append("§5.close-the-loop")
    return [Missing(i, _policy_title(session, case, i)) for i in items]


def resolve_case(session: Session, *, case_id: int, outcome: str, actor: Actor, scope: Scope = ALL_BRANDS,
                 reason: str | None = None, now: datetime | None = None) -> Case:
    """The answer was given (→ respondido): record the branch and schedule follow-up and survey (§9)."""
    now = now or utcnow()
    case = set_outcome(session, case_id=case_id, outcome=outcome, actor=actor, scope=scope, reason=reason)
    if case.status not in ("respondido", "seguimiento"):
        cases.transition(session, case_id=case.id, to="respondido", actor=actor, scope=scope, reason=reason)
    schedule_after_resolution(session, case=case, actor=actor, now=now)
    return case


def close_case(session: Session, *, case_id: int, actor: Actor, scope: Scope = ALL_BRANDS,
               outcome: str | None = None, reason: str | None = None, now: datetime | None = None) -> Case:
    """Close a case the playbook way: at_fault/not_at_fault need the checklist and the loop closed."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    outcome = outcome or case.outcome
    if outcome not in lifecycle.OUTCOMES:
        raise InvalidTransition("Para cerrar hay que registrar el resultado: at_fault (la empresa falló), "
                                "not_at_fault (no falló) o not_applicable (no aplica).")
    missing = missing_to_close(session, case, outcome)
    if missing:
        raise InvalidTransition(
            "Falta completar antes de cerrar (PLAYBOOK §5): " + "; ".join(m.title for m in missing) + ".",
            details=[{"rule_id": m.rule_id, "title": m.title} for m in missing])
    if case.outcome != outcome:
        set_outcome(session, case_id=case.id, outcome=outcome, actor=actor, scope=scope, reason=reason)
    if case.status not in ("respondido", "seguimiento"):
        cases.transition(session, case_id=case.id, to="respondido", actor=actor, scope=scope, reason=reason)
    schedule_after_resolution(session, case=case, actor=actor, now=now)
    cases.transition(session, case_id=case.id, to="cerrado", actor=actor, scope=scope, reason=reason,
                     outcome=outcome)
    return case


def schedule_after_resolution(session: Session, *, case: Case, actor: Actor, now: datetime) -> list[FollowUp]:
    """§9: a follow-up after a prudent time and a satisfaction survey in the channel used (idempotent)."""
    if case.outcome == "not_applicable" or case.pqr_type not in ("queja", "reclamo", "peticion"):
        return []
    times = effective_policy(session, brand_id=case.brand_id).times
    kinds = set(session.scalars(select(FollowUp.kind).where(FollowUp.case_id == case.id)))
    base = case.resolved_at or now
    out: list[FollowUp] = []
    if "satisfaction_survey" not in kinds:
        # The link the customer answers (offered in the satisfaction and follow-up drafts).
        survey.create_survey(session, case_id=case.id, actor=actor, now=now)
        out.append(cases.schedule_follow_up(
            session, case_id=case.id, kind="satisfaction_survey",
            due_at=base + timedelta(hours=times.satisfaction_survey_hours), actor=actor,
            text=f"Encuesta de satisfacción (CSAT 1 a 5 y comentario) por {case.channel}."))
    if "follow_up" not in kinds:
        out.append(cases.schedule_follow_up(
            session, case_id=case.id, kind="follow_up", due_at=base + timedelta(days=times.follow_up_days),
            actor=actor, text=f"Seguimiento por {case.channel}: contar qué mejoró gracias a su queja."))
    return out


def complete_follow_up(session: Session, *, follow_up_id: int, actor: Actor, scope: Scope = ALL_BRANDS,
                       now: datetime | None = None) -> FollowUp:
    item = session.get(FollowUp, follow_up_id)
    try:
        if item is None:
            raise NotFound("")
        case = cases.get(session, case_id=item.case_id, scope=scope)
    except NotFound:
        # Another brand's follow-up answers like a missing one, without naming its case.
        raise NotFound(f"No existe el seguimiento {follow_up_id}.") from None
    record_changes(session, item, {"done_at": now or utcnow()}, actor=actor, action="playbook.follow_up_done",
                   entity_type="follow_up", case_id=case.id, brand_id=case.brand_id)
    return item


def record_csat(session: Session, *, case_id: int, score: int, comment: str | None = None,
                channel: str | None = None, actor: Actor, scope: Scope = ALL_BRANDS,
                now: datetime | None = None) -> Satisfaction:
    """§9: store the CSAT; a low score reopens the case (audited through the lifecycle)."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    result = cases.record_satisfaction(session, case_id=case.id, score=score, comment=comment,
                                       channel=channel or case.channel, actor=actor, scope=scope)
    for item in session.scalars(select(FollowUp).where(FollowUp.case_id == case.id,
                                                       FollowUp.kind == "satisfaction_survey",
                                                       FollowUp.done_at.is_(None))):
        record_changes(session, item, {"done_at": now}, actor=actor, action="playbook.follow_up_done",
                       entity_type="follow_up", case_id=case.id, brand_id=case.brand_id)
    threshold = effective_policy(session, brand_id=case.brand_id).times.low_score_threshold
    if score <= threshold:
        why = f"Satisfacción baja ({score}/5): se reabre el caso (PLAYBOOK §9)."
        target = "reabierto" if lifecycle.allowed(case.status, "reabierto") else "en_investigacion"
        if lifecycle.allowed(case.status, target):
            cases.transition(session, case_id=case.id, to=target, actor=actor, scope=scope, reason=why)
    return result


def checklist_view(session: Session, case: Case) -> dict[str, Any]:
    """The checklist the web page renders: items of the branch with their state and who ticked them."""
    policy = effective_policy(session, brand_id=case.brand_id)
    entries = case.resolution_checklist or {}
    items = []
    for item in CHECKLIST.get(case.outcome or "", ()):
        entry = entries.get(item) or {}
        items.append({"rule_id": item, "title": policy.rule(item).title, "text": policy.rule(item).text,
                      "state": entry.get("state", "pending"), "note": entry.get("note"), "by": entry.get("by"),
                      "at": entry.get("at"), "optional": item in OPTIONAL_ITEMS})
    loop = entries.get("§5.close-the-loop") or {}
    return {"outcome": case.outcome, "items": items, "customer_confirmed": case.customer_confirmed,
            "no_answer_after_follow_up": loop.get("state") == "no_answer_after_follow_up",
            "can_close": bool(case.outcome) and not missing_to_close(session, case, case.outcome or "")}
