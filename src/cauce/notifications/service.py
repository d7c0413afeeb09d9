"""Create, list and deliver notifications.

The service that causes an event calls one of the `on_*` functions in the same transaction
(cases.assign, playbook.crisis, playbook.moderation.appeal); the cases' periodic sweep
(cases.sla_warnings) calls `notify` for cases about to breach. Every notification has an event key,
unique per user, so running the same cause twice never notifies twice. Only active users who may see
the event's brand receive it (auth.service.can_access_brand), and each user's preferences say which
kinds reach them in the app and which by e-mail. E-mail goes out from `deliver_emails` (the worker
sweep), never inside the transaction that caused it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from cauce.auth import service as auth
from cauce.auth.models import BrandMembership, User
from cauce.db import utcnow
from cauce.errors import InvalidInput, NotFound
from cauce.notifications import mailer
from cauce.notifications.models import Notification, NotificationPreference
from cauce.vocabulary import NOTIFICATION_KINDS

log = logging.getLogger(__name__)

# Defaults when a user has not chosen: everything in the app; e-mail for what cannot wait.
DEFAULT_EMAIL = frozenset({"sla_warning", "crisis"})
MAX_EMAIL_ATTEMPTS = 5


@dataclass(frozen=True)
class Preference:
    kind: str
    in_app: bool
    email: bool


def preferences_of(session: Session, *, user_id: int) -> dict[str, Preference]:
    stored = {p.kind: p for p in session.scalars(select(NotificationPreference)
                                                  .where(NotificationPreference.user_id == user_id))}
    out = {}
    for kind in NOTIFICATION_KINDS:
        row = stored.get(kind)
        out[kind] = (Preference(kind, row.in_app, row.email) if row is not None
                     else Preference(kind, True, kind in DEFAULT_EMAIL))
    return out


def set_preferences(session: Session, *, user_id: int, choices: dict[str, tuple[bool, bool]]) -> dict[str, Preference]:
    """`choices`: kind -> (in the app, by e-mail); kinds not given keep their current value."""
    unknown = sorted(set(choices) - set(NOTIFICATION_KINDS))
    if unknown:
        raise InvalidInput(f"Tipo de aviso desconocido: {', '.join(unknown)}.")
    for kind, (in_app, email) in choices.items():
        row = session.get(NotificationPreference, (user_id, kind))
        if row is None:
            session.add(NotificationPreference(user_id=user_id, kind=kind, in_app=in_app, email=email))
        else:
            row.in_app, row.email = in_app, email
    session.flush()
    return preferences_of(session, user_id=user_id)


def notify(session: Session, *, kind: str, key: str, brand_id: int | None, user_ids: Iterable[int], title: str,
           body: str = "", link: str | None = None, case_id: int | None = None,
           skip_user_id: int | None = None) -> list[Notification]:
    """One notification per recipient for this event (`key`), skipping who already has it, who may not
    see the brand, who switched the kind off, and `skip_user_id` (who caused the event)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    wanted = sorted({u for u in user_ids if u != skip_user_id})
    if not wanted:
        return []
    already = set(session.scalars(select(Notification.user_id).where(Notification.key == key,
                                                                     Notification.user_id.in_(wanted))))
    created = []
    for user_id in wanted:
        if user_id in already:
            continue
        if brand_id is not None and not auth.can_access_brand(session, user_id=user_id, brand_id=brand_id):
            continue
        if brand_id is None and not _active(session, user_id):
            continue
        pref = preferences_of(session, user_id=user_id)[kind]
        if not (pref.in_app or pref.email):
            continue
        row = Notification(user_id=user_id, brand_id=brand_id, case_id=case_id, kind=kind, key=key[:200],
                           title=title[:300], body=body, link=link, in_app=pref.in_app, email_pending=pref.email)
        session.add(row)
        created.append(row)
    session.flush()
    return created


def _active(session: Session, user_id: int) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.active


def staff_of_brand(session: Session, *, brand_id: int, supervisors_only: bool = False) -> list[int]:
    """Active users who may see the brand (its members and every admin), optionally only supervisors."""
    members = select(BrandMembership.user_id).where(BrandMembership.brand_id == brand_id)
    query = select(User.id).where(User.active.is_(True), or_(User.role == "admin", User.id.in_(members)))
    if supervisors_only:
        query = query.where(User.role.in_(("supervisor", "admin")))
    return list(session.scalars(query.order_by(User.id)))


# --- the events ---------------------------------------------------------------------------------

def on_case_assigned(session: Session, *, case: Any, user_id: int, actor_user_id: int | None,
                     at: datetime) -> list[Notification]:
    """A case was assigned to `user_id` (by someone else: taking a case yourself notifies nobody)."""
    return notify(session, kind="case_assigned", key=f"case_assigned:{case.id}:{user_id}:{at.isoformat()}",
                  brand_id=case.brand_id, case_id=case.id, user_ids=[user_id], skip_user_id=actor_user_id,
                  title=f"Se le asignó el caso #{case.id}: {case.title}", link=f"/cases/{case.id}",
                  body=f"Caso #{case.id} · {case.title}")


def on_crisis_opened(session: Session, *, crisis: Any, brand_name: str) -> list[Notification]:
    return notify(session, kind="crisis", key=f"crisis:{crisis.id}", brand_id=crisis.brand_id,
                  user_ids=staff_of_brand(session, brand_id=crisis.brand_id),
                  title=f"Crisis en {brand_name}: {crisis.title}", link="/dashboard",
                  body=f"{crisis.title}. Revise el tablero y los casos vinculados.")


def on_appeal_filed(session: Session, *, action: Any, reason: str, actor_user_id: int | None) -> list[Notification]:
    return notify(session, kind="appeal", key=f"appeal:{action.id}", brand_id=action.brand_id,
                  case_id=action.case_id, skip_user_id=actor_user_id,
                  user_ids=staff_of_brand(session, brand_id=action.brand_id, supervisors_only=True),
                  title=f"Apelación pendiente de la acción de moderación #{action.id}",
                  link=f"/moderation?person_id={action.person_id}", body=f"Motivo: {reason.strip()[:500]}")


# --- reading and marking ------------------------------------------------------------------------

def _visible(query: Any, *, user_id: int, brand_ids: frozenset[int] | None) -> Any:
    """The user's own in-app notifications, of brands they may still see."""
    query = query.where(Notification.user_id == user_id, Notification.in_app.is_(True))
    if brand_ids is not None:
        query = query.where(or_(Notification.brand_id.is_(None), Notification.brand_id.in_(brand_ids)))
    return query


def list_for(session: Session, *, user_id: int, brand_ids: frozenset[int] | None, unread_only: bool = False,
             limit: int = 50, offset: int = 0) -> list[Notification]:
    query = _visible(select(Notification), user_id=user_id, brand_ids=brand_ids)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit).offset(offset)))


def unread_count(session: Session, *, user_id: int, brand_ids: frozenset[int] | None) -> int:
    query = _visible(select(func.count()).select_from(Notification), user_id=user_id, brand_ids=brand_ids)
    return session.scalar(query.where(Notification.read_at.is_(None))) or 0


def get(session: Session, *, notification_id: int, user_id: int, brand_ids: frozenset[int] | None) -> Notification:
    """The user's own notification; anyone else's is 'not found', like a missing id."""
    row = session.scalar(_visible(select(Notification), user_id=user_id, brand_ids=brand_ids)
                         .where(Notification.id == notification_id))
    if row is None:
        raise NotFound(f"No existe el aviso {notification_id}.")
    return row


def mark_read(session: Session, *, notification_id: int, user_id: int, brand_ids: frozenset[int] | None,
              now: datetime | None = None) -> Notification:
    row = get(session, notification_id=notification_id, user_id=user_id, brand_ids=brand_ids)
    if row.read_at is None:
        row.read_at = now or utcnow()
        session.flush()
    return row


def mark_all_read(session: Session, *, user_id: int, brand_ids: frozenset[int] | None,
                  now: datetime | None = None) -> int:
    ids = list(session.scalars(_visible(select(Notification.id), user_id=user_id, brand_ids=brand_ids)
                               .where(Notification.read_at.is_(None))))
    if not ids:
        return 0
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(read_at=now or utcnow()))
    return len(ids)


# --- e-mail -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped}


def _email_text(row: Notification, base_url: str) -> str:
    lines = [row.title, "", row.body] if row.body else [row.title]
    if row.link:
        lines += ["", base_url.rstrip("/") + row.link]
    settings_url = base_url.rstrip("/") + "/notifications/settings"
    lines += ["", "—", f"Cauce. Elija qué avisos recibe por correo en {settings_url}"]
    return "\n".join(lines)


def deliver_emails(session: Session, *, base_url: str = "http://127.0.0.1:8000", limit: int = 200,
                   settings: mailer.SmtpSettings | None = None, now: datetime | None = None) -> Delivery:
    """Send the pending e-mail notifications (each at most once; a failure is retried up to
    MAX_EMAIL_ATTEMPTS sweeps, its error kept on the row). Without SMTP settings nothing is sent."""
    settings = settings or mailer.SmtpSettings.from_env()
    if settings is None:
        return Delivery(0, 0, skipped="CAUCE_SMTP_HOST no está configurado")
    rows: Sequence[Notification] = list(session.scalars(
        select(Notification).where(Notification.email_pending.is_(True)).order_by(Notification.id).limit(limit)))
    sent = failed = 0
    for row in rows:
        user = session.get(User, row.user_id)
        if user is None:
            allowed = False
        elif row.brand_id is None:
            allowed = user.active
        else:
            allowed = auth.can_access_brand(session, user_id=user.id, brand_id=row.brand_id)
        if user is None or not allowed:
            row.email_pending, row.email_error = False, "destinatario sin acceso"
            continue
        try:
            mailer.send(user.email, f"[Cauce] {row.title}", _email_text(row, base_url), settings=settings)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            row.email_attempts += 1
            row.email_error = f"{type(exc).__name__}: {exc}"[:300]
            if row.email_attempts >= MAX_EMAIL_ATTEMPTS:
                row.email_pending = False
            log.warning("notification %s: e-mail to user %s failed: %s", row.id, user.id, row.email_error)
            continue
        sent += 1
        row.email_attempts += 1
        row.email_pending, row.emailed_at, row.email_error = False, now or utcnow(), None
    session.flush()
    return Delivery(sent, failed)
