"""Channel accounts: the network accounts and feeds a brand listens and answers on.

Credentials are encrypted at rest with Fernet. The key comes from `CAUCE_ENCRYPTION_KEY`
(urlsafe base64 of 32 bytes, e.g. the output of `Fernet.generate_key()`); when it is unset,
a key file `secret.key` (mode 0600) is created once in the data dir (`CAUCE_DATA_DIR`) and
reused. Losing that key makes the stored credentials unreadable: back it up with the database.
Credentials are never logged nor returned: the API and CLI show them masked (`tok…9f`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.apimodel import StrictOut
from cauce.audit.service import SYSTEM, Actor, record, record_changes
from cauce.brands.models import Brand, ChannelAccount
from cauce.config import default_data_dir, get_settings
from cauce.errors import CauceError, Conflict, InvalidInput, NotFound

KEY_FILE = "secret.key"
MAX_SECRET_CHARS = 10_000


class EncryptionKeyError(CauceError):
    code = "encryption_key"
    status_code = 500


# --- encryption -------------------------------------------------------------------------------

def _key_from_file(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    return path.read_bytes().strip()


def encryption_key() -> bytes:
    env = (get_settings().encryption_key or "").strip()
    return env.encode() if env else _key_from_file(default_data_dir())


def _fernet() -> Fernet:
    try:
        return Fernet(encryption_key())
    except (ValueError, TypeError):
        raise EncryptionKeyError("CAUCE_ENCRYPTION_KEY no es una clave Fernet válida (base64 urlsafe de 32 bytes; "
                                 "genere una con `python -c 'from cryptography.fernet import Fernet; "
                                 "print(Fernet.generate_key().decode())'`).") from None


def encrypt_credentials(credentials: Mapping[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(dict(credentials), sort_keys=True).encode()).decode()


def decrypt_credentials(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise EncryptionKeyError("No se pueden descifrar las credenciales del canal: la clave de cifrado cambió "
                                 "(CAUCE_ENCRYPTION_KEY o secret.key). Restaure la clave o vuelva a cargar las "
                                 "credenciales.") from None
    return dict(data) if isinstance(data, dict) else {}


def mask(value: Any) -> str:
    """`tok…9f`: enough to recognise a credential, never enough to use it."""
    text = str(value)
    if len(text) <= 6:
        return "…"
    return f"{text[:3]}…{text[-2:]}"


# --- service ----------------------------------------------------------------------------------

class ChannelView(StrictOut):
    """A channel account as it may be shown (API, CLI, settings page): credentials only masked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    brand_id: int
    kind: str
    name: str
    base_url: str | None
    enabled: bool
    healthy: bool
    last_error: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    settings: dict[str, Any]
    credentials: dict[str, str]
    cursor: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def view(channel: ChannelAccount) -> ChannelView:
    try:
        creds = {k: mask(v) for k, v in decrypt_credentials(channel.credentials_encrypted).items()}
    except EncryptionKeyError:
        creds = {"error": "no se pueden descifrar"}
    return ChannelView(id=channel.id, brand_id=channel.brand_id, kind=channel.kind, name=channel.name,
                       base_url=channel.base_url, enabled=channel.enabled, healthy=channel.healthy,
                       last_error=channel.last_error, last_polled_at=channel.last_polled_at,
                       next_poll_at=channel.next_poll_at, settings=dict(channel.settings or {}), credentials=creds,
                       cursor=dict(channel.cursor or {}))


def _clean_mapping(value: Mapping[str, Any] | None, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{what} debe ser un objeto clave → valor.")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise InvalidInput(f"{what}: las claves deben ser texto no vacío.")
        if isinstance(item, str) and len(item) > MAX_SECRET_CHARS:
            raise InvalidInput(f"{what}: el valor de {key!r} es demasiado largo.")
        if item is not None and item != "":
            out[key.strip()] = item
    return out


def clean_mapping(value: Mapping[str, Any] | None, what: str) -> dict[str, Any]:
    return _clean_mapping(value, what)


def store_channel(session: Session, *, brand: Brand, kind: str, name: str, base_url: str | None,
                  credentials: dict[str, Any], settings: dict[str, Any], actor: Actor) -> ChannelAccount:
    """Store a channel whose kind, URL and fields the connectors feature already checked
    (`cauce.connectors.construction.add_channel` is the way in)."""
    creds, extra = credentials, settings
    if len(name) > 200:
        raise InvalidInput("El nombre del canal es demasiado largo (máximo 200 caracteres).")
    clash = session.scalar(select(ChannelAccount.id).where(ChannelAccount.brand_id == brand.id,
                                                            ChannelAccount.kind == kind, ChannelAccount.name == name))
    if clash is not None:
        raise Conflict(f"La marca ya tiene un canal {kind} llamado {name!r} (id {clash}).")
    channel = ChannelAccount(brand_id=brand.id, kind=kind, name=name, base_url=base_url,
                             credentials_encrypted=encrypt_credentials(creds) if creds else None,
                             settings=extra, cursor={}, enabled=True, healthy=True)
    session.add(channel)
    session.flush()
    record(session, actor=actor, action="channel.created", entity_type="channel", entity_id=channel.id,
           brand_id=brand.id, after={"kind": kind, "name": name, "base_url": base_url, "settings": extra,
                                     "credentials": sorted(creds)})
    return channel


def list_channels(session: Session, *, brand_ids: frozenset[int] | None = None,
                  brand_id: int | None = None, include_deleted: bool = False) -> list[ChannelAccount]:
    query = select(ChannelAccount).order_by(ChannelAccount.id)
    if brand_ids is not None:
        query = query.where(ChannelAccount.brand_id.in_(brand_ids))
    if brand_id is not None:
        query = query.where(ChannelAccount.brand_id == brand_id)
    return [c for c in session.scalars(query) if include_deleted or not is_deleted(c)]


# A deleted channel keeps its row (its mentions, replies, cursor and audit trail point at it), stays
# disabled (never polled nor answered through) and leaves the lists; its name is freed for a new one.
DELETED_KEY = "deleted_at"


def is_deleted(channel: ChannelAccount) -> bool:
    return bool((channel.settings or {}).get(DELETED_KEY))


def delete_channel(session: Session, *, channel_id: int, actor: Actor, now: datetime) -> ChannelAccount:
    channel = get_channel(session, channel_id)
    if is_deleted(channel):
        raise NotFound(f"No existe el canal {channel_id}.")
    suffix = f" (eliminado #{channel.id})"
    record_changes(session, channel, {"enabled": False, "name": channel.name[:200 - len(suffix)] + suffix,
                                      "settings": {**(channel.settings or {}), DELETED_KEY: now.isoformat()}},
                   actor=actor, action="channel.deleted", entity_type="channel", brand_id=channel.brand_id)
    return channel


def get_channel(session: Session, channel_id: int, *, brand_ids: frozenset[int] | None = None) -> ChannelAccount:
    channel = session.get(ChannelAccount, channel_id)
    if channel is None or (brand_ids is not None and channel.brand_id not in brand_ids):
        raise NotFound(f"No existe el canal {channel_id}.")
    return channel


def update_channel(session: Session, *, channel_id: int, actor: Actor, name: str | None = None,
                   base_url: str | None = None, enabled: bool | None = None,
                   settings: Mapping[str, Any] | None = None,
                   credentials: Mapping[str, Any] | None = None,
                   validate: Callable[[Brand, str, str | None, dict[str, Any], dict[str, Any]], None] | None = None,
                   ) -> ChannelAccount:
    """Change a channel; new credentials are checked by `validate` (the connectors feature's, see
    `cauce.connectors.construction.update_channel`) before they are stored."""
    channel = get_channel(session, channel_id)
    if is_deleted(channel):
        raise Conflict(f"El canal {channel_id} fue eliminado; agregue uno nuevo.")
    changes: dict[str, Any] = {}
    if name is not None and name.strip():
        changes["name"] = name.strip()[:200]
    if base_url is not None:
        changes["base_url"] = base_url.strip() or None
    if enabled is not None:
        changes["enabled"] = enabled
    if settings is not None:
        changes["settings"] = {**(channel.settings or {}), **_clean_mapping(settings, "La configuración")}
    if credentials is not None:
        creds = {**decrypt_credentials(channel.credentials_encrypted),
                 **_clean_mapping(credentials, "Las credenciales")}
        brand = session.get(Brand, channel.brand_id)
        assert brand is not None
        if validate is not None:
            validate(brand, channel.kind, changes.get("base_url", channel.base_url),
                     changes.get("settings", channel.settings or {}), creds)
        # New credentials: the channel deserves a fresh chance.
        channel.credentials_encrypted = encrypt_credentials(creds)
        changes.update(healthy=True, last_error=None)
        record(session, actor=actor, action="channel.credentials_updated", entity_type="channel",
               entity_id=channel.id, brand_id=channel.brand_id, after={"credentials": sorted(creds)})
    record_changes(session, channel, changes, actor=actor, action="channel.updated", entity_type="channel",
                   brand_id=channel.brand_id)
    return channel


def mark_unhealthy(session: Session, channel: ChannelAccount, *, error: str, actor: Actor = SYSTEM,
                   alert: bool = True) -> None:
    """The channel cannot work until someone fixes it; `channel.alert` events are what admins watch."""
    was_healthy = channel.healthy
    record_changes(session, channel, {"healthy": False, "last_error": error[:2000]}, actor=actor,
                   action="channel.unhealthy", entity_type="channel", brand_id=channel.brand_id, reason=error[:2000])
    if alert and was_healthy:
        record(session, actor=actor, action="channel.alert", entity_type="channel", entity_id=channel.id,
               brand_id=channel.brand_id, reason=error[:2000],
               after={"message": f"El canal «{channel.name}» ({channel.kind}) dejó de funcionar: {error[:500]}. "
                                 "Un administrador debe renovar sus credenciales."})


def mark_healthy(session: Session, channel: ChannelAccount, *, actor: Actor = SYSTEM) -> None:
    if not channel.healthy or channel.last_error:
        record_changes(session, channel, {"healthy": True, "last_error": None}, actor=actor,
                       action="channel.healthy", entity_type="channel", brand_id=channel.brand_id)


def save_cursor(session: Session, channel: ChannelAccount, cursor: Mapping[str, Any], *,
                polled_at: datetime | None = None) -> None:
    # Cursors move on every poll: not audited (that would flood the log), but persisted atomically
    # with the mentions they cover by the caller's transaction.
    channel.cursor = dict(cursor)
    if polled_at is not None:
        channel.last_polled_at = polled_at


def serves(channel: ChannelAccount, network: str) -> bool:
    """Whether this account answers conversations of `network` (settings.serves lists extra ones)."""
    extra = (channel.settings or {}).get("serves") or []
    return channel.kind == network or network in extra or "*" in extra


def channel_for(session: Session, *, brand_id: int, network: str,
                prefer_id: int | None = None) -> ChannelAccount | None:
    """The enabled account of a brand that answers on `network` (the one the mention came from first)."""
    candidates = [c for c in list_channels(session, brand_id=brand_id) if c.enabled and serves(c, network)]
    if not candidates:
        return None
    for c in candidates:
        if c.id == prefer_id:
            return c
    exact = [c for c in candidates if c.kind == network]
    return (exact or candidates)[0]
