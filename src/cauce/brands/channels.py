"""Channel accounts: the network accounts and feeds a brand listens and answers on.

Credentials are encrypted at rest with Fernet. The key comes from `CAUCE_ENCRYPTION_KEY`
(urlsafe base64 of 32 bytes, e.g. the output of `Fernet.generate_key()`); when it is unset,
a key file `secret.key` (mode 0600) is created once in the data dir (`CAUCE_DATA_DIR`) and
reused. Losing that key makes the stored credentials unreadable: back it up with the database.
Credentials are never logged nor returned: the API and CLI show them masked (`tok…9f`).
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Mapping
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
from cauce.config import default_data_dir
from cauce.errors import CauceError, Conflict, InvalidInput, NotFound

KEY_FILE = "secret.key"
MAX_SECRET_CHARS = 10_000
_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


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
    env = os.environ.get("CAUCE_ENCRYPTION_KEY", "").strip()
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


# --- connector classes ------------------------------------------------------------------------

def connector_class(kind: str) -> Any:
    """The connector class for a kind; the demo channel is ours, the rest come from the registry.

    Without a registry entry, `cauce.connectors.<kind>` is searched for the Connector of that kind.
    """
    if kind == "demo":
        from cauce.connectors.demo_channel import DemoConnector

        return DemoConnector
    from cauce.connectors import base

    lookup = getattr(base, "get_connector_class", None)
    if lookup is not None:
        try:
            return lookup(kind)
        except (KeyError, LookupError, ValueError):
            pass
        except ImportError as exc:
            raise InvalidInput(f"El tipo de canal {kind!r} no está disponible en esta instalación ({exc}).") from exc
    if _KIND.fullmatch(kind):
        try:
            module = importlib.import_module(f"cauce.connectors.{kind}")
        except ModuleNotFoundError:
            module = None
        for value in vars(module).values() if module else ():
            if isinstance(value, type) and issubclass(value, base.Connector) and getattr(value, "kind", None) == kind:
                return value
    raise InvalidInput(f"Tipo de canal desconocido: {kind!r}.")


def known_fields(kind: str) -> set[str]:
    cls = connector_class(kind)
    config_class = getattr(cls, "config_class", None)
    return set(getattr(config_class, "model_fields", {}) or {})


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


def config_for(brand: Brand, channel_kind: str, *, base_url: str | None, settings: Mapping[str, Any],
               credentials: Mapping[str, Any]) -> dict[str, Any]:
    """The plain config dict a connector is built from, limited to the fields its config declares."""
    terms = list(dict.fromkeys([*(brand.search_terms or []), *(brand.handles or [])]))
    merged: dict[str, Any] = {"brand": brand.slug, "brand_terms": terms}
    if base_url:
        merged["base_url"] = base_url
    merged.update(settings)
    merged.update(credentials)
    # Extra terms configured on the channel add to the brand's, never replace them.
    extra_terms = settings.get("brand_terms")
    if isinstance(extra_terms, list):
        merged["brand_terms"] = list(dict.fromkeys([*terms, *extra_terms]))
    fields = known_fields(channel_kind)
    return {k: v for k, v in merged.items() if not fields or k in fields}


# Kinds that only stream (no request/response API to poll or answer through); `cauce worker` runs them.
STREAM_ONLY_KINDS = frozenset({"jetstream"})


class StreamOnlyChannel(InvalidInput):
    code = "stream_only_channel"


def _validate_stream_only(brand: Brand, base_url: str | None, settings: dict[str, Any]) -> None:
    url = settings.get("jetstream_url") or base_url
    if url is not None and not str(url).lower().startswith(("ws://", "wss://", "http://", "https://")):
        raise InvalidInput(f"La URL de Jetstream debe empezar por wss:// o ws:// (recibí {str(url)[:80]!r}).")
    appview = settings.get("appview_url")
    if appview is not None and not str(appview).lower().startswith(("http://", "https://")):
        raise InvalidInput(f"La URL del AppView debe empezar por https:// (recibí {str(appview)[:80]!r}).")
    terms = settings.get("brand_terms")
    if terms is not None and not (isinstance(terms, list) and all(isinstance(t, str) for t in terms)):
        raise InvalidInput("Los términos de búsqueda deben ser una lista de textos.")
    if not (brand.search_terms or brand.handles or terms):
        raise InvalidInput("La marca no tiene términos de búsqueda ni cuentas: añada --term para filtrar Jetstream.")


def _validate(brand: Brand, kind: str, base_url: str | None, settings: dict[str, Any],
              credentials: dict[str, Any]) -> None:
    if kind in STREAM_ONLY_KINDS:
        _validate_stream_only(brand, base_url, settings)
        return
    cls = connector_class(kind)
    config_class = getattr(cls, "config_class", None)
    if config_class is None:
        return
    from cauce.connectors.base import ConfigError

    try:
        config_class.from_dict(config_for(brand, kind, base_url=base_url, settings=settings, credentials=credentials))
    except ConfigError as exc:
        raise InvalidInput(exc.reason) from None


def add_channel(session: Session, *, brand: Brand, kind: str, name: str | None = None, base_url: str | None = None,
                credentials: Mapping[str, Any] | None = None, settings: Mapping[str, Any] | None = None,
                actor: Actor) -> ChannelAccount:
    kind = (kind or "").strip().lower()
    if not kind:
        raise InvalidInput("Indique el tipo de canal (mastodon, bluesky, rss…).")
    creds = _clean_mapping(credentials, "Las credenciales")
    extra = _clean_mapping(settings, "La configuración")
    base_url = (base_url or "").strip() or None
    schemes = ("ws://", "wss://", "http://", "https://") if kind in STREAM_ONLY_KINDS else ("http://", "https://")
    if base_url is not None and not base_url.lower().startswith(schemes):
        raise InvalidInput(f"La URL base debe empezar por {' o '.join(schemes)} (recibí {base_url[:80]!r}).")
    name = (name or "").strip() or f"{kind} de {brand.name}"
    if len(name) > 200:
        raise InvalidInput("El nombre del canal es demasiado largo (máximo 200 caracteres).")
    _validate(brand, kind, base_url, extra, creds)
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
                  brand_id: int | None = None) -> list[ChannelAccount]:
    query = select(ChannelAccount).order_by(ChannelAccount.id)
    if brand_ids is not None:
        query = query.where(ChannelAccount.brand_id.in_(brand_ids))
    if brand_id is not None:
        query = query.where(ChannelAccount.brand_id == brand_id)
    return list(session.scalars(query))


def get_channel(session: Session, channel_id: int, *, brand_ids: frozenset[int] | None = None) -> ChannelAccount:
    channel = session.get(ChannelAccount, channel_id)
    if channel is None or (brand_ids is not None and channel.brand_id not in brand_ids):
        raise NotFound(f"No existe el canal {channel_id}.")
    return channel


def connector_config(session: Session, channel: ChannelAccount) -> dict[str, Any]:
    brand = session.get(Brand, channel.brand_id)
    if brand is None:
        raise NotFound(f"El canal {channel.id} apunta a una marca inexistente.")
    return config_for(brand, channel.kind, base_url=channel.base_url, settings=channel.settings or {},
                      credentials=decrypt_credentials(channel.credentials_encrypted))


def build_connector(kind: str, config: Mapping[str, Any]) -> Any:
    from cauce.connectors.base import ConfigError

    cls = connector_class(kind)
    try:
        factory = getattr(cls, "from_config", None)
        if factory is not None:
            return factory(dict(config))
        return cls(cls.config_class.from_dict(config))
    except ConfigError as exc:
        raise InvalidInput(exc.reason) from None


def get_connector(session: Session, channel_id: int) -> Any:
    """A ready connector for the channel, credentials decrypted in memory only."""
    channel = get_channel(session, channel_id)
    if channel.kind in STREAM_ONLY_KINDS:
        raise StreamOnlyChannel(f"El canal {channel.id} ({channel.kind}) solo recibe un flujo en vivo: lo consume "
                                "`cauce worker`; no se consulta ni se responde por él.")
    return build_connector(channel.kind, connector_config(session, channel))


def update_channel(session: Session, *, channel_id: int, actor: Actor, name: str | None = None,
                   base_url: str | None = None, enabled: bool | None = None,
                   settings: Mapping[str, Any] | None = None,
                   credentials: Mapping[str, Any] | None = None) -> ChannelAccount:
    channel = get_channel(session, channel_id)
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
        _validate(brand, channel.kind, changes.get("base_url", channel.base_url),
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


# --- command-line style options → config fields ---------------------------------------------

# Generic option names and the config fields they mean, first match wins per kind.
OPTION_FIELDS: dict[str, tuple[str, ...]] = {
    "token": ("access_token", "token", "bot_token", "bearer_token", "api_token", "page_access_token"),
    "handle": ("identifier", "handle", "username", "account"),
    "secret": ("app_password", "password", "secret", "app_secret", "webhook_secret", "client_secret"),
    "feed_url": ("feed_url", "feeds", "feed_urls", "url", "urls"),
    "term": ("search_terms", "terms", "keywords", "brand_terms"),
}


def _is_secret(annotation: Any) -> bool:
    from pydantic import SecretStr

    return "SecretStr" in repr(annotation) or annotation is SecretStr


def _is_list(annotation: Any) -> bool:
    return "list[" in repr(annotation).lower() or "List[" in repr(annotation)


def split_options(kind: str, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Map generic options (token, handle, secret, feed_url, term, or a field's own name) onto the
    kind's config fields; secret fields become credentials (encrypted), the rest settings."""
    credentials: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    if kind in STREAM_ONLY_KINDS:
        for option, value in options.items():
            if value is None or value == [] or value == "":
                continue
            if option == "term":
                settings["brand_terms"] = value if isinstance(value, list) else [value]
            elif option == "base_url":
                settings["jetstream_url"] = value
            elif option == "appview_url":  # where the authors' profiles are looked up
                settings["appview_url"] = value
            else:
                raise InvalidInput(f"El canal {kind} no usa la opción «{option.replace('_', '-')}».")
        return credentials, settings
    cls = connector_class(kind)
    fields = dict(getattr(getattr(cls, "config_class", None), "model_fields", {}) or {})
    for option, value in options.items():
        if value is None or value == [] or value == "":
            continue
        target = option if option in fields else next((f for f in OPTION_FIELDS.get(option, ()) if f in fields), None)
        if target is None:
            raise InvalidInput(f"El canal {kind} no usa la opción «{option.replace('_', '-')}».")
        info = fields[target]
        if _is_list(info.annotation) and not isinstance(value, list):
            value = [value]
        elif not _is_list(info.annotation) and isinstance(value, list):
            value = value[0] if len(value) == 1 else value
        if _is_secret(info.annotation):
            credentials[target] = value
        else:
            settings[target] = _typed(kind, target, info.annotation, value)
    return credentials, settings


def _typed(kind: str, name: str, annotation: Any, value: Any) -> Any:
    """A setting stored as its field's type: `--setting read_dms=false` is the boolean false, not the
    text "false" (which a later reader would take as true)."""
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"] if exc.errors() else "valor inválido"
        raise InvalidInput(f"El canal {kind}: «{name.replace('_', '-')}» tiene un valor inválido "
                           f"({str(value)[:60]!r}: {problem}).") from None
