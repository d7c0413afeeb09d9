"""X API v2 (paid, optional): mentions timeline and recent search under a monthly read cap,
replies, DMs, hidden replies, block and mute; Account Activity webhook CRC and signatures.

Docs: https://docs.x.com/x-api . X bills per post read, so every read is counted in the
cursor (`usage`: month and posts read) and polling stops at `monthly_read_cap` until the
next month. Timelines are swept newest-first with `since_id` + pagination tokens (see sweep.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from cauce.connectors.base import (
    Connector,
    ConnectorConfig,
    FetchResult,
    ModerationAction,
    NotSupported,
    PayloadError,
    PermanentError,
    SentItem,
    SignatureError,
    Sources,
    make_mention,
    secret,
)
from cauce.connectors.http import HttpClient, account_key, expect_dict, expect_list
from cauce.connectors.signing import b64_signature, header, same
from cauce.connectors.sweep import Keyed, advance
from cauce.mentions.schemas import MentionIn, MetricsIn

NETWORK = "x"
TWEET_FIELDS = "created_at,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets,author_id,lang"
USER_FIELDS = "username,name,public_metrics,verified"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MAX_BODY_BYTES = 5_000_000


class XConfig(ConnectorConfig):
    base_url: str = "https://api.x.com"
    access_token: SecretStr  # OAuth 2.0 user-context token (reads and writes)
    user_id: str
    consumer_secret: SecretStr | None = None  # for webhook CRC and signatures
    search_query: str | None = None  # default: brand terms OR-ed, without retweets
    monthly_read_cap: int = 10_000
    page_limit: int = 100


def _key(tweet_id: str) -> str:
    return tweet_id.zfill(20)  # ids are up to 19 digits; padded they sort as numbers


def _safe_id(value: str) -> str:
    value = value.strip()
    if not value.isdigit() or len(value) > 20:
        raise PermanentError(f"x: identificador inválido {value[:40]!r}")
    return value


class XConnector(Connector):
    kind = "x"
    config_class = XConfig

    def __init__(self, config: XConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.http = HttpClient(
            config.base_url,
            network=NETWORK,
            timeout_s=config.timeout_s,
            transport=transport,
            auth=lambda: {"Authorization": f"Bearer {secret(config.access_token)}"},
            rate_scope="path",  # X limits each endpoint per user (x-rate-limit-* per endpoint)
            rate_key=account_key(NETWORK, config.base_url, secret(config.access_token)),
        )

    def __repr__(self) -> str:
        return f"XConnector(user_id={self.config.user_id!r}, brand={self.config.brand!r})"

    def query(self) -> str | None:
        if self.config.search_query:
            return self.config.search_query
        terms = [t.replace('"', "") for t in self.config.brand_terms if t.strip()]
        if not terms:
            return None
        return "(" + " OR ".join(f'"{t}"' for t in terms) + ") -is:retweet"

    # --- mapping -----------------------------------------------------------------------------
    def to_mention(self, tweet: Any, users: Mapping[str, Mapping[str, Any]], *, source: str) -> MentionIn:
        tweet = expect_dict(tweet, "el post", network=NETWORK)
        author = users.get(str(tweet.get("author_id"))) or {}
        username = author.get("username") or tweet.get("author_id") or "desconocido"
        metrics = tweet.get("public_metrics") or {}
        replied = next(
            (
                r.get("id")
                for r in tweet.get("referenced_tweets") or []
                if isinstance(r, dict) and r.get("type") == "replied_to"
            ),
            None,
        )
        return make_mention(
            {
                "id": str(tweet.get("id")),
                "created_at": tweet.get("created_at"),
                "channel": NETWORK,
                "brand": self.config.brand,
                "author": {
                    "handle": f"@{username}",
                    "name": author.get("name"),
                    "followers": int((author.get("public_metrics") or {}).get("followers_count") or 0),
                },
                "text": str(tweet.get("text") or ""),
                "in_reply_to": replied,
                "conversation_id": tweet.get("conversation_id"),
                "metrics": {
                    "likes": int(metrics.get("like_count") or 0),
                    "reposts": int(metrics.get("retweet_count") or 0) + int(metrics.get("quote_count") or 0),
                    "replies": int(metrics.get("reply_count") or 0),
                },
                "url": f"https://x.com/{username}/status/{tweet.get('id')}",
                "author_id": tweet.get("author_id"),
                "verified": author.get("verified"),
                "source": source,
                # The mentions timeline lists posts that mention the brand's account: addressed to it.
                "addressed_to_brand": source == "mentions",
            },
            network=NETWORK,
        )

    # --- reading -----------------------------------------------------------------------------
    @staticmethod
    def _usage(cursor: Mapping[str, Any]) -> dict[str, Any]:
        month = datetime.now(UTC).strftime("%Y-%m")
        usage = dict(cursor.get("usage") or {})
        return usage if usage.get("month") == month else {"month": month, "reads": 0}

    def _sweep(
        self, path: str, base: dict[str, Any], state: Mapping[str, Any], token_param: str, budget: int, source: str
    ) -> tuple[list[MentionIn], dict[str, Any], bool, int, list[str]]:
        params = dict(base)
        params.update({"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS})
        params["max_results"] = max(10, min(self.config.page_limit, 100, budget))
        if state.get("seen"):
            params["since_id"] = str(state["seen"]).lstrip("0")
        if state.get("token"):
            params[token_param] = state["token"]
        body = expect_dict(self.http.json("GET", path, params=params), "la línea de tiempo", network=NETWORK)
        tweets = expect_list(body.get("data") or [], "data", network=NETWORK)
        users = {str(u.get("id")): u for u in (body.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
        page: list[Keyed[dict[str, Any]]] = []
        errors: list[str] = []
        for tweet in tweets:
            if isinstance(tweet, dict) and str(tweet.get("id", "")).isdigit():
                page.append(Keyed(_key(str(tweet["id"])), str(tweet["id"]), tweet))
            else:
                errors.append("x: post sin id numérico")
        meta = body.get("meta") or {}
        step = advance(state, page, meta.get("next_token") if isinstance(meta.get("next_token"), str) else None)
        mentions = []
        for tweet in step.new:
            try:
                mentions.append(self.to_mention(tweet, users, source=source))
            except PayloadError as exc:
                errors.append(exc.reason)
        return mentions, step.state, step.more, len(tweets), errors

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        cursor = dict(cursor or {})
        usage = self._usage(cursor)
        found: dict[str, MentionIn] = {}
        errors: list[str] = []
        more = False
        sources: list[tuple[str, str, dict[str, Any], str, str]] = [
            ("mentions", f"/2/users/{_safe_id(self.config.user_id)}/mentions", {}, "pagination_token", "mentions")
        ]
        if self.query():
            sources.append(("search", "/2/tweets/search/recent", {"query": self.query()}, "next_token", "search"))
        isolated = Sources(NETWORK)
        for name, path, base, token_param, source in sources:
            budget = self.config.monthly_read_cap - int(usage["reads"])
            if budget <= 0:
                errors.append(
                    f"x: tope mensual de lecturas alcanzado ({self.config.monthly_read_cap}); se reanuda el próximo mes"
                )
                more = False
                break
            with isolated.source("menciones" if name == "mentions" else "búsqueda"):
                mentions, cursor[name], page_more, reads, page_errors = self._sweep(
                    path, base, cursor.get(name) or {}, token_param, budget, source
                )
                usage["reads"] = int(usage["reads"]) + reads
                errors += page_errors
                more = more or page_more
                for mention in mentions:
                    found.setdefault(mention.id, mention)
        cursor["usage"] = usage
        ordered = sorted(found.values(), key=lambda m: _key(m.id))
        return isolated.finish(FetchResult(mentions=ordered, cursor=cursor, more=more, errors=errors))

    def test_connection(self) -> str:
        me = expect_dict(self.http.json("GET", "/2/users/me"), "/2/users/me", network=NETWORK)
        data = me.get("data") or {}
        return f"@{data.get('username')}"

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        ids = [_safe_id(i) for i in external_ids]
        result: dict[str, MetricsIn] = {}
        for start in range(0, len(ids), 100):
            params = {"ids": ",".join(ids[start : start + 100]), "tweet.fields": "public_metrics"}
            body = expect_dict(self.http.json("GET", "/2/tweets", params=params), "posts", network=NETWORK)
            for tweet in body.get("data") or []:
                m = tweet.get("public_metrics") or {}
                result[str(tweet.get("id"))] = MetricsIn(
                    likes=int(m.get("like_count") or 0),
                    reposts=int(m.get("retweet_count") or 0) + int(m.get("quote_count") or 0),
                    replies=int(m.get("reply_count") or 0),
                )
        return result

    # --- writing -----------------------------------------------------------------------------
    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        body = {"text": text, "reply": {"in_reply_to_tweet_id": _safe_id(in_reply_to)}}
        data = expect_dict(self.http.json("POST", "/2/tweets", json_body=body), "el post", network=NETWORK).get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise PayloadError("x: la respuesta de POST /2/tweets no trae id")
        return SentItem(str(data["id"]), f"https://x.com/i/web/status/{data['id']}")

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        """Our own reply to the post, found with recent search (last 7 days; costs a few reads).
        X has no idempotency keys, so any reply of ours to that post counts."""
        query = f"in_reply_to_tweet_id:{_safe_id(in_reply_to)} from:{_safe_id(self.config.user_id)}"
        body = expect_dict(
            self.http.json("GET", "/2/tweets/search/recent", params={"query": query, "max_results": 10}),
            "la búsqueda",
            network=NETWORK,
        )
        for tweet in body.get("data") or []:
            if isinstance(tweet, dict) and tweet.get("id"):
                return SentItem(str(tweet["id"]), f"https://x.com/i/web/status/{tweet['id']}")
        return None

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        """`recipient` is the user id (numeric); X accepts it only if the person allows DMs from us."""
        user = _safe_id(recipient.removeprefix("x:"))
        data = expect_dict(
            self.http.json("POST", f"/2/dm_conversations/with/{user}/messages", json_body={"text": text}),
            "el mensaje",
            network=NETWORK,
        ).get("data")
        if not isinstance(data, dict) or not data.get("dm_event_id"):
            raise PayloadError("x: la respuesta del DM no trae dm_event_id")
        return SentItem(f"{data.get('dm_conversation_id')}:{data['dm_event_id']}", None)

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        me = _safe_id(self.config.user_id)
        if action in ("hide", "unhide"):
            body = {"hidden": action == "hide"}
            self.http.json("PUT", f"/2/tweets/{_safe_id(target)}/hidden", json_body=body)
        elif action == "mute":
            self.http.json("POST", f"/2/users/{me}/muting", json_body={"target_user_id": _safe_id(target)})
        elif action == "block":
            self.http.json("POST", f"/2/users/{me}/blocking", json_body={"target_user_id": _safe_id(target)})
        else:
            raise NotSupported(f"x: la acción «{action}» no existe en X")

    # --- webhooks (Account Activity) -----------------------------------------------------------
    def _consumer_secret(self) -> str:
        value = secret(self.config.consumer_secret)
        if not value:
            raise SignatureError("x: falta consumer_secret para los webhooks")
        return value

    def crc_response(self, crc_token: str) -> dict[str, str]:
        """Answer X's challenge-response check: base64 HMAC-SHA256 of crc_token, keyed by the consumer secret."""
        if not crc_token or len(crc_token) > 500:
            raise SignatureError("x: crc_token ausente o inválido")
        return {"response_token": b64_signature(self._consumer_secret(), crc_token.encode())}

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[MentionIn]:
        if len(body) > MAX_BODY_BYTES:
            raise PayloadError("x: cuerpo del webhook demasiado grande")
        got = header(headers, SIGNATURE_HEADER)
        if not got or not same(got, b64_signature(self._consumer_secret(), body)):
            raise SignatureError("x: la firma x-twitter-webhooks-signature no coincide")
        try:
            data = json.loads(body)
        except ValueError:
            raise PayloadError("x: el cuerpo del webhook no es JSON") from None
        if not isinstance(data, dict):
            raise PayloadError("x: evento de webhook sin la forma documentada")
        mentions = [self._v1_tweet(t) for t in data.get("tweet_create_events") or []]
        users: dict[str, Any] = data["users"] if isinstance(data.get("users"), dict) else {}
        for event in data.get("direct_message_events") or []:
            mention = self._v1_dm(event, users)
            if mention:
                mentions.append(mention)
        return [m for m in mentions if m is not None]

    def _v1_tweet(self, tweet: Any) -> MentionIn | None:
        if not isinstance(tweet, dict) or not isinstance(tweet.get("user"), dict):
            raise PayloadError("x: tweet_create_event sin usuario")
        user = tweet["user"]
        if str(user.get("id_str")) == self.config.user_id:
            return None  # our own post
        try:
            created = datetime.strptime(str(tweet.get("created_at")), "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            raise PayloadError("x: tweet_create_event con fecha inválida") from None
        ext: dict[str, Any] = tweet["extended_tweet"] if isinstance(tweet.get("extended_tweet"), dict) else {}
        return make_mention(
            {
                "id": str(tweet.get("id_str")),
                "created_at": created,
                "channel": NETWORK,
                "brand": self.config.brand,
                "author": {
                    "handle": f"@{user.get('screen_name')}",
                    "name": user.get("name"),
                    "followers": int(user.get("followers_count") or 0),
                },
                "text": str(ext.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""),
                "in_reply_to": tweet.get("in_reply_to_status_id_str"),
                "metrics": {
                    "likes": int(tweet.get("favorite_count") or 0),
                    "reposts": int(tweet.get("retweet_count") or 0) + int(tweet.get("quote_count") or 0),
                    "replies": int(tweet.get("reply_count") or 0),
                },
                "url": f"https://x.com/{user.get('screen_name')}/status/{tweet.get('id_str')}",
                "author_id": user.get("id_str"),
                "source": "webhook",
            },
            network=NETWORK,
        )

    def _v1_dm(self, event: Any, users: Mapping[str, Any]) -> MentionIn | None:
        if not isinstance(event, dict) or event.get("type") != "message_create":
            return None
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id") or "")
        if not sender or sender == self.config.user_id:
            return None
        profile: dict[str, Any] = users[sender] if isinstance(users.get(sender), dict) else {}
        stamp = str(event.get("created_timestamp") or "")
        if not stamp.isdigit():
            raise PayloadError("x: mensaje directo sin created_timestamp")
        return make_mention(
            {
                "id": f"dm:{event.get('id')}",
                "created_at": datetime.fromtimestamp(int(stamp) / 1000, UTC),
                "channel": NETWORK,
                "brand": self.config.brand,
                "author": {
                    "handle": f"@{profile['screen_name']}" if profile.get("screen_name") else f"x:{sender}",
                    "name": profile.get("name"),
                    "followers": int(profile.get("followers_count") or 0),
                },
                "text": str((create.get("message_data") or {}).get("text") or ""),
                "conversation_id": f"dm:{sender}",
                "private": True,
                "author_id": sender,
                "source": "webhook",
            },
            network=NETWORK,
        )

    def close(self) -> None:
        self.http.close()
