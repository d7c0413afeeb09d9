"""Meta webhooks (Facebook Page comments and Messenger, Instagram comments and DMs) and the
Graph API calls that answer them.

Webhooks: https://developers.facebook.com/docs/graph-api/webhooks . Meta first verifies the
endpoint with a GET (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`); every POST is
signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app
secret>`, checked before the body is even parsed.

Mention ids carry their surface so answers go to the right endpoint: Facebook comment ids are
used as is (`<post>_<comment>`), Instagram comments are `ig:<id>`, Messenger messages
`fbdm:<mid>` and Instagram messages `igdm:<mid>`. Meta pushes; `fetch` has nothing to poll.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from cauce.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorConfig,
    FetchResult,
    ModerationAction,
    NotSupported,
    PayloadError,
    PermanentError,
    RateLimited,
    SentItem,
    SignatureError,
    make_mention,
    secret,
)
from cauce.connectors.http import (
    HttpClient,
    account_key,
    expect_dict,
    meta_usage_wait,
    parse_json,
    raise_for_status,
    retry_after_seconds,
)
from cauce.connectors.signing import header, hex_signature, same
from cauce.mentions.schemas import MentionIn, MetricsIn

NETWORK_FB = "facebook"
NETWORK_IG = "instagram"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 5_000_000


class MetaConfig(ConnectorConfig):
    base_url: str = "https://graph.facebook.com/v21.0"
    page_id: str
    page_access_token: SecretStr
    app_secret: SecretStr
    verify_token: SecretStr
    instagram_account_id: str | None = None


def _when(value: Any) -> datetime:
    """Meta sends seconds (entry.time, created_time) or milliseconds (messaging timestamp)."""
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
        except ValueError:
            pass
    raise PayloadError("meta: evento sin fecha válida")


def _graph_id(value: str) -> str:
    value = value.strip()
    if not value or not all(c.isalnum() or c in "_-" for c in value):
        raise PermanentError(f"meta: identificador inválido {value[:60]!r}")
    return value


class MetaConnector(Connector):
    kind = "meta"
    config_class = MetaConfig

    def __init__(self, config: MetaConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.http = HttpClient(
            config.base_url,
            network="meta",
            timeout_s=config.timeout_s,
            transport=transport,
            auth=lambda: {"Authorization": f"Bearer {secret(config.page_access_token)}"},
            rate_scope="global",  # X-App-Usage / X-Business-Use-Case-Usage cover every call
            rate_key=account_key("meta", config.base_url, config.page_id),
        )

    def __repr__(self) -> str:
        return f"MetaConnector(page_id={self.config.page_id!r}, brand={self.config.brand!r})"

    def _graph(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Graph errors come as HTTP 400 with a code: 190 is an expired/invalid token, and
        4/17/32/613 are rate limits (https://developers.facebook.com/docs/graph-api/guides/error-handling)."""
        response = self.http.request(method, path, check=False, **kwargs)
        if response.status_code >= 400:
            try:
                error = response.json().get("error") or {}
            except (ValueError, AttributeError):
                error = {}
            code = error.get("code") if isinstance(error, dict) else None
            reason = str(error.get("message") if isinstance(error, dict) else "") or response.reason_phrase
            if code in (102, 190):
                raise AuthExpired(f"meta: token de página inválido o vencido ({reason})")
            if code in (4, 17, 32, 613, 80001):
                # Meta sends no Retry-After; X-Business-Use-Case-Usage estimates the minutes to wait.
                wait = meta_usage_wait(response.headers) or retry_after_seconds(response.headers, default=300)
                raise RateLimited(f"meta: límite de llamadas ({reason})", wait)
            raise_for_status(response, network="meta")
        return expect_dict(parse_json(response, network="meta") or {}, "la respuesta de Graph", network="meta")

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        return FetchResult(mentions=[], cursor=dict(cursor or {}))

    def test_connection(self) -> str:
        me = self._graph("GET", "/me", params={"fields": "id,name"})
        return str(me.get("name") or me.get("id"))

    # --- webhook -------------------------------------------------------------------------------
    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """The GET handshake: return hub.challenge only for our verify token."""
        expected = secret(self.config.verify_token)
        if params.get("hub.mode") != "subscribe" or not expected:
            raise SignatureError("meta: verificación de webhook inválida (hub.mode)")
        if not same(str(params.get("hub.verify_token") or ""), expected):
            raise SignatureError("meta: el verify_token no coincide")
        challenge = str(params.get("hub.challenge") or "")
        if not challenge or len(challenge) > 200:
            raise SignatureError("meta: falta hub.challenge")
        return challenge

    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        got = header(headers, SIGNATURE_HEADER)
        if not got:
            raise SignatureError(f"meta: falta el encabezado {SIGNATURE_HEADER}")
        if not same(got, hex_signature(secret(self.config.app_secret), body)):
            raise SignatureError("meta: la firma X-Hub-Signature-256 no coincide")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[MentionIn]:
        if len(body) > MAX_BODY_BYTES:
            raise PayloadError("meta: cuerpo del webhook demasiado grande")
        self.verify_signature(headers, body)
        try:
            data = json.loads(body)
        except ValueError:
            raise PayloadError("meta: el cuerpo del webhook no es JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
            raise PayloadError("meta: el webhook no trae «entry»")
        surface = data.get("object")
        if surface not in ("page", "instagram"):
            raise PayloadError(f"meta: objeto de webhook no soportado {str(surface)[:40]!r}")
        mentions: list[MentionIn] = []
        for entry in data["entry"]:
            if not isinstance(entry, dict):
                raise PayloadError("meta: entrada del webhook sin la forma documentada")
            changes: list[Any] = entry["changes"] if isinstance(entry.get("changes"), list) else []
            if "field" in entry and "value" in entry:  # Instagram examples also put one change inline
                changes = [*changes, {"field": entry["field"], "value": entry["value"]}]
            for change in changes:
                mention = self._change(surface, entry, change)
                if mention:
                    mentions.append(mention)
            for event in entry.get("messaging") or []:
                mention = self._message(surface, event)
                if mention:
                    mentions.append(mention)
        return mentions

    def _own_ids(self) -> set[str]:
        return {self.config.page_id, *([self.config.instagram_account_id] if self.config.instagram_account_id else [])}

    def _change(self, surface: str, entry: Mapping[str, Any], change: Any) -> MentionIn | None:
        if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
            raise PayloadError("meta: cambio sin «value»")
        value, fieldname = change["value"], change.get("field")
        author = value.get("from") if isinstance(value.get("from"), dict) else {}
        if str(author.get("id")) in self._own_ids():
            return None  # our own answers come back as events too
        if surface == "page" and fieldname == "feed":
            if value.get("item") != "comment" or value.get("verb") != "add":
                return None
            comment_id, post_id = value.get("comment_id"), value.get("post_id")
            if not isinstance(comment_id, str) or not isinstance(post_id, str):
                raise PayloadError("meta: comentario sin comment_id o post_id")
            parent = value.get("parent_id") if isinstance(value.get("parent_id"), str) else post_id
            return make_mention(
                {
                    "id": comment_id,
                    "created_at": _when(value.get("created_time") or entry.get("time")),
                    "channel": NETWORK_FB,
                    "brand": self.config.brand,
                    "author": {"handle": f"fb:{author.get('id') or 'desconocido'}", "name": author.get("name")},
                    "text": str(value.get("message") or ""),
                    "in_reply_to": parent,
                    "conversation_id": post_id,
                    "url": f"https://www.facebook.com/{post_id}?comment_id={comment_id.rsplit('_', 1)[-1]}",
                    "on_own_page": True,
                    "author_id": author.get("id"),
                },
                network="meta",
            )
        if surface == "instagram" and fieldname in ("comments", "live_comments"):
            media = value.get("media") if isinstance(value.get("media"), dict) else {}
            comment_id = value.get("id")
            if not isinstance(comment_id, str) or not media.get("id"):
                raise PayloadError("meta: comentario de Instagram sin id o media.id")
            parent = value.get("parent_id")
            return make_mention(
                {
                    "id": f"ig:{comment_id}",
                    "created_at": _when(entry.get("time")),
                    "channel": NETWORK_IG,
                    "brand": self.config.brand,
                    "author": {
                        "handle": f"@{author.get('username')}"
                        if author.get("username")
                        else f"ig:{author.get('id') or 'desconocido'}"
                    },
                    "text": str(value.get("text") or ""),
                    "in_reply_to": f"ig:{parent}" if isinstance(parent, str) else f"igmedia:{media['id']}",
                    "conversation_id": f"igmedia:{media['id']}",
                    "on_own_page": True,
                    "author_id": author.get("id"),
                    "media_product_type": media.get("media_product_type"),
                },
                network="meta",
            )
        return None

    def _message(self, surface: str, event: Any) -> MentionIn | None:
        if not isinstance(event, dict):
            raise PayloadError("meta: evento de mensajería sin la forma documentada")
        message = event.get("message")
        if not isinstance(message, dict) or message.get("is_echo"):
            return None  # deliveries, reads, and echoes of our own messages
        sender = str((event.get("sender") or {}).get("id") or "")
        mid = message.get("mid")
        if not sender or not isinstance(mid, str):
            raise PayloadError("meta: mensaje sin remitente o mid")
        if sender in self._own_ids():
            return None
        prefix, network = ("igdm", NETWORK_IG) if surface == "instagram" else ("fbdm", NETWORK_FB)
        user_prefix = "ig" if surface == "instagram" else "fb"
        text = message.get("text")
        if not isinstance(text, str):
            attachments = message.get("attachments") or []
            text = f"[{len(attachments)} adjunto(s)]" if attachments else ""
        return make_mention(
            {
                "id": f"{prefix}:{mid}",
                "created_at": _when(event.get("timestamp")),
                "channel": network,
                "brand": self.config.brand,
                "author": {"handle": f"{user_prefix}:{sender}"},
                "text": text,
                "conversation_id": f"{user_prefix}:{sender}",
                "private": True,
                "author_id": sender,
            },
            network="meta",
        )

    # --- answering -----------------------------------------------------------------------------
    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        if in_reply_to.startswith(("fbdm:", "igdm:")):
            raise PermanentError("meta: un mensaje privado se responde por privado, no en público")
        if in_reply_to.startswith("ig:"):
            comment = _graph_id(in_reply_to.removeprefix("ig:"))
            body = self._graph("POST", f"/{comment}/replies", data={"message": text})
            return SentItem(f"ig:{body.get('id')}", None)
        comment = _graph_id(in_reply_to)
        body = self._graph("POST", f"/{comment}/comments", data={"message": text})
        return SentItem(str(body.get("id")), None)

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        """Our own public answer under the comment, if any (Graph has no idempotency keys, so any
        answer of ours to that comment counts)."""
        if in_reply_to.startswith(("fbdm:", "igdm:")):
            return None
        if in_reply_to.startswith("ig:"):
            path, own, prefix = f"/{_graph_id(in_reply_to[3:])}/replies", self.config.instagram_account_id, "ig:"
        else:
            path, own, prefix = f"/{_graph_id(in_reply_to)}/comments", self.config.page_id, ""
        body = self._graph("GET", path, params={"fields": "id,from", "limit": "100"})
        for item in body.get("data") or []:
            if isinstance(item, dict) and str((item.get("from") or {}).get("id")) == str(own):
                return SentItem(f"{prefix}{item.get('id')}", None)
        return None

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        """A private reply to a comment when `in_reply_to` is one (the only way to open a DM with
        a commenter), else a message to the person's scoped id (`fb:<PSID>` / `ig:<IGSID>`)."""
        instagram = recipient.startswith("ig:") or bool(in_reply_to and in_reply_to.startswith(("ig:", "igdm:")))
        sender_id = self.config.instagram_account_id if instagram else self.config.page_id
        if not sender_id:
            raise PermanentError("meta: falta instagram_account_id en la configuración del canal")
        if in_reply_to and not in_reply_to.startswith(("fbdm:", "igdm:")):
            target: dict[str, str] = {"comment_id": _graph_id(in_reply_to.removeprefix("ig:"))}
        else:
            target = {"id": _graph_id(recipient.split(":", 1)[-1])}
        body = self._graph(
            "POST",
            f"/{_graph_id(sender_id)}/messages",
            json_body={"recipient": target, "messaging_type": "RESPONSE", "message": {"text": text}},
        )
        return SentItem(f"{'igdm' if instagram else 'fbdm'}:{body.get('message_id')}", None)

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        if action not in ("hide", "unhide"):
            raise NotSupported(f"meta: la acción «{action}» no está disponible; use ocultar el comentario")
        hidden = "true" if action == "hide" else "false"
        if target.startswith("ig:"):
            self._graph("POST", f"/{_graph_id(target.removeprefix('ig:'))}", data={"hide": hidden})
        else:
            self._graph("POST", f"/{_graph_id(target)}", data={"is_hidden": hidden})

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        result: dict[str, MetricsIn] = {}
        for external_id in external_ids:
            if external_id.startswith(("fbdm:", "igdm:")):
                continue
            try:
                if external_id.startswith("ig:"):
                    body = self._graph("GET", f"/{_graph_id(external_id[3:])}", params={"fields": "like_count"})
                    result[external_id] = MetricsIn(likes=int(body.get("like_count") or 0))
                else:
                    fields = {"fields": "like_count,comment_count"}
                    body = self._graph("GET", f"/{_graph_id(external_id)}", params=fields)
                    result[external_id] = MetricsIn(
                        likes=int(body.get("like_count") or 0),
                        replies=int(body.get("comment_count") or 0),
                    )
            except PermanentError:
                continue
        return result

    def close(self) -> None:
        self.http.close()
