"""Building connectors from channel accounts: which class serves a kind, the config it is built
from, validation of what a channel stores, and the command-line style options that fill it.

This lives in the connectors feature, above brands: brands stores channel accounts and knows
nothing of connectors; adding or changing a channel goes through `add_channel`/`update_channel`
here, which check the fields against the kind's connector before `brands.channels` stores them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cauce.audit.service import Actor
from cauce.brands.channels import (
    clean_mapping,
    decrypt_credentials,
    get_channel,
    store_channel,
)
from cauce.brands.channels import update_channel as store_update
from cauce.brands.models import Brand, ChannelAccount
from cauce.errors import InvalidInput, NotFound

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


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


def validate(brand: Brand, kind: str, base_url: str | None, settings: dict[str, Any],
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
    """Check a new channel against its kind's connector, then store it (credentials encrypted)."""
    kind = (kind or "").strip().lower()
    if not kind:
        raise InvalidInput("Indique el tipo de canal (mastodon, bluesky, rss…).")
    creds = clean_mapping(credentials, "Las credenciales")
    extra = clean_mapping(settings, "La configuración")
    base_url = (base_url or "").strip() or None
    schemes = ("ws://", "wss://", "http://", "https://") if kind in STREAM_ONLY_KINDS else ("http://", "https://")
    if base_url is not None and not base_url.lower().startswith(schemes):
        raise InvalidInput(f"La URL base debe empezar por {' o '.join(schemes)} (recibí {base_url[:80]!r}).")
    name = (name or "").strip() or f"{kind} de {brand.name}"
    if len(name) > 200:
        raise InvalidInput("El nombre del canal es demasiado largo (máximo 200 caracteres).")
    validate(brand, kind, base_url, extra, creds)
    return store_channel(session, brand=brand, kind=kind, name=name, base_url=base_url, credentials=creds,
                         settings=extra, actor=actor)


def update_channel(session: Session, *, channel_id: int, actor: Actor, name: str | None = None,
                   base_url: str | None = None, enabled: bool | None = None,
                   settings: Mapping[str, Any] | None = None,
                   credentials: Mapping[str, Any] | None = None) -> ChannelAccount:
    """Change a channel; new credentials are checked against its kind's connector first."""
    return store_update(session, channel_id=channel_id, actor=actor, name=name, base_url=base_url, enabled=enabled,
                        settings=settings, credentials=credentials, validate=validate)


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


# --- what each kind needs, and a real connection test ------------------------------------------

_COMMON_FIELDS = frozenset({"brand", "brand_terms", "timeout_s"})


@dataclass(frozen=True)
class Field:
    name: str
    secret: bool
    required: bool
    default: str | None


def needs(kind: str) -> list[Field]:
    """The fields a kind's connector reads (the brand's own are filled in by Cauce): required first."""
    if kind in STREAM_ONLY_KINDS:
        return [Field("jetstream_url", False, False, None), Field("appview_url", False, False, None)]
    config_class = getattr(connector_class(kind), "config_class", None)
    fields = dict(getattr(config_class, "model_fields", {}) or {})
    out = []
    for name, info in fields.items():
        if name in _COMMON_FIELDS:
            continue
        default = None if info.is_required() or info.default is None else info.get_default(call_default_factory=True)
        shown = None if default in (None, [], {}, "") else str(default).lower() if isinstance(default, bool) \
            else str(default)
        out.append(Field(name, _is_secret(info.annotation), info.is_required(), shown))
    return sorted(out, key=lambda f: (not f.required, f.name))


def connection_problem(brand: Brand, kind: str, *, base_url: str | None, settings: Mapping[str, Any],
                       credentials: Mapping[str, Any]) -> str | None:
    """Connect with these settings as the worker would: None when it works, else what failed."""
    from cauce.connectors.base import AuthExpired, ConnectorError

    if kind in STREAM_ONLY_KINDS:
        return None  # a live stream has no request to try; the worker reports it on the channel
    config = config_for(brand, kind, base_url=base_url, settings=settings, credentials=credentials)
    try:
        with build_connector(kind, config) as connector:
            connector.test_connection()
    except AuthExpired as exc:
        return f"Credenciales rechazadas: {exc.reason}"
    except ConnectorError as exc:
        return exc.reason
    except InvalidInput as exc:
        return exc.message
    return None
