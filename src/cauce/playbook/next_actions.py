"""What should happen next in a case, and under which playbook rule.

`derive(facts, policy, now)` is pure; `next_actions(session, case, now=)` loads the facts.
Every action carries its stable rule id (e.g. `§3.first-reply-public`) and the rule's text from
the brand's policy, so the agent always sees *why*.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cauce.cases.models import Case
from cauce.playbook import facts as facts_module
from cauce.playbook.facts import CaseFacts
from cauce.playbook.policy import PlaybookPolicy, effective_policy

COMPLAINT_TYPES = frozenset({"queja", "reclamo", "peticion"})
INVESTIGATED_TYPES = frozenset({"queja", "reclamo"})
RESOLVED_STATES = frozenset({"respondido", "seguimiento", "cerrado"})

# The §5 checklist per branch; the optional items may be ticked "no aplica".
CHECKLIST: dict[str, tuple[str, ...]] = {
    "not_at_fault": ("§5.1.result-private", "§5.1.explain-scope", "§5.1.link-published-info",
                     "§5.1.prevention-measure"),
    "at_fault": ("§5.2.strong-apology", "§5.2.warranty", "§5.2.what-went-wrong", "§5.2.compensation"),
}
OPTIONAL_ITEMS = frozenset({"§5.2.warranty", "§5.2.compensation"})
MANUAL_ITEMS = frozenset({"§6.hostile-offline-contact"})
# A legal accusation from an account this large spreads (evidence.reach_of calls it «alto»).
WIDE_REACH_FOLLOWERS = 10_000
LEGAL_AREAS = ("legal", "juridica", "juridico")
LEGAL_RISK_ONLY = ("Amenaza de demanda o de acudir a un ente de consumo, sin amenazas ni gran alcance: se atiende "
                   "como cliente (§3–§5). Preserve la evidencia y pase a legal solo si el caso lo requiere.")
BRANCH_INTENT = {"at_fault": "resolution_at_fault", "not_at_fault": "resolution_not_at_fault"}


@dataclass(frozen=True)
class Action:
    id: str
    rule_id: str
    rule_text: str
    title: str
    due_at: datetime | None
    visibility: str  # public | private | offline | internal | moderation
    intent: str | None  # reply-draft intent, when the action is a message
    done: bool
    blocking: bool  # must be done before the case can close / the clock is a commitment
    kind: str = "task"  # task | constraint (a rule to respect, e.g. "never block")
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_at"] = self.due_at.isoformat() if self.due_at else None
        return data


def effective_role(facts: CaseFacts, policy: PlaybookPolicy) -> str:
    """The confirmed role wins; a troll proposal only counts when triage is confident enough."""
    if facts.confirmed_role:
        return facts.confirmed_role
    role = facts.proposed_role or "ninguno"
    if role == "troll" and facts.proposed_confidence < policy.moderation.troll_proposal_min_confidence:
        return "hostil"  # conservative (§7): treat a doubtful troll as a hostile user
    return role


class _Builder:
    def __init__(self, case: Case, policy: PlaybookPolicy) -> None:
        self.case = case
        self.policy = policy
        self.items: list[Action] = []

    def add(self, rule_id: str, *, due: datetime | None, visibility: str, done: bool,
            intent: str | None = None, blocking: bool = False, kind: str = "task",
            detail: str | None = None) -> None:
        rule = self.policy.rule(rule_id)
        self.items.append(Action(f"{self.case.id}:{rule_id}", rule_id, rule.text, rule.title, due,
                                 visibility, intent, done, blocking, kind, detail))


def derive(facts: CaseFacts, policy: PlaybookPolicy, *, now: datetime) -> list[Action]:
    case = facts.case
    b = _Builder(case, policy)
    t = policy.times
    role = effective_role(facts, policy)
    flags = facts.flags
    first_done = case.first_response_at is not None
    complaint = case.pqr_type in COMPLAINT_TYPES
    private_sent = bool(facts.private_replies())
    anchor = case.first_response_at or case.first_response_due or case.opened_at

    # §3 / §7 — the first reply is public, signed, and acknowledges receipt.
    if role == "troll":
        b.add("§7.troll-first-reply-public", due=case.first_response_due, visibility="public",
              intent="troll_first_reply", done=first_done, blocking=True)
    else:
        b.add("§3.first-reply-public", due=case.first_response_due, visibility="public",
              intent="first_reply", done=first_done, blocking=True)
    if complaint and role != "troll":
        where = policy.redirect.get(case.category or "")
        if where:
            b.add("§3.redirect-channel", due=anchor, visibility="public", intent="redirect_channel",
                  done=any(r.intent == "redirect_channel" for r in facts.replies if r.counts), detail=where)
        else:
            b.add("§3.ask-data-private", due=anchor + timedelta(minutes=t.ask_data_private_minutes),
                  visibility="private", intent="request_data_private", done=private_sent)

    # §4 — believe the customer first: investigate with the responsible area; overdue escalates.
    if case.pqr_type in INVESTIGATED_TYPES and role != "troll":
        b.add("§4.open-investigation", due=case.opened_at + timedelta(minutes=t.investigation_open_minutes),
              visibility="internal", done=case.area_id is not None)
        if case.area_due is not None and case.outcome is None and now > case.area_due:
            b.add("§4.area-overdue-escalate", due=case.area_due, visibility="internal",
                  done=case.escalated, blocking=True,
                  detail=f"Área: {facts.area_slug}" if facts.area_slug else None)

    # §5 — the answer, by branch, as a checklist; then close the loop.
    investigating = case.area_id is not None or case.status in {"en_investigacion", *RESOLVED_STATES}
    if case.pqr_type in INVESTIGATED_TYPES and role != "troll" and investigating:
        b.add("§5.choose-branch", due=case.area_due or case.resolution_due, visibility="internal",
              done=case.outcome is not None, blocking=True)
        if case.outcome in CHECKLIST:
            intent = BRANCH_INTENT[case.outcome]
            for item in CHECKLIST[case.outcome]:
                state = facts.checklist_state(item)
                b.add(item, due=case.resolution_due, blocking=True, visibility="private", intent=intent,
                      done=state in ("done", "not_applicable"),
                      detail="No aplica" if state == "not_applicable" else None)
            loop = facts.checklist_state("§5.close-the-loop")
            b.add("§5.close-the-loop", due=case.resolution_due, visibility="private",
                  intent="rejection_with_explanation" if case.outcome == "not_at_fault" else "follow_up",
                  done=case.customer_confirmed or loop == "no_answer_after_follow_up", blocking=True)

    # §6 — hostile users: reach out offline, answer everything, never block without rude words.
    if role == "hostil":
        b.add("§6.hostile-offline-contact", visibility="offline",
              due=case.opened_at + timedelta(hours=t.hostile_offline_contact_hours),
              done=facts.checklist_state("§6.hostile-offline-contact") == "done")
        b.add("§6.answer-every-message", visibility="public",
              due=case.last_inbound_at + timedelta(minutes=t.hostile_answer_minutes),
              intent="first_reply" if not first_done else "investigation_update",
              done=case.unanswered_count == 0)
    if role in ("hostil", "cliente"):
        rude = bool(flags & {"abusive", "threat"})
        b.add("§6.never-block-without-rude-words", due=None, visibility="moderation", kind="constraint",
              done=rude or not facts.person_blocked,
              detail=("Usó palabras groseras o amenazas: se aplican las normas publicadas (§8)." if rude
                      else "No ha usado palabras groseras: no se bloquea ni se borra."))

    # §7 — trolls: later replies private; block on threats or insults; the label needs a person.
    if role == "troll" and first_done and case.unanswered_count > 0:
        b.add("§7.troll-later-private", due=case.next_response_due, visibility="private",
              intent="move_to_private", done=False)
    if role == "troll" and flags & {"abusive", "threat"} and ("threat" in flags or facts.last_warning_at):
        b.add("§7.block-on-threats-or-insults", due=now, visibility="moderation", done=facts.person_blocked)
    if (facts.proposed_role == "troll" and facts.confirmed_role is None
            and facts.proposed_confidence >= policy.moderation.troll_proposal_min_confidence):
        b.add("§7.troll-label-needs-confirmation", due=None, visibility="internal", done=False,
              detail=f"Propuesto por el análisis (confianza {facts.proposed_confidence:.0%}).")

    # §8 — firm and consistent: move heated threads to private, warn before blocking, evidence.
    public_msgs = [m for m in facts.mentions if not m.private]
    unanswered_public = sum(1 for m in public_msgs if m.created_at > (case.last_response_at or case.opened_at))
    heated = bool(public_msgs) and role != "troll" and (
        "abusive" in flags or max((m.anger for m in public_msgs), default=0.0) >= policy.moderation.heated_anger
        or unanswered_public >= policy.moderation.heated_messages)
    if heated:
        b.add("§8.move-to-private", due=case.next_response_due or case.first_response_due,
              visibility="private", intent="move_to_private", done=private_sent)
    if "abusive" in flags and "threat" not in flags and not facts.person_blocked:
        if facts.last_warning_at is None:
            b.add("§8.warn-before-block", due=now, visibility="public", intent="firm_warning", done=False)
        else:
            warned = facts.last_warning_at
            b.add("§8.warn-before-block", due=None, visibility="public", intent="firm_warning", done=True)
            if any(m.abusive and m.created_at > warned for m in facts.mentions) and role != "troll":
                b.add("§8.block-if-continues", due=now, visibility="moderation", done=False)
    if flags & {"threat", "legal_risk"}:
        # §8 «Defamation and threats: measure their reach, … preserve evidence, and hand over to legal
        # when needed». A threat (harm, intimidation) or a legal accusation spreading to a wide public
        # needs it now; a customer who says «los voy a demandar» is still a customer (a threat to sue
        # is not a threat, PLAYBOOK labels): the step is offered, without a clock, and never blocks.
        urgent = "threat" in flags or any(
            m.legal_risk and not m.private and m.followers >= WIDE_REACH_FOLLOWERS for m in facts.mentions)
        b.add("§8.defamation-threat-evidence", visibility="internal", blocking=urgent,
              due=case.opened_at + timedelta(minutes=t.evidence_minutes) if urgent else None,
              done=facts.evidence_count > 0 and facts.area_slug in LEGAL_AREAS,
              detail=None if urgent else LEGAL_RISK_ONLY)

    # §9 — follow up, measure satisfaction, reopen on a low score.
    if complaint and case.outcome is not None and case.status in RESOLVED_STATES:
        resolved = case.resolved_at or case.updated_at
        follow = [f for f in facts.follow_ups if f.kind == "follow_up"]
        survey = [f for f in facts.follow_ups if f.kind == "satisfaction_survey"]
        b.add("§9.follow-up", visibility="private", intent="follow_up",
              due=follow[0].due_at if follow else resolved + timedelta(days=t.follow_up_days),
              done=any(f.done_at for f in follow))
        b.add("§9.satisfaction-survey", visibility="private", intent="satisfaction_request",
              due=survey[0].due_at if survey else resolved + timedelta(hours=t.satisfaction_survey_hours),
              done=bool(facts.scores))
    if facts.scores and facts.scores[-1] <= t.low_score_threshold:
        b.add("§9.low-score-reopens", due=now, visibility="internal",
              done=case.status in ("reabierto", "en_investigacion"),
              detail=f"Calificación {facts.scores[-1]}/5.")
    if facts.crisis_status:
        b.add("§9.crisis-watch", due=None, visibility="internal", done=False, kind="constraint",
              detail="Crisis activa" if facts.crisis_status == "active" else "Vigilancia poscrisis")
    return _ordered(b.items)


def _ordered(items: list[Action]) -> list[Action]:
    far = datetime.max.replace(tzinfo=None)

    def key(a: Action) -> tuple[int, int, datetime]:
        due = a.due_at.replace(tzinfo=None) if a.due_at else far
        return (1 if a.done else 0, 0 if a.blocking else 1, due)

    return sorted(items, key=key)


def next_actions(session: Session, case: Case, *, now: datetime) -> list[Action]:
    policy = effective_policy(session, brand_id=case.brand_id)
    return derive(facts_module.load(session, case), policy, now=now)


def next_actions_many(session: Session, cases: list[Case], *, now: datetime) -> dict[int, list[Action]]:
    """Next actions for a page of cases (the inbox): the facts of all of them in a few queries."""
    out: dict[int, list[Action]] = {}
    for facts in facts_module.load_many(session, cases):
        policy = effective_policy(session, brand_id=facts.case.brand_id)
        out[facts.case.id] = derive(facts, policy, now=now)
    return out


def pending_blocking(actions: list[Action]) -> list[Action]:
    return [a for a in actions if a.blocking and not a.done and a.kind == "task"]
