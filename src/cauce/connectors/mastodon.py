"""Mastodon: mention notifications, brand-term search, streaming, replies, DMs, block and mute.

API: https://docs.joinmastodon.org/methods/ . Polling pages *forward* with `min_id` (the page of
items immediately newer than the cursor), so a burst larger than one page is read in several
cycles without a gap, and the cursor never moves past an item that was not returned.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import Field, SecretStr

from cauce.connectors.backoff import Backoff
from cauce.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorConfig,
    FetchResult,
    ModerationAction,
    NotSupported,
    PayloadError,
    PermanentError,
    SentItem,
    Sources,
    make_mention,
    secret,
)
from cauce.connectors.html_text import html_to_text
from cauce.connectors.http import HttpClient, account_key, expect_dict, expect_list
from cauce.mentions.schemas import MentionIn, MetricsIn

log = logging.getLogger(__name__)
NETWORK = "mastodon"


class MastodonConfig(ConnectorConfig):
    base_url: str
    access_token: SecretStr
    search_terms: list[str] | None = None  # default: brand_terms
    hashtags: list[str] = Field(default_factory=list)
    streaming_url: str | None = None  # default: base_url (most servers proxy /api/v1/streaming)
    page_limit: int = 40


def _id_key(value: str) -> tuple[int, str]:
    # Mastodon ids are numeric strings of growing length; compare as numbers.
    return (int(value), value) if value.isdigit() else (0, value)


class MastodonConnector(Connector):
    kind = "mastodon"
    config_class = MastodonConfig

    def __init__(self, config: MastodonConfig, *, transport: Any = None) -> None:
        self.config = config
        self.host = urlsplit(config.base_url).hostname or "mastodon"
        self.http = HttpClient(
            config.base_url,
            network=NETWORK,
            timeout_s=config.timeout_s,
            transport=transport,
            auth=lambda: {"Authorization": f"Bearer {secret(config.access_token)}"},
            rate_scope="global",  # one budget (300 calls / 5 min) for every call of the account
            rate_key=account_key(NETWORK, config.base_url, secret(config.access_token)),
        )
        self._me: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"MastodonConnector(base_url={self.config.base_url!r}, brand={self.config.brand!r})"

    # --- mapping -----------------------------------------------------------------------------
    def _handle(self, account: Mapping[str, Any]) -> str:
        acct = str(account.get("acct") or account.get("username") or "")
        if not acct:
            raise PayloadError("mastodon: cuenta sin «acct»")
        return f"@{acct}" if "@" in acct else f"@{acct}@{self.host}"

    def to_mention(self, status: Any, *, source: str) -> MentionIn:
        status = expect_dict(status, "el estado", network=NETWORK)
        account = expect_dict(status.get("account"), "la cuenta del estado", network=NETWORK)
        text = html_to_text(str(status.get("content") or ""))
        if status.get("spoiler_text"):
            text = f"[{html_to_text(str(status['spoiler_text']))}]\n\n{text}"
        try:
            return make_mention(
                dict(
                    id=str(status["id"]),
                    created_at=status["created_at"],
                    channel=NETWORK,
                    brand=self.config.brand,
                    author={
                        "handle": self._handle(account),
                        "name": account.get("display_name") or account.get("username"),
                        "followers": max(0, int(account.get("followers_count") or 0)),
                    },
                    text=text,
                    in_reply_to=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
                    metrics={
                        "likes": max(0, int(status.get("favourites_count") or 0)),
                        "reposts": max(0, int(status.get("reblogs_count") or 0)),
                        "replies": max(0, int(status.get("replies_count") or 0)),
                    },
                    url=status.get("url") or status.get("uri"),
                    private=status.get("visibility") == "direct",
                    author_id=str(account.get("id") or ""),
                    visibility=status.get("visibility"),
                    language=status.get("language"),
                    source=source,
                    # A notification (polled or streamed) is the network telling the brand's account it
                    # was mentioned: addressed to the brand, never noise.
                    addressed_to_brand=source in ("notification", "stream:notification"),
                ),
                network=NETWORK,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PayloadError(f"mastodon: estado {status.get('id')!r} con forma inesperada ({exc})") from None

    # --- fetching ----------------------------------------------------------------------------
    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        cursor = dict(cursor or {})
        mentions: dict[str, MentionIn] = {}
        errors: list[str] = []
        more = False
        limit = max(1, min(self.config.page_limit, 80))

        sources = Sources(NETWORK)
        with sources.source("notificaciones"):
            params: list[tuple[str, str | int]] = [("types[]", "mention"), ("limit", limit)]
            if cursor.get("notifications_min_id"):
                params.append(("min_id", str(cursor["notifications_min_id"])))
            page = expect_list(
                self.http.json("GET", "/api/v1/notifications", params=params), "notificaciones", network=NETWORK
            )
            newest = cursor.get("notifications_min_id")
            for item in page:
                try:
                    item = expect_dict(item, "la notificación", network=NETWORK)
                    if newest is None or _id_key(str(item["id"])) > _id_key(str(newest)):
                        newest = str(item["id"])
                    if item.get("type") == "mention" and item.get("status"):
                        mention = self.to_mention(item["status"], source="notification")
                        mentions[mention.id] = mention
                except PayloadError as exc:
                    errors.append(exc.reason)
                except KeyError as exc:
                    errors.append(f"mastodon: elemento sin el campo {exc}")
            if newest:
                cursor["notifications_min_id"] = newest
            more = more or len(page) >= limit

        search_cursor = dict(cursor.get("search") or {})
        for term in self.config.search_terms if self.config.search_terms is not None else self.config.brand_terms:
            with sources.source(f"búsqueda «{term}»"):
                search_limit = min(limit, 40)  # the search endpoint's maximum
                query: dict[str, str | int] = {"q": term, "type": "statuses", "limit": search_limit,
                                               "resolve": "false"}
                if search_cursor.get(term):
                    query["min_id"] = search_cursor[term]
                body = expect_dict(self.http.json("GET", "/api/v2/search", params=query), "la búsqueda",
                                   network=NETWORK)
                statuses = expect_list(body.get("statuses", []), "statuses", network=NETWORK)
                for status in statuses:
                    status_id = str(status.get("id") or "") if isinstance(status, dict) else ""
                    # The cursor passes even a malformed status: it would fail the same way forever.
                    if status_id.isdigit() and (
                        not search_cursor.get(term) or _id_key(status_id) > _id_key(str(search_cursor[term]))
                    ):
                        search_cursor[term] = status_id
                    try:
                        mention = self.to_mention(status, source=f"search:{term}")
                    except PayloadError as exc:
                        errors.append(exc.reason)
                        continue
                    mentions.setdefault(mention.id, mention)
                more = more or len(statuses) >= search_limit
        if search_cursor:
            cursor["search"] = search_cursor
        ordered = sorted(mentions.values(), key=lambda m: _id_key(m.id))
        return sources.finish(FetchResult(mentions=ordered, cursor=cursor, more=more, errors=errors))

    def test_connection(self) -> str:
        return self._handle(self.me())

    def me(self) -> dict[str, Any]:
        if self._me is None:
            self._me = expect_dict(
                self.http.json("GET", "/api/v1/accounts/verify_credentials"), "la cuenta", network=NETWORK
            )
        return self._me

    def get_status(self, status_id: str) -> dict[str, Any]:
        return expect_dict(
            self.http.json("GET", f"/api/v1/statuses/{_safe_id(status_id)}"), "el estado", network=NETWORK
        )

    # --- sending -----------------------------------------------------------------------------
    def _post_status(self, body: dict[str, Any], idempotency_key: str) -> SentItem:
        # Mastodon keeps Idempotency-Key for an hour: a retried POST returns the same status.
        status = expect_dict(
            self.http.json("POST", "/api/v1/statuses", json_body=body, headers={"Idempotency-Key": idempotency_key}),
            "el estado publicado",
            network=NETWORK,
        )
        if "id" not in status:
            raise PayloadError("mastodon: el estado publicado no trae id")
        return SentItem(str(status["id"]), status.get("url"))

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        original = self.get_status(in_reply_to)
        account = expect_dict(original.get("account"), "la cuenta del estado", network=NETWORK)
        handle = f"@{account.get('acct')}"
        # Without the @mention the person is not notified of the answer.
        body_text = text if handle.lower() in text.lower() else f"{handle} {text}"
        # A direct message is never answered in public, whatever the caller asked.
        visibility = "direct" if original.get("visibility") == "direct" else "public"
        return self._post_status(
            {"status": body_text, "in_reply_to_id": in_reply_to, "visibility": visibility}, idempotency_key
        )

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        acct = recipient.removeprefix("@")
        if not acct:
            raise PermanentError("mastodon: falta el destinatario del mensaje privado")
        handle = f"@{acct}"
        body: dict[str, Any] = {
            "status": text if handle.lower() in text.lower() else f"{handle} {text}",
            "visibility": "direct",
        }
        if in_reply_to:
            body["in_reply_to_id"] = in_reply_to
        return self._post_status(body, idempotency_key)

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        """Our own direct answer in the thread, if any (the outbox calls this before re-sending)."""
        context = expect_dict(
            self.http.json("GET", f"/api/v1/statuses/{_safe_id(in_reply_to)}/context"), "el hilo", network=NETWORK
        )
        my_id = str(self.me().get("id"))
        for status in context.get("descendants") or []:
            if (
                isinstance(status, dict)
                and str(status.get("in_reply_to_id")) == in_reply_to
                and str((status.get("account") or {}).get("id")) == my_id
            ):
                return SentItem(str(status["id"]), status.get("url"))
        return None

    def _account_id(self, target: str) -> str:
        target = target.strip()
        if target.isdigit():
            return target
        account = expect_dict(
            self.http.json("GET", "/api/v1/accounts/lookup", params={"acct": target.removeprefix("@")}),
            "la cuenta",
            network=NETWORK,
        )
        return _safe_id(str(account.get("id") or ""))

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        if action not in ("block", "mute", "unmute"):
            raise NotSupported(f"mastodon: la acción «{action}» no existe; use bloquear o silenciar")
        # notifications=false: a muted account's later mentions must still reach the brand.
        body = {"notifications": False} if action == "mute" else None
        self.http.json("POST", f"/api/v1/accounts/{self._account_id(target)}/{action}", json_body=body)

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        result: dict[str, MetricsIn] = {}
        for status_id in external_ids:
            try:
                status = self.get_status(status_id)
            except PermanentError:
                continue  # deleted or no longer visible
            result[status_id] = MetricsIn(
                likes=max(0, int(status.get("favourites_count") or 0)),
                reposts=max(0, int(status.get("reblogs_count") or 0)),
                replies=max(0, int(status.get("replies_count") or 0)),
            )
        return result

    def followers(self, account_id: str) -> int:
        account = expect_dict(
            self.http.json("GET", f"/api/v1/accounts/{_safe_id(account_id)}"), "la cuenta", network=NETWORK
        )
        return max(0, int(account.get("followers_count") or 0))

    # --- streaming ---------------------------------------------------------------------------
    def streaming_url(self) -> str:
        base = (self.config.streaming_url or self.config.base_url).rstrip("/")
        base = "wss://" + base.removeprefix("https://") if base.startswith("https://") else base
        base = "ws://" + base.removeprefix("http://") if base.startswith("http://") else base
        return f"{base}/api/v1/streaming?{urlencode({'stream': 'user:notification'})}"

    def parse_stream_event(self, raw: str | bytes) -> MentionIn | None:
        """One streaming message → a mention, or None for events that are not mentions."""
        try:
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise ValueError("not an object")
            name = event.get("event")
            if name not in ("notification", "update"):
                return None
            payload = event.get("payload")
            payload = json.loads(payload) if isinstance(payload, str) else payload
        except (ValueError, TypeError) as exc:
            raise PayloadError(f"mastodon: evento de streaming inválido ({exc})") from None
        if name == "notification":
            payload = expect_dict(payload, "la notificación", network=NETWORK)
            if payload.get("type") != "mention" or not payload.get("status"):
                return None
            return self.to_mention(payload["status"], source="stream:notification")
        return self.to_mention(payload, source="stream:hashtag")

    async def stream(
        self, *, max_reconnects: int | None = None, backoff: Backoff | None = None
    ) -> AsyncIterator[MentionIn]:
        """Mentions from the user's notification stream and the configured hashtags, live.

        After a reconnect, run `fetch()` once: the stream has no replay, polling fills the gap.
        """
        import websockets

        backoff = backoff or Backoff(base_s=1.0, cap_s=60.0)
        attempt = 0
        headers = {"Authorization": f"Bearer {secret(self.config.access_token)}"}
        while True:
            try:
                async with websockets.connect(
                    self.streaming_url(), additional_headers=headers, max_size=2**22, open_timeout=self.config.timeout_s
                ) as ws:
                    for tag in self.config.hashtags:
                        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": tag.lstrip("#")}))
                    attempt = 0
                    async for raw in ws:
                        try:
                            mention = self.parse_stream_event(raw)
                        except PayloadError as exc:
                            log.warning("%s", exc)
                            continue
                        if mention is not None:
                            yield mention
            except websockets.InvalidStatus as exc:
                if exc.response.status_code == 401:
                    raise AuthExpired("mastodon: el streaming rechazó el token") from None
                log.warning("mastodon streaming refused: %s", exc.response.status_code)
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                log.warning("mastodon streaming disconnected: %s", type(exc).__name__)
            if max_reconnects is not None and attempt >= max_reconnects:
                return
            await asyncio.sleep(backoff.delay(attempt))
            attempt += 1

    def close(self) -> None:
        self.http.close()


def _safe_id(value: str) -> str:
    value = value.strip()
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise PermanentError(f"mastodon: identificador inválido {value[:40]!r}")
    return value
