"""Users, roles, brand membership, password hashing (argon2), sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.auth import passwords
from cauce.auth.models import ApiToken, BrandMembership, LoginFailure, User, WebSession
from cauce.brands.models import Brand
from cauce.db import utcnow
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized

ROLES = ("agent", "supervisor", "admin")
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "cauce_"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
# A token's last use is written at most this often (not on every request of a busy script).
LAST_USED_EVERY = timedelta(minutes=1)


class TokenScope(StrEnum):
    READ = "read"  # GET, HEAD, OPTIONS
    WRITE = "write"  # POST, PUT, PATCH, DELETE
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """The authenticated caller and what they may see."""

    user_id: int
    name: str
    email: str
    role: str
    brand_ids: frozenset[int] | None  # None: every brand (admins)

    @property
    def actor(self) -> Actor:
        return Actor.user(self.user_id, self.name)

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, email: str, name: str, role: str, password: str,
                brand_ids: list[int] | None = None, actor: Actor, locale: str = "es") -> User:
    if role not in ROLES:
        raise InvalidInput(f"Rol inválido {role!r}: use {', '.join(ROLES)}.")
    email = passwords.normalise_email(email)
    if not name.strip():
        raise InvalidInput("El nombre no puede estar vacío.")
    passwords.check(password, email=email, name=name)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"Ya existe un usuario con el correo {email}.")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password), locale=locale)
    session.add(user)
    session.flush()
    for brand_id in brand_ids or []:
        if session.get(Brand, brand_id) is None:
            raise NotFound(f"No existe la marca {brand_id}.")
        session.add(BrandMembership(user_id=user.id, brand_id=brand_id))
    record(session, actor=actor, action="user.created", entity_type="user", entity_id=user.id,
           after={"email": email, "role": role, "brand_ids": brand_ids or []})
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def brand_ids_of(session: Session, user: User) -> frozenset[int] | None:
    if user.role == "admin":
        return None
    return frozenset(session.scalars(select(BrandMembership.brand_id).where(BrandMembership.user_id == user.id)))


def principal_for(session: Session, user: User) -> Principal:
    return Principal(user.id, user.name, user.email, user.role, brand_ids_of(session, user))


def can_access_brand(session: Session, *, user_id: int, brand_id: int) -> bool:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return False
    ids = brand_ids_of(session, user)
    return ids is None or brand_id in ids


def authenticate(session: Session, *, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    # Verify against a dummy hash for unknown users so timing does not reveal who exists.
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("Correo o contraseña incorrectos.") from None
    if user is None or not user.active:
        raise Unauthorized("Correo o contraseña incorrectos.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def create_api_token(session: Session, *, user_id: int, name: str, actor: Actor,
                     scopes: Iterable[str] = (TokenScope.READ, TokenScope.WRITE),
                     days: int | None = DEFAULT_TOKEN_DAYS) -> str:
    """A new token for scripts; only its hash is stored, so it is shown once.

    It expires after `days` (None: never — for the CLI's explicit `--days 0` only) and allows
    what its `scopes` say: "read" for GET requests, "write" for the others.
    """
    wanted = sorted({TokenScope(s).value for s in scopes} if scopes else set())
    if not wanted:
        raise InvalidInput("Indique al menos un alcance para el token: read o write.")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"La vigencia del token debe estar entre 1 y {MAX_TOKEN_DAYS} días.")
    name = name.strip()[:200] or "script"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days is not None else None
    session.add(ApiToken(user_id=user_id, name=name, prefix=token[:12], token_hash=_sha256(token),
                         scopes=wanted, expires_at=expires))
    record(session, actor=actor, action="api_token.created", entity_type="user", entity_id=user_id,
           after={"name": name, "prefix": token[:12], "scopes": wanted,
                  "expires_at": expires.isoformat() if expires else None})
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The stored row of a token secret (no checks, no side effects)."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token)))


def token_owner(session: Session, token: str) -> tuple[User, ApiToken]:
    """The user a token belongs to and the token's row; Unauthorized if revoked, expired or unknown."""
    row = find_token(session, token)
    now = utcnow()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("Token de API inválido o revocado.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("El token de API venció: cree uno nuevo (cauce users token o Configuración → Mi cuenta).")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("Token de API inválido o revocado.")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
    return user, row


def user_for_token(session: Session, token: str) -> User:
    return token_owner(session, token)[0]


def require_scope(token: ApiToken, *, write: bool) -> None:
    needed = TokenScope.WRITE if write else TokenScope.READ
    if needed.value not in (token.scopes or []):
        raise Forbidden(f"Este token de API no tiene el alcance «{needed.value}» que pide esta solicitud.")


def list_api_tokens(session: Session, *, user_id: int | None = None) -> list[ApiToken]:
    """Tokens (never their secret), newest first; every user's when `user_id` is None."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_api_token(session: Session, *, token_id: int, actor: Actor, owner_id: int | None = None) -> ApiToken:
    """Revoke a token at once. With `owner_id`, only that user's own token (NotFound otherwise)."""
    row = session.get(ApiToken, token_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound(f"No existe el token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, actor=actor, action="api_token.revoked", entity_type="user", entity_id=row.user_id,
               after={"token_id": row.id, "prefix": row.prefix})
    return row


def change_password(session: Session, *, user_id: int, new_password: str, actor: Actor,
                    current_password: str | None = None, keep_session: str | None = None) -> User:
    """Set a new password (the current one is checked when given) and sign out the user's other
    browser sessions; `keep_session` is the session token of the browser asking, if any."""
    user = _user(session, user_id)
    if current_password is not None:
        try:
            _hasher.verify(user.password_hash, current_password)
        except (VerificationError, InvalidHashError):
            raise InvalidInput("La contraseña actual no es correcta.") from None
    passwords.check(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    ended = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        ended = ended.where(WebSession.token_hash != _sha256(keep_session))
    session.execute(ended)
    record(session, actor=actor, action="user.password_changed", entity_type="user", entity_id=user.id)
    return user


def recent_login_failures(session: Session, *, keys: Sequence[str], since: datetime
                          ) -> dict[str, tuple[int, datetime]]:
    """For each key with failed sign-ins after `since`: how many, and when the oldest was."""
    rows = session.execute(
        select(LoginFailure.key, func.count(), func.min(LoginFailure.at))
        .where(LoginFailure.key.in_(list(keys)), LoginFailure.at > since).group_by(LoginFailure.key))
    return {key: (count, oldest) for key, count, oldest in rows}


def record_login_failure(session: Session, *, keys: Sequence[str], at: datetime, prune_before: datetime) -> None:
    """One failed sign-in under each key; failures older than the window are deleted on the way, so
    the table holds one window's worth of rows whatever the traffic."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= prune_before))
    session.add_all([LoginFailure(key=key, at=at) for key in keys])
    session.flush()


def clear_login_failures(session: Session, *, key: str, prune_before: datetime | None = None) -> None:
    """Forget `key`'s failures (a successful sign-in), and everyone's older than `prune_before`."""
    stale = LoginFailure.key == key
    if prune_before is not None:
        stale = stale | (LoginFailure.at <= prune_before)
    session.execute(delete(LoginFailure).where(stale))


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


def start_session(session: Session, *, user: User) -> NewSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = utcnow() + SESSION_LIFETIME
    session.add(WebSession(user_id=user.id, token_hash=_sha256(token), csrf_token=csrf, expires_at=expires))
    return NewSession(token, csrf, expires)


def session_user(session: Session, token: str) -> tuple[User, WebSession]:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _sha256(token)))
    if row is None or row.expires_at < utcnow():
        raise Unauthorized("La sesión expiró; vuelva a iniciar sesión.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("La sesión expiró; vuelva a iniciar sesión.")
    return user, row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _sha256(token)))


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No existe el usuario {user_id}.")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.active.is_(True))) or 0


def update_user(session: Session, *, user_id: int, actor: Actor, acting_user_id: int | None,
                role: str | None = None, name: str | None = None, active: bool | None = None) -> User:
    """Change a user's role, name or active flag; the last active admin cannot be demoted or disabled."""
    user = _user(session, user_id)
    changes: dict[str, Any] = {}
    if role is not None:
        if role not in ROLES:
            raise InvalidInput(f"Rol inválido {role[:20]!r}: use {', '.join(ROLES)}.")
        changes["role"] = role
    if name is not None:
        if not name.strip():
            raise InvalidInput("El nombre no puede estar vacío.")
        changes["name"] = name.strip()[:200]
    if active is not None:
        if not active and user_id == acting_user_id:
            raise Conflict("No puede desactivar su propia cuenta.")
        changes["active"] = active
    losing_admin = user.role == "admin" and user.active and (
        changes.get("role", "admin") != "admin" or changes.get("active", True) is False)
    if losing_admin and _active_admins(session) <= 1:
        raise Conflict("Es el único administrador activo: cree otro antes de cambiarle el rol o desactivarlo.")
    changed = record_changes(session, user, changes, actor=actor, action="user.updated", entity_type="user")
    if changed.get("active") is False:
        # A deactivated user is signed out everywhere at once.
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def set_user_brands(session: Session, *, user_id: int, brand_ids: list[int], actor: Actor) -> list[int]:
    user = _user(session, user_id)
    wanted = sorted(set(brand_ids))
    known = set(session.scalars(select(Brand.id).where(Brand.id.in_(wanted))))
    missing = [b for b in wanted if b not in known]
    if missing:
        raise NotFound(f"No existe la marca {missing[0]}.")
    current = sorted(session.scalars(select(BrandMembership.brand_id).where(BrandMembership.user_id == user.id)))
    if current == wanted:
        return current
    session.execute(delete(BrandMembership).where(BrandMembership.user_id == user.id))
    session.add_all([BrandMembership(user_id=user.id, brand_id=b) for b in wanted])
    session.flush()
    record(session, actor=actor, action="user.brands_changed", entity_type="user", entity_id=user.id,
           before={"brand_ids": current}, after={"brand_ids": wanted})
    return wanted


def brands_of_users(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for user_id, brand_id in session.execute(select(BrandMembership.user_id, BrandMembership.brand_id)):
        out.setdefault(user_id, []).append(brand_id)
    return out
