"""§9 satisfaction survey by link: the customer answers 1–5 and a comment without logging in.

The link carries an unguessable token (`secrets.token_urlsafe`), answers once, and expires. One
open survey per case at a time (asking again reuses it); the first answer closes every other open
link of the case. Answering records the CSAT exactly like an agent would (`resolution.record_csat`):
the «Encuesta de satisfacción» step closes, a low score reopens the case, the dashboard counts it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record
from cauce.brands.models import Brand
from cauce.cases import service as cases
from cauce.cases.models import Case, Satisfaction
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.db import utcnow
from cauce.errors import Conflict, NotFound
from cauce.playbook.models import SatisfactionSurvey

SURVEY_DAYS = 14
TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters
PATH = "/encuesta/"
# Who answers: the customer, through the link (no user account).
CUSTOMER = Actor("customer", None, "Cliente (encuesta)")


class SurveyState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"  # derived: open past expires_at


@dataclass(frozen=True)
class PublicSurvey:
    """What the public page may show: the brand's name and the state, never the case or the person."""

    brand_name: str
    state: SurveyState
    score: int | None


def state_of(survey: SatisfactionSurvey, now: datetime) -> SurveyState:
    if survey.status == SurveyState.OPEN and now >= survey.expires_at:
        return SurveyState.EXPIRED
    return SurveyState(survey.status)


def open_survey(session: Session, *, case_id: int, now: datetime | None = None) -> SatisfactionSurvey | None:
    now = now or utcnow()
    return session.scalar(select(SatisfactionSurvey).where(
        SatisfactionSurvey.case_id == case_id, SatisfactionSurvey.status == SurveyState.OPEN,
        SatisfactionSurvey.expires_at > now).order_by(SatisfactionSurvey.id.desc()).limit(1))


def create_survey(session: Session, *, case_id: int, actor: Actor, user_id: int | None = None,
                  scope: Scope = ALL_BRANDS, now: datetime | None = None) -> SatisfactionSurvey:
    """The case's open survey link, created if there is none (idempotent while it is valid)."""
    now = now or utcnow()
    case = cases.get(session, case_id=case_id, scope=scope)
    existing = open_survey(session, case_id=case.id, now=now)
    if existing is not None:
        return existing
    survey = SatisfactionSurvey(brand_id=case.brand_id, case_id=case.id, token=secrets.token_urlsafe(TOKEN_BYTES),
                                status=SurveyState.OPEN, created_at=now, expires_at=now + timedelta(days=SURVEY_DAYS),
                                created_by_user_id=user_id)
    session.add(survey)
    session.flush()
    # The token is a credential: the audit names the survey, never its token.
    record(session, actor=actor, action="playbook.survey_created", entity_type="satisfaction_survey",
           entity_id=survey.id, case_id=case.id, brand_id=case.brand_id,
           after={"expires_at": survey.expires_at.isoformat()})
    return survey


def url_of(base_url: str, survey: SatisfactionSurvey) -> str:
    return base_url.rstrip("/") + PATH + survey.token


def _by_token(session: Session, token: str) -> SatisfactionSurvey:
    token = (token or "").strip()
    survey = session.scalar(select(SatisfactionSurvey).where(SatisfactionSurvey.token == token)) \
        if 20 <= len(token) <= 64 else None
    if survey is None:
        raise NotFound("Este enlace de encuesta no existe. Revise que lo copió completo.")
    return survey


def public_view(session: Session, *, token: str, now: datetime | None = None) -> PublicSurvey:
    survey = _by_token(session, token)
    brand = session.get(Brand, survey.brand_id)
    score = None
    if survey.satisfaction_id is not None:
        score = session.scalar(select(Satisfaction.score).where(Satisfaction.id == survey.satisfaction_id))
    return PublicSurvey(brand.name if brand else "", state_of(survey, now or utcnow()), score)


def answer(session: Session, *, token: str, score: int, comment: str | None,
           now: datetime | None = None) -> SatisfactionSurvey:
    """The customer's one answer: recorded as the case's CSAT; the link (and any other of the case) closes."""
    from cauce.playbook import resolution  # resolution creates surveys: import it at call time

    now = now or utcnow()
    survey = _by_token(session, token)
    state = state_of(survey, now)
    if state is SurveyState.ANSWERED:
        raise Conflict("Esta encuesta ya fue respondida. ¡Gracias!")
    if state is SurveyState.EXPIRED:
        raise Conflict("Este enlace de encuesta venció.")
    if state is SurveyState.SUPERSEDED:
        raise Conflict("Ya recibimos su calificación de este caso por otro enlace. ¡Gracias!")
    # Claim the link first (one answer even when two submissions race).
    claimed = cast(CursorResult[Any], session.execute(update(SatisfactionSurvey).where(
        SatisfactionSurvey.id == survey.id, SatisfactionSurvey.status == SurveyState.OPEN)
        .values(status=SurveyState.ANSWERED, answered_at=now)))
    if claimed.rowcount != 1:
        raise Conflict("Esta encuesta ya fue respondida. ¡Gracias!")
    session.refresh(survey)
    text = (comment or "").strip()[:4000] or None
    result = resolution.record_csat(session, case_id=survey.case_id, score=score, comment=text, channel="encuesta",
                                    actor=CUSTOMER, now=now)
    survey.satisfaction_id = result.id
    session.execute(update(SatisfactionSurvey).where(
        SatisfactionSurvey.case_id == survey.case_id, SatisfactionSurvey.status == SurveyState.OPEN)
        .values(status=SurveyState.SUPERSEDED))
    case = session.get(Case, survey.case_id)
    record(session, actor=CUSTOMER, action="playbook.survey_answered", entity_type="satisfaction_survey",
           entity_id=survey.id, case_id=survey.case_id, brand_id=case.brand_id if case else survey.brand_id,
           after={"score": score})
    return survey


def surveys_of(session: Session, *, case_id: int) -> list[SatisfactionSurvey]:
    return list(session.scalars(select(SatisfactionSurvey).where(SatisfactionSurvey.case_id == case_id)
                                .order_by(SatisfactionSurvey.id)))
