"""Moderation by published guidelines, with a policy engine that refuses what the playbook forbids.

Every action cites a guideline clause, keeps its evidence, counts a strike, can be appealed and
reversed, and is audited. Refusals (§6, §7, §8) can only be overridden by a supervisor with a
reason. Network execution (block, hide, mute) is queued for the outbox worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.auth import policy
from cauce.brands.models import Brand, ChannelAccount
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
from cauce.triage import service as triage

NETWORK_ACTIONS = frozenset({"hide", "block", "mute"})
# Statuses of an action that stands: applied, under appeal, or kept after its appeal was rejected.
STANDING = ("applied", "appealed", "upheld")
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
        ModerationAction.action == "warn", ModerationAction.status.in_(STANDING)).limit(1)) is not None


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
    if not scope.allows(req.brand_id) or session.get(Brand, req.brand_id) is None:
        raise NotFound(f"No existe la marca {req.brand_id}.")
    # The request's brand never authorises by itself: the person must belong to that brand.
    policy.person_in_scope(session, person_id=req.person_id, scope=scope, brand_id=req.brand_id)
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
    mention = policy.mention_in_scope(session, mention_id=req.mention_id, scope=scope,
                                      brand_id=req.brand_id) if req.mention_id else None
    if mention is not None and mention.person_id != req.person_id:
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
    from cauce.notifications import service as notifications

    notifications.on_appeal_filed(session, action=row, reason=reason, actor_user_id=who.user_id)
    return row


def reject_appeal(session: Session, *, action_id: int, reason: str, who: Principalish,
                  scope: Scope = ALL_BRANDS, now: datetime | None = None) -> ModerationAction:
    """A supervisor keeps an appealed action (status «upheld»), saying why; audited, final."""
    if not who.is_supervisor:
        raise Forbidden("Decidir una apelación requiere rol de supervisor.")
    row = get(session, action_id=action_id, scope=scope)
    if row.status != "appealed":
        raise InvalidTransition(f"Solo se rechaza una apelación pendiente; esta acción está «{row.status}».")
    if len(reason.strip()) < 5:
        raise InvalidInput("Explique por qué se rechaza la apelación (se le comunica a quien apeló).")
    decision = {"decision": "rejected", "reason": reason.strip()[:2000], "by": who.actor.label,
                "at": (now or utcnow()).isoformat()}
    record_changes(session, row, {"status": "upheld", "evidence": {**(row.evidence or {}), "appeal": decision}},
                   actor=who.actor, action="moderation.appeal_rejected", entity_type="moderation_action",
                   case_id=row.case_id, brand_id=row.brand_id, reason=reason.strip())
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
    """The system's troll proposal for a person in one brand, with the evidence a supervisor needs.

    Every evidence item quotes one of the person's *own* messages in that brand (mention_id, text)
    and the rule it shows; `against` marks the person's own signs of being a customer.
    """

    person_id: int
    brand_id: int
    display_name: str | None
    handles: tuple[str, ...]
    confidence: float
    case_ids: tuple[int, ...]
    evidence: tuple[dict[str, Any], ...]
    strikes: int


# Why each of the person's own signals counts (shown to the supervisor next to the quoted message).
EVIDENCE_RULES = {
    "admits_faking": "Admite en su propio mensaje que la queja era inventada.",
    "pile_on": "Se burla o insulta respondiendo a la publicación de otra persona.",
    "mockery": "Se burla en su propio mensaje.",
    "insult": "Insulta en su propio mensaje.",
    "threat": "Amenaza en su propio mensaje.",
    "troll_language": "La redacción de su mensaje es la de un troll (modelo entrenado).",
    "brigade": "Publicó casi el mismo mensaje hostil que otras cuentas con pocos seguidores, bajo la misma "
               "publicación y en poco tiempo.",
    "role": "El análisis de su propio historial lo ve como troll.",
    "boycott_call": "Llama al boicot (rencor contra la marca, §6).",
    "generalised_attack": "Ataca a la marca en general (rencor, §6).",
    "old_grievance": "Recuerda un agravio antiguo (rencor, §6).",
    "grudge_counter": "Cuenta a diario un agravio antiguo (rencor, §6).",
    "customer_evidence": "Señal de cliente: habla de su pedido, cuenta o cobro (en contra de la propuesta).",
    "concrete_request": "Señal de cliente: pide algo concreto (en contra de la propuesta).",
    "customer_language": "Señal de cliente: redacción de cliente (en contra de la propuesta).",
}
# Enough on its own to ask a supervisor; mockery alone needs `MIN_MOCKING_MESSAGES` own messages.
_STRONG_TROLL = frozenset({"admits_faking", "pile_on", "insult", "threat", "brigade", "role"})
_MOCKING = frozenset({"mockery", "troll_language"})
MIN_MOCKING_MESSAGES = 3
_AGAINST_TROLL = frozenset({"customer_evidence", "concrete_request", "customer_language"})
PROPOSAL_HISTORY = 20  # the person's own latest messages per brand that are read (as triage's history)
BRIGADE_WINDOW = timedelta(hours=2)
BRIGADE_MIN_ACCOUNTS = 3
BRIGADE_MAX_FOLLOWERS = 200  # new or low-follower accounts
BRIGADE_SCAN = 5000  # latest candidate replies read per call
# The queue reads the latest mentions only (a primary-key range, cheap on any size): a proposal is
# about recent behaviour, and a full scan of a large mentions table per page view is not affordable.
RECENT_MENTIONS = 20_000


def _own_mentions(session: Session, person_id: int, brand_id: int) -> list[Mention]:
    return list(session.scalars(select(Mention).where(Mention.person_id == person_id, Mention.brand_id == brand_id)
                                .order_by(Mention.created_at.desc(), Mention.id.desc()).limit(PROPOSAL_HISTORY)))


def _current_role(own: list[Mention]) -> Mention | None:
    """The person's newest own message with a role: it was judged with the most of their history.
    "ninguno" (not enough to say) does not overrule an earlier judgement."""
    return next((m for m in own if m.author_role and m.author_role != "ninguno"), None)


def _evidence_item(mention: Mention, signal: str, message: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"mention_id": mention.id, "external_id": mention.external_id, "signal": signal,
            "rule": EVIDENCE_RULES.get(signal, signal), "message": (message or mention.text)[:280],
            "against": signal in _AGAINST_TROLL, **extra}


def _own_evidence(session: Session, judged: Mention) -> list[dict[str, Any]]:
    """The evidence behind a troll judgement, kept only where it quotes the person's own message."""
    raw = [e for e in (judged.assessment or {}).get("evidence", []) or [] if isinstance(e, dict)]
    ids = {str(e["external_id"]) for e in raw if e.get("external_id")}
    own = {m.external_id: m for m in session.scalars(select(Mention).where(
        Mention.person_id == judged.person_id, Mention.brand_id == judged.brand_id,
        Mention.channel == judged.channel, Mention.external_id.in_(ids)))} if ids else {}
    out = [_evidence_item(own[str(e["external_id"])], str(e.get("signal")), e.get("message"))
           for e in raw if str(e.get("external_id")) in own]
    if not raw:  # an assessor without itemised evidence: the judged message itself
        out.append(_evidence_item(judged, "role"))
    return out


def _recent_from(session: Session) -> int:
    """The lowest mention id the queue reads (see `RECENT_MENTIONS`)."""
    return int(session.scalar(select(func.max(Mention.id))) or 0) - RECENT_MENTIONS


def _brigade_members(session: Session, scope: Scope, since_id: int) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Evidence per (person, brand) for accounts in a brigade: their own near-duplicate message and
    how many accounts posted a copy under the same post within `BRIGADE_WINDOW`."""
    threads_query: Any = (
        select(Mention.brand_id, Mention.channel, Mention.conversation_id)
        .where(Mention.id > since_id, Mention.in_reply_to.is_not(None),
               Mention.author_followers <= BRIGADE_MAX_FOLLOWERS)
        .group_by(Mention.brand_id, Mention.channel, Mention.conversation_id)
        .having(func.count(func.distinct(Mention.person_id)) >= BRIGADE_MIN_ACCOUNTS))
    crowded = scope.apply(threads_query, Mention.brand_id).subquery()
    rows = list(session.scalars(
        select(Mention).join(crowded, (crowded.c.brand_id == Mention.brand_id)
                             & (crowded.c.channel == Mention.channel)
                             & (crowded.c.conversation_id == Mention.conversation_id))
        .where(Mention.id > since_id, Mention.in_reply_to.is_not(None),
               Mention.author_followers <= BRIGADE_MAX_FOLLOWERS)
        .order_by(Mention.id.desc()).limit(BRIGADE_SCAN)))
    threads: dict[tuple[int, str, str], list[Mention]] = {}
    for m in rows:
        threads.setdefault((m.brand_id, m.channel, m.conversation_id), []).append(m)
    by_id = {m.id: m for m in rows}
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for thread in threads.values():
        posted = [triage.PostedMessage(m.id, m.person_id, m.text, m.created_at) for m in thread]
        for group in triage.brigades(posted, window=BRIGADE_WINDOW, min_accounts=BRIGADE_MIN_ACCOUNTS):
            accounts = len({p.author for p in group})
            minutes = max(1, round((group[-1].created_at - group[0].created_at).total_seconds() / 60))
            for p in group:
                mine = by_id[p.key]
                out.setdefault((mine.person_id, mine.brand_id), []).append(_evidence_item(
                    mine, "brigade", copies=accounts,
                    rule=f"{EVIDENCE_RULES['brigade']} {accounts} cuentas en {minutes} min."))
    return out


def troll_proposals(session: Session, *, scope: Scope = ALL_BRANDS, limit: int = 100) -> list[TrollProposal]:
    """People whose own words, per brand, make triage see a troll, with no role decided by a supervisor (§7).

    Read from each person's own messages in that brand, never from a case: a troll writing in a
    customer's thread is evidence about the troll only. Someone whose latest judgement says
    cliente or hostil is not proposed; each proposal needs at least one own message showing it.
    Reads the latest `RECENT_MENTIONS` mentions for candidates.
    """
    since_id = _recent_from(session)
    trolls_query: Any = (select(Mention.person_id, Mention.brand_id)
                         .where(Mention.id > since_id, Mention.author_role == "troll").distinct())
    judged_trolls = scope.apply(trolls_query, Mention.brand_id)
    candidates: dict[tuple[int, int], list[dict[str, Any]]] = {
        (person_id, brand_id): [] for person_id, brand_id in session.execute(judged_trolls)}
    for key, items in _brigade_members(session, scope, since_id).items():
        candidates.setdefault(key, []).extend(items)
    out: list[TrollProposal] = []
    for (person_id, brand_id), brigade in sorted(candidates.items()):
        person = people.get(session, person_id=person_id)
        if person.confirmed_role is not None:
            continue
        own = _own_mentions(session, person_id, brand_id)
        judged = _current_role(own)
        confidence, evidence = 0.0, list(brigade)
        if judged is not None and judged.author_role == "troll":
            confidence = float((judged.assessment or {}).get("role_confidence", 0.0) or 0.0)
            evidence = _own_evidence(session, judged) + evidence
        elif judged is not None and (judged.author_role == "cliente"
                                     or (judged.author_role == "hostil" and len(own) > 1)):
            continue  # their own history says customer, or a grudge (§6): never proposed as a troll
        if brigade:
            accounts = max(int(e["copies"]) for e in brigade)
            confidence = max(confidence, min(0.85, 0.55 + 0.05 * accounts))
        mocking = {e["mention_id"] for e in evidence if e["signal"] in _MOCKING}
        if not any(e["signal"] in _STRONG_TROLL for e in evidence) and len(mocking) < MIN_MOCKING_MESSAGES:
            continue  # a joke or two is not enough to put anyone in front of a supervisor (§7)
        policy = effective_policy(session, brand_id=brand_id)
        if confidence < policy.moderation.troll_proposal_min_confidence:
            continue
        case_ids = tuple(sorted({m.case_id for m in session.scalars(
            select(Mention).join(Case, Case.id == Mention.case_id)
            .where(Mention.person_id == person_id, Mention.brand_id == brand_id, Case.person_id == person_id,
                   Mention.id.in_([e["mention_id"] for e in evidence]))) if m.case_id is not None}))
        handles = tuple(f"{h.channel}:@{h.handle}" for h in session.scalars(
            select(Handle).where(Handle.person_id == person_id)))
        supporting = sorted(evidence, key=lambda e: e["against"])  # what supports the proposal first
        out.append(TrollProposal(person_id, brand_id, person.display_name, handles, round(confidence, 4),
                                 case_ids, tuple(supporting[:10]), person.strikes))
    out.sort(key=lambda p: (-p.confidence, p.person_id, p.brand_id))
    return out[:limit]


def decide_role(session: Session, *, person_id: int, brand_id: int, role: str, who: Principalish,
                reason: str | None = None, scope: Scope = ALL_BRANDS) -> Person:
    """A supervisor decides a proposal: `troll` applies the label (cited clause), anything else dismisses."""
    if not who.is_supervisor:
        raise Forbidden("Solo un supervisor decide el rol de una persona (PLAYBOOK §7).")
    # Authorised by the person's own brands, never by the brand id in the request alone.
    person = policy.person_in_scope(session, person_id=person_id, scope=scope, brand_id=brand_id)
    if role not in ("cliente", "hostil", "troll", "ninguno"):
        raise InvalidInput("Rol inválido: use cliente, hostil, troll o ninguno.")
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


def action_ids_of(session: Session, *, person_id: int, mention_ids: Iterable[int] = (),
                  case_ids: Iterable[int] = ()) -> list[int]:
    """The person's moderation actions about these messages or cases."""
    mentions_, cases_ = set(mention_ids), set(case_ids)
    rows = session.execute(select(ModerationAction.id, ModerationAction.mention_id, ModerationAction.case_id)
                           .where(ModerationAction.person_id == person_id))
    return sorted(r.id for r in rows if r.mention_id in mentions_ or r.case_id in cases_)


def reassign_person(session: Session, *, from_person_id: int, to_person_id: int,
                    action_ids: Iterable[int] | None = None) -> list[int]:
    """Move moderation history (all of `from_person_id`'s, or the given actions of theirs) to another person.

    For a confirmed merge of two people, or its undoing; `people.identity` audits the move and
    carries strikes and blocks over.
    """
    moved = sorted(session.scalars(select(ModerationAction.id).where(ModerationAction.person_id == from_person_id)))
    if action_ids is not None:
        wanted = set(action_ids)
        moved = [a for a in moved if a in wanted]
    if moved:
        session.execute(update(ModerationAction).where(ModerationAction.id.in_(moved))
                        .values(person_id=to_person_id).execution_options(synchronize_session="fetch"))
    return moved

def anonymise_actions(session: Session, *, person_id: int) -> int:
    """Erase the free text and the evidence (quotes) of a person's moderation actions; keep rule and action."""
    rows = list(session.scalars(select(ModerationAction).where(ModerationAction.person_id == person_id)))
    for row in rows:
        row.reason = None
        row.override_reason = None
        row.evidence = {}
        row.delivery_error = None
    session.flush()
    return len(rows)
