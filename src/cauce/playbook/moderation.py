"""Moderation by published guidelines, with a policy engine that refuses what the playbook forbids.

Every action cites a guideline clause, keeps its evidence, counts a strike, can be appealed and
reversed, and is audited. Refusals (§6, §7, §8) can only be overridden by a supervisor with a
reason. Network execution (block, hide, mute) is queued for the outbox worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.brands.models import ChannelAccount
from cauce.cases import service as cases
from cauce.cases.models import Case, ModerationAction
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.db import utcnow
from cauce.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from cauce.mentions.models import Mention
from cauce.people import service as people
from cauce.people.models import Handle, Person
from cauce.playbook import guidelines as guidelines_service
from cauce.playbook.policy import effective_policy

NETWORK_ACTIONS = frozenset({"hide", "block", "mute"})
REMOVING_ACTIONS = frozenset({"hide", "block", "mute"})  # silence or remove the person/message
STRIKE_ACTIONS = frozenset({"warn", "hide", "block", "mute"})
# A network action reversed after it was carried out is undone on the network by its opposite.
NETWORK_UNDO = {"hide": "unhide", "mute": "unmute"}
ACTION_LABELS = {"warn": "Advertencia", "hide": "Ocultar mensaje", "block": "Bloquear", "mute": "Silenciar",
                 "label_troll": "Etiquetar como troll", "unhide": "Volver a mostrar",
                 "unmute": "Quitar silencio"}


class PlaybookRefusal(Conflict):
    """The action breaks the playbook; only a supervisor with a reason may override."""

    code = "playbook_refused"


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str


@dataclass(frozen=True)
class ModerationRequest:
    brand_id: int
    person_id: int
    action: str
    clause_id: str
    case_id: int | None = None
    mention_id: int | None = None
    reason: str | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class Principalish:
    """Who acts and whether they are a supervisor (kept minimal so the CLI and tests need no auth)."""

    actor: Actor
    user_id: int | None = None
    is_supervisor: bool = False


@dataclass
class _Context:
    person: Person
    role: str
    abusive: bool
    threat: bool
    evidence: dict[str, Any] = field(default_factory=dict)


def _context(session: Session, req: ModerationRequest, case: Case | None, mention: Mention | None) -> _Context:
    person = people.get(session, person_id=req.person_id)
    if mention is not None:
        abusive, threat = mention.abusive, mention.threat
        role = person.confirmed_role or mention.author_role or "ninguno"
        evidence: dict[str, Any] = {"mention_id": mention.id, "text": mention.text[:2000], "url": mention.url,
                                    "created_at": mention.created_at.isoformat(), "channel": mention.channel,
                                    "flags": [n for n in ("abusive", "threat", "legal_risk")
                                              if getattr(mention, n)]}
    elif case is not None:
        abusive, threat = "abusive" in case.flags, "threat" in case.flags
        role = person.confirmed_role or case.author_role or "ninguno"
        evidence = {"case_id": case.id, "flags": list(case.flags), "title": case.title}
    else:
        # Without a message or a case, judge by what the person wrote to this brand.
        mine = select(Mention.id).where(Mention.person_id == person.id, Mention.brand_id == req.brand_id)
        abusive = session.scalar(mine.where(Mention.abusive.is_(True)).limit(1)) is not None
        threat = session.scalar(mine.where(Mention.threat.is_(True)).limit(1)) is not None
        role = person.confirmed_role or "ninguno"
        evidence = {"history": True}
    evidence["role"] = role
    evidence["strikes_before"] = person.strikes
    return _Context(person, role, abusive, threat, evidence)


def _has_warning(session: Session, brand_id: int, person_id: int) -> bool:
    return session.scalar(select(ModerationAction.id).where(
        ModerationAction.brand_id == brand_id, ModerationAction.person_id == person_id,
        ModerationAction.action == "warn", ModerationAction.status.in_(("applied", "appealed"))).limit(1)) is not None


def violations(session: Session, req: ModerationRequest, ctx: _Context, who: Principalish) -> list[Violation]:
    """What the playbook says against this action (empty: allowed)."""
    out: list[Violation] = []
    rude = ctx.abusive or ctx.threat
    if req.action in REMOVING_ACTIONS and ctx.role in ("cliente", "hostil") and not rude:
        out.append(Violation("§6.never-block-without-rude-words",
                             "Nunca se bloquea ni se borra a un cliente o usuario hostil salvo que use palabras "
                             "groseras o irrespetuosas (PLAYBOOK §6)."))
    if req.action == "block" and not ctx.threat and not _has_warning(session, req.brand_id, req.person_id):
        out.append(Violation("§8.warn-before-block",
                             "Antes de bloquear hay que advertir que ese comportamiento no se tolera; solo ante "
                             "amenazas se bloquea sin advertencia previa (PLAYBOOK §8)."))
    if req.action == "label_troll" and ctx.role == "cliente":
        out.append(Violation("§7.troll-label-needs-confirmation",
                             "El análisis ve a esta persona como cliente: un cliente que insulta tras ser "
                             "ignorado sigue siendo cliente (PLAYBOOK §7)."))
    return out


def _channel_account(session: Session, brand_id: int, channel: str | None) -> int | None:
    if channel is None:
        return None
    return session.scalar(select(ChannelAccount.id).where(
        ChannelAccount.brand_id == brand_id, ChannelAccount.kind == channel,
        ChannelAccount.enabled.is_(True)).order_by(ChannelAccount.id).limit(1))


def moderate(session: Session, req: ModerationRequest, *, who: Principalish, scope: Scope = ALL_BRANDS,
             now: datetime | None = None) -> ModerationAction:
    """Apply one moderation action under a guideline clause, or refuse it with the rules it breaks."""
    now = now or utcnow()
    if req.action not in guidelines_service.MODERATION_ACTIONS:
        raise InvalidInput(f"Acción desconocida {req.action!r}; use: "
                           f"{', '.join(guidelines_service.MODERATION_ACTIONS)}.")
    if not scope.allows(req.brand_id):
        raise NotFound(f"No existe la marca {req.brand_id}.")
    guide = guidelines_service.current(session, brand_id=req.brand_id)
    clause = guide.clause(req.clause_id)
    if clause is None:
        raise InvalidInput(f"La norma «{req.clause_id}» no existe en las normas publicadas de la marca.",
                           details={"clauses": [c.id for c in guide.clauses]})
    if req.action not in clause.actions:
        raise InvalidInput(f"La norma «{clause.title}» no justifica la acción «{ACTION_LABELS[req.action]}».")
    case = cases.get(session, case_id=req.case_id, scope=scope) if req.case_id else None
    if case is not None and (case.brand_id != req.brand_id or case.person_id != req.person_id):
        raise InvalidInput("El caso no es de esa persona en esa marca.")
    mention = session.get(Mention, req.mention_id) if req.mention_id else None
    if req.mention_id and (mention is None or mention.brand_id != req.brand_id
                           or mention.person_id != req.person_id):
        raise InvalidInput("La mención no es de esa persona en esa marca.")
    if req.action == "hide" and mention is None:
        raise InvalidInput("Para ocultar hay que indicar el mensaje (mention_id).")
    if req.action == "label_troll" and not who.is_supervisor:
        raise Forbidden("Solo un supervisor confirma la etiqueta de troll (PLAYBOOK §7): el sistema propone, "
                        "una persona decide.")
    ctx = _context(session, req, case, mention)
    found = violations(session, req, ctx, who)
    override = (req.override_reason or "").strip()
    if found and not (who.is_supervisor and len(override) >= 10):
        raise PlaybookRefusal(
            "El playbook no permite esta acción: " + " ".join(v.message for v in found)
            + (" Un supervisor puede autorizarla indicando el motivo." if not who.is_supervisor else
               " Para autorizarla indique el motivo (override_reason, 10 caracteres o más)."),
            details=[{"rule_id": v.rule_id, "message": v.message} for v in found])
    channel = mention.channel if mention is not None else case.channel if case is not None else None
    account_id = _channel_account(session, req.brand_id, channel) if req.action in NETWORK_ACTIONS else None
    evidence = ctx.evidence | {"clause": {"id": clause.id, "title": clause.title, "text": clause.text,
                                          "version": guide.version}}
    if found:
        evidence["overridden"] = [v.rule_id for v in found]
    row = ModerationAction(
        brand_id=req.brand_id, person_id=req.person_id, case_id=case.id if case else None,
        mention_id=mention.id if mention else None, action=req.action, rule=clause.id,
        reason=(req.reason or "").strip() or None, evidence=evidence, status="applied",
        channel_account_id=account_id, delivery_state="queued" if account_id else "not_needed",
        actor_user_id=who.user_id, override_reason=override or None, created_at=now)
    session.add(row)
    session.flush()
    record(session, actor=who.actor, action=f"moderation.{req.action}", entity_type="moderation_action",
           entity_id=row.id, case_id=row.case_id, brand_id=req.brand_id, reason=row.reason,
           after={"person_id": req.person_id, "rule": clause.id, "override_reason": row.override_reason,
                  "overridden": evidence.get("overridden"), "delivery_state": row.delivery_state})
    _apply_effects(session, row, ctx.person, mention, who, undo=False)
    return row


def _apply_effects(session: Session, row: ModerationAction, person: Person, mention: Mention | None,
                   who: Principalish, *, undo: bool) -> None:
    sign = -1 if undo else 1
    changes: dict[str, Any] = {}
    if row.action in STRIKE_ACTIONS:
        changes["strikes"] = max(0, person.strikes + sign)
    if row.action == "block":
        changes["blocked"] = not undo
    if row.action == "label_troll":
        changes["confirmed_role"] = None if undo else "troll"
    verb = "reversed" if undo else "applied"
    record_changes(session, person, changes, actor=who.actor, action=f"moderation.person_{verb}",
                   entity_type="person", case_id=row.case_id, brand_id=row.brand_id,
                   reason=f"{ACTION_LABELS[row.action]} ({row.rule})")
    if row.action == "hide" and mention is not None:
        record_changes(session, mention, {"hidden": not undo}, actor=who.actor,
                       action=f"moderation.mention_{verb}", entity_type="mention", case_id=row.case_id,
                       brand_id=row.brand_id)


def appeal(session: Session, *, action_id: int, reason: str, who: Principalish,
           scope: Scope = ALL_BRANDS) -> ModerationAction:
    row = get(session, action_id=action_id, scope=scope)
    if row.status != "applied":
        raise InvalidTransition(f"Solo se apela una acción aplicada; esta está «{row.status}».")
    if len(reason.strip()) < 5:
        raise InvalidInput("Explique el motivo de la apelación.")
    record_changes(session, row, {"status": "appealed"}, actor=who.actor, action="moderation.appealed",
                   entity_type="moderation_action", case_id=row.case_id, brand_id=row.brand_id,
                   reason=reason.strip())
    return row


def reverse(session: Session, *, action_id: int, reason: str, who: Principalish,
            scope: Scope = ALL_BRANDS) -> ModerationAction:
    """Undo an action (supervisors): strike, block, hidden message and troll label are restored."""
    if not who.is_supervisor:
        raise Forbidden("Revertir una acción de moderación requiere rol de supervisor.")
    row = get(session, action_id=action_id, scope=scope)
    if row.status == "reversed":
        raise InvalidTransition("La acción ya fue revertida.")
    if len(reason.strip()) < 5:
        raise InvalidInput("Explique por qué se revierte la acción.")
    changes: dict[str, Any] = {"status": "reversed"}
    if row.delivery_state == "queued":
        changes["delivery_state"] = "not_needed"  # not carried out yet: cancel it
    record_changes(session, row, changes, actor=who.actor, action="moderation.reversed",
                   entity_type="moderation_action", case_id=row.case_id, brand_id=row.brand_id,
                   reason=reason.strip())
    if row.delivery_state == "done" and row.action in NETWORK_UNDO:
        # Already done on the network: the outbox undoes it through a linked action.
        undo = ModerationAction(
            brand_id=row.brand_id, person_id=row.person_id, case_id=row.case_id, mention_id=row.mention_id,
            action=NETWORK_UNDO[row.action], rule=row.rule, reason=reason.strip(), evidence={"reverses": row.id},
            status="applied", channel_account_id=row.channel_account_id, delivery_state="queued",
            actor_user_id=who.user_id)
        session.add(undo)
        session.flush()
        record(session, actor=who.actor, action=f"moderation.{undo.action}", entity_type="moderation_action",
               entity_id=undo.id, case_id=row.case_id, brand_id=row.brand_id, after={"reverses": row.id})
    elif row.delivery_state == "done" and row.action == "block":
        record(session, actor=who.actor, action="moderation.network_undo_manual", entity_type="moderation_action",
               entity_id=row.id, case_id=row.case_id, brand_id=row.brand_id,
               reason=f"Deshaga «{ACTION_LABELS[row.action]}» en la red a mano: el canal no permite revertirlo "
                      "desde Cauce.")
    person = people.get(session, person_id=row.person_id)
    mention = session.get(Mention, row.mention_id) if row.mention_id else None
    _apply_effects(session, row, person, mention, who, undo=True)
    return row


def get(session: Session, *, action_id: int, scope: Scope = ALL_BRANDS) -> ModerationAction:
    row = session.get(ModerationAction, action_id)
    if row is None or not scope.allows(row.brand_id):
        raise NotFound(f"No existe la acción de moderación {action_id}.")
    return row


def actions_of(session: Session, *, scope: Scope = ALL_BRANDS, person_id: int | None = None,
               brand_id: int | None = None, limit: int = 200) -> list[ModerationAction]:
    query = scope.apply(select(ModerationAction), ModerationAction.brand_id)
    if person_id is not None:
        query = query.where(ModerationAction.person_id == person_id)
    if brand_id is not None:
        query = query.where(ModerationAction.brand_id == brand_id)
    return list(session.scalars(query.order_by(ModerationAction.id.desc()).limit(limit)))


@dataclass(frozen=True)
class TrollProposal:
    """The system's troll proposal for a person, with the evidence a supervisor needs to decide."""

    person_id: int
    brand_id: int
    display_name: str | None
    handles: tuple[str, ...]
    confidence: float
    case_ids: tuple[int, ...]
    evidence: tuple[dict[str, Any], ...]
    strikes: int


def troll_proposals(session: Session, *, scope: Scope = ALL_BRANDS, limit: int = 100) -> list[TrollProposal]:
    """People triage sees as trolls whose role no supervisor has decided yet (§7)."""
    query: Any = scope.apply(
        select(Case.person_id, Case.brand_id, func.max(Case.role_confidence), func.count(Case.id))
        .join(Person, Person.id == Case.person_id)
        .where(Case.author_role == "troll", Person.confirmed_role.is_(None))
        .group_by(Case.person_id, Case.brand_id), Case.brand_id)  # type: ignore[arg-type]
    out: list[TrollProposal] = []
    for person_id, brand_id, confidence, _n in session.execute(query.limit(limit * 2)):
        policy = effective_policy(session, brand_id=brand_id)
        if (confidence or 0) < policy.moderation.troll_proposal_min_confidence:
            continue
        person = people.get(session, person_id=person_id)
        case_ids = tuple(session.scalars(select(Case.id).where(
            Case.person_id == person_id, Case.brand_id == brand_id, Case.author_role == "troll")
            .order_by(Case.id)))
        evidence: list[dict[str, Any]] = []
        for m in session.scalars(select(Mention).where(Mention.person_id == person_id,
                                                       Mention.brand_id == brand_id)
                                 .order_by(Mention.created_at.desc()).limit(20)):
            for e in (m.assessment or {}).get("evidence", []) or []:
                evidence.append({"mention_id": m.id, "signal": e.get("signal"), "message": e.get("message")})
            if not (m.assessment or {}).get("evidence") and m.author_role == "troll":
                evidence.append({"mention_id": m.id, "signal": "role", "message": m.text[:280]})
        handles = tuple(f"{h.channel}:@{h.handle}" for h in session.scalars(
            select(Handle).where(Handle.person_id == person_id)))
        out.append(TrollProposal(person_id, brand_id, person.display_name, handles, float(confidence or 0),
                                 case_ids, tuple(evidence[:10]), person.strikes))
        if len(out) >= limit:
            break
    out.sort(key=lambda p: -p.confidence)
    return out


def decide_role(session: Session, *, person_id: int, brand_id: int, role: str, who: Principalish,
                reason: str | None = None, scope: Scope = ALL_BRANDS) -> Person:
    """A supervisor decides a proposal: `troll` applies the label (cited clause), anything else dismisses."""
    if not who.is_supervisor:
        raise Forbidden("Solo un supervisor decide el rol de una persona (PLAYBOOK §7).")
    if role not in ("cliente", "hostil", "troll", "ninguno"):
        raise InvalidInput("Rol inválido: use cliente, hostil, troll o ninguno.")
    person = people.get(session, person_id=person_id)
    if role == "troll":
        guide = guidelines_service.current(session, brand_id=brand_id)
        clause = next((c for c in guide.clauses if "label_troll" in c.actions), None)
        if clause is None:
            raise InvalidInput("Las normas publicadas de la marca no tienen una cláusula que permita "
                               "etiquetar como troll.")
        moderate(session, ModerationRequest(brand_id=brand_id, person_id=person_id, action="label_troll",
                                            clause_id=clause.id, reason=reason,
                                            override_reason=reason), who=who, scope=scope)
        return person
    record_changes(session, person, {"confirmed_role": role}, actor=who.actor, action="people.role_confirmed",
                   entity_type="person", brand_id=brand_id, reason=reason or "Propuesta de troll descartada.")
    return person
