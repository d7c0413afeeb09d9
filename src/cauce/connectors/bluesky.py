"""Bluesky (AT Protocol): notifications, searchPosts, replies, chat DMs, block, mute, hidden replies.

Lexicons: https://docs.bsky.app/docs/category/http-reference . All calls go to the account's
PDS, which proxies app.bsky.* to the AppView and chat.bsky.* to the chat service (with the
`atproto-proxy` header). createSession is tightly rate-limited, so a session is created once,
refreshed with refreshSession when the access JWT expires, and can be persisted by the caller
(`session` in, `on_session` out).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

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
    SentItem,
    Sources,
    make_mention,
    secret,
)
from cauce.connectors.http import HttpClient, account_key, expect_dict, expect_list, parse_json, raise_for_status
from cauce.connectors.sweep import Keyed, advance
from cauce.mentions.schemas import MentionIn, MetricsIn

NETWORK = "bluesky"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
POST = "app.bsky.feed.post"
MENTION_REASONS = {"mention", "reply", "quote"}
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# A post found by a source: (item, author, record, source, notification reason).
_Found = tuple[dict[str, Any], dict[str, Any], dict[str, Any], str, str | None]
# Sessions shared by every connector of the same account in this process: the outbox and the
# poller build connectors freely without each one calling the rate-limited createSession.
_SESSIONS: dict[tuple[str, str, str], dict[str, Any]] = {}


class BlueskyConfig(ConnectorConfig):
    base_url: str = "https://bsky.social"
    identifier: str  # handle or DID
    app_password: SecretStr
    search_terms: list[str] | None = None  # default: brand_terms
    # Ingest direct messages (the app password must allow DM access). The first cycle only
    # positions the cursor at the end of the chat log: older conversations are not imported.
    read_dms: bool = True
    page_limit: int = 50


def canonical_time(value: Any) -> str:
    """Timestamps from different services differ in precision and zone; compare them canonically."""
    if not isinstance(value, str):
        raise PayloadError("bluesky: fecha ausente o inválida")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"bluesky: fecha inválida {value[:40]!r}") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def tid_for_key(key: str, created_at: datetime | None = None) -> str:
    """A record key in TID syntax derived from the idempotency key: the same key → the same rkey,
    so a retried createRecord cannot publish a second post.

    A TID is microseconds since 1970 (53 bits) and a 10-bit clock id. With the reply's creation
    time the key decodes to when the reply was written and the clock id comes from the key; without
    it (replies queued before this existed) the whole TID is the key's hash, as it used to be.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    if created_at is None:
        number = digest & (2**63 - 1)
    else:
        micros = int(created_at.astimezone(UTC).timestamp() * 1_000_000) & (2**53 - 1)
        number = (micros << 10) | (digest & 1023)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MAX_POST_GRAPHEMES = 300
MAX_POST_BYTES = 3000


def approx_graphemes(text: str) -> int:
    """Graphemes as the post lexicon counts them, approximated without a Unicode segmentation
    library: combining marks, joiners, variation selectors and skin tones do not add one."""
    return sum(
        1
        for char in text
        if not unicodedata.category(char).startswith("M")
        and char not in "\u200d\ufe0e\ufe0f"
        and not 0x1F3FB <= ord(char) <= 0x1F3FF
        and not 0xE0020 <= ord(char) <= 0xE007F
    )


def link_facets(text: str) -> list[dict[str, Any]]:
    """Rich-text facets so links are clickable; indexes are UTF-8 byte offsets, as the lexicon says."""
    facets = []
    for found in _LINK.finditer(text):
        start = len(text[: found.start()].encode())
        end = start + len(found.group(0).encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": found.group(0)}],
            }
        )
    return facets


# A handle as the rich-text docs define it (a domain name), after a start, a space or a bracket.
_MENTION = re.compile(
    r"(?:^|(?<=[\s(\[{\"'¡¿]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)


def mention_facets(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Mention facets for every @handle that resolves to a DID; indexes are UTF-8 byte offsets.

    Without the facet "@ana.bsky.social" is plain text: nobody is notified and nothing links.
    """
    facets = []
    for found in _MENTION.finditer(text):
        did = resolve(found.group(1).lower())
        if did is None:
            continue
        start = len(text[: found.start()].encode())
        end = start + len(found.group(0).encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        )
    return facets


def _fits(text: str) -> bool:
    return approx_graphemes(text) <= MAX_POST_GRAPHEMES and len(text.encode()) <= MAX_POST_BYTES


def check_post_text(text: str) -> None:
    if not text.strip():
        raise PermanentError("bluesky: el mensaje está vacío", 422)
    if not _fits(text):
        raise PermanentError(f"bluesky: el mensaje supera {MAX_POST_GRAPHEMES} caracteres", 422)


def split_uri(uri: str) -> tuple[str, str, str]:
    """at://did/collection/rkey → (did, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/") if isinstance(uri, str) and uri.startswith("at://") else []
    if len(parts) != 3 or not all(parts):
        raise PermanentError(f"bluesky: URI AT inválida {str(uri)[:80]!r}")
    return parts[0], parts[1], parts[2]


def post_url(handle_or_did: str, uri: str) -> str:
    return f"https://bsky.app/profile/{handle_or_did}/post/{split_uri(uri)[2]}"


class BlueskyConnector(Connector):
    kind = "bluesky"
    config_class = BlueskyConfig
    local_actions: ClassVar[Mapping[str, str]] = {
        "mute": "En Bluesky silenciar la cuenta en la red ocultaría sus menciones futuras a la marca; "
                "se silencia solo en Cauce, que sigue registrándolas.",
    }

    def __init__(
        self,
        config: BlueskyConfig,
        *,
        session: Mapping[str, Any] | None = None,
        on_session: Callable[[dict[str, Any]], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        # The password is part of the key: a wrong app password must not ride on a cached session.
        password = hashlib.sha256(secret(config.app_password).encode()).hexdigest()
        self._session_key = (config.base_url.rstrip("/"), config.identifier.lower(), password)
        self.session: dict[str, Any] | None = dict(session) if session else _SESSIONS.get(self._session_key)
        self._on_session = on_session
        self.http = HttpClient(config.base_url, network=NETWORK, timeout_s=config.timeout_s, transport=transport,
                               rate_key=account_key(NETWORK, *self._session_key[:2]))

    def __repr__(self) -> str:
        return f"BlueskyConnector(base_url={self.config.base_url!r}, identifier={self.config.identifier!r})"

    # --- session -----------------------------------------------------------------------------
    def _store(self, body: Any) -> dict[str, Any]:
        body = expect_dict(body, "la sesión", network=NETWORK)
        if not all(isinstance(body.get(k), str) for k in ("accessJwt", "refreshJwt", "did")):
            raise PayloadError("bluesky: la sesión no trae accessJwt/refreshJwt/did")
        self.session = {k: body.get(k) for k in ("accessJwt", "refreshJwt", "did", "handle")}
        _SESSIONS[self._session_key] = self.session
        if self._on_session:
            self._on_session(dict(self.session))
        return self.session

    def _create_session(self) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json_body={"identifier": self.config.identifier, "password": secret(self.config.app_password)},
            check=False,
        )
        if response.status_code in (400, 401) and _error_name(response) in {
            "AuthenticationRequired",
            "AccountTakedown",
            "InvalidRequest",
            "",
        }:
            _SESSIONS.pop(self._session_key, None)
            raise AuthExpired(
                "bluesky: usuario o contraseña de aplicación rechazados "
                f"({_error_name(response) or response.status_code})"
            )
        raise_for_status(response, network=NETWORK)
        return self._store(parse_json(response, network=NETWORK))

    def _refresh_session(self) -> dict[str, Any] | None:
        assert self.session is not None
        response = self.http.request(
            "POST",
            "/xrpc/com.atproto.server.refreshSession",
            headers={"Authorization": f"Bearer {self.session['refreshJwt']}"},
            check=False,
        )
        if response.status_code in (400, 401):
            return None  # refresh token expired or revoked: a new session is needed
        raise_for_status(response, network=NETWORK)
        return self._store(parse_json(response, network=NETWORK))

    def _xrpc(
        self, method: str, nsid: str, *, params: Any = None, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        if self.session is None:
            self._create_session()
        for attempt in range(3):
            assert self.session is not None
            merged = {"Authorization": f"Bearer {self.session['accessJwt']}", **(headers or {})}
            response = self.http.request(
                method, f"/xrpc/{nsid}", params=params, json_body=body, headers=merged, check=False
            )
            if response.status_code in (400, 401) and _session_expired(response):
                if attempt == 0 and self._refresh_session() is not None:
                    continue
                if attempt <= 1:
                    self._create_session()
                    continue
            raise_for_status(response, network=NETWORK)
            return parse_json(response, network=NETWORK)
        raise AuthExpired("bluesky: la sesión no pudo renovarse")

    @property
    def did(self) -> str:
        if self.session is None:
            self._create_session()
        assert self.session is not None
        return str(self.session["did"])

    def test_connection(self) -> str:
        self._create_session() if self.session is None else self._xrpc("GET", "com.atproto.server.getSession")
        assert self.session is not None
        return str(self.session.get("handle") or self.session["did"])

    # --- reading -----------------------------------------------------------------------------
    def get_posts(self, uris: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uris), 25):
            body = expect_dict(
                self._xrpc("GET", "app.bsky.feed.getPosts", params={"uris": uris[start : start + 25]}),
                "getPosts",
                network=NETWORK,
            )
            for post in expect_list(body.get("posts", []), "posts", network=NETWORK):
                if isinstance(post, dict) and isinstance(post.get("uri"), str):
                    found[post["uri"]] = post
        return found

    def get_profiles(self, actors: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(actors), 25):
            body = expect_dict(
                self._xrpc("GET", "app.bsky.actor.getProfiles", params={"actors": actors[start : start + 25]}),
                "getProfiles",
                network=NETWORK,
            )
            for profile in expect_list(body.get("profiles", []), "profiles", network=NETWORK):
                if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                    found[profile["did"]] = profile
        return found

    def to_mention(
        self,
        *,
        uri: Any,
        author: Any,
        record: Any,
        post: Mapping[str, Any] | None = None,
        followers: int = 0,
        source: str,
        reason: str | None = None,
    ) -> MentionIn:
        author = expect_dict(author, "el autor", network=NETWORK)
        record = expect_dict(record, "el registro", network=NETWORK)
        post = post or {}
        reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
        parent = (reply.get("parent") or {}).get("uri") if reply else None
        root = (reply.get("root") or {}).get("uri") if reply else None
        handle = str(author.get("handle") or author.get("did") or "")
        try:
            return make_mention(
                dict(
                    id=uri,
                    created_at=record.get("createdAt") or post.get("indexedAt"),
                    channel=NETWORK,
                    brand=self.config.brand,
                    author={"handle": f"@{handle}", "name": author.get("displayName") or None, "followers": followers},
                    text=str(record.get("text") or ""),
                    in_reply_to=parent,
                    conversation_id=root or uri,
                    metrics={
                        "likes": int(post.get("likeCount") or 0),
                        "reposts": int(post.get("repostCount") or 0) + int(post.get("quoteCount") or 0),
                        "replies": int(post.get("replyCount") or 0),
                    },
                    url=post_url(handle, uri),
                    private=False,
                    author_did=author.get("did"),
                    cid=post.get("cid"),
                    reason=reason,
                    source=source,
                    # The network notified the brand's account (a mention, a reply to it, a quote of it):
                    # addressed to the brand, so never judged noise (`mentions.service._addressed`).
                    addressed_to_brand=source == "notification",
                ),
                network=NETWORK,
            )
        except (ValueError, TypeError) as exc:
            raise PayloadError(f"bluesky: publicación {str(uri)[:80]!r} con forma inesperada ({exc})") from None

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        before = dict(cursor or {})
        cursor = dict(before)
        result = FetchResult(mentions=[], cursor=cursor)
        sources = Sources(NETWORK)
        limit = max(1, min(self.config.page_limit, 100))
        found: list[_Found] = []
        with sources.source("notificaciones"):
            found += self._fetch_notifications(cursor, result, limit)
        searches = dict(cursor.get("search") or {})
        terms = self.config.search_terms if self.config.search_terms is not None else self.config.brand_terms
        for term in terms:
            with sources.source(f"búsqueda «{term}»"):
                found += self._fetch_search(term, searches, result, limit)
        if searches:
            cursor["search"] = searches
        if found:
            enriched: list[MentionIn] | None = None
            with sources.source("detalles de las publicaciones"):
                enriched = self._enrich(found, result.errors)
            if enriched is None:  # without their details the posts cannot be stored: read them again
                for key in ("notifications", "search"):
                    if key in before:
                        cursor[key] = before[key]
                    else:
                        cursor.pop(key, None)
                result.more = False
            else:
                result.mentions = enriched
        if self.config.read_dms:
            with sources.source("mensajes directos"):
                dms, cursor["chat"], chat_more = self._fetch_dms(before.get("chat"), result.errors)
                result.mentions += dms
                result.more = result.more or chat_more
        return sources.finish(result)

    def _fetch_notifications(self, cursor: dict[str, Any], result: FetchResult, limit: int) -> list[_Found]:
        state = cursor.get("notifications") or {}
        params: dict[str, Any] = {"limit": limit}
        if state.get("token"):
            params["cursor"] = state["token"]
        body = expect_dict(
            self._xrpc("GET", "app.bsky.notification.listNotifications", params=params),
            "listNotifications",
            network=NETWORK,
        )
        page = self._keyed(body.get("notifications", []), "notifications", result.errors)
        step = advance(state, page, body.get("cursor") if isinstance(body.get("cursor"), str) else None)
        cursor["notifications"] = step.state
        result.more = result.more or step.more
        return [
            (item, item.get("author") or {}, item["record"], "notification", item.get("reason"))
            for item in step.new
            if item.get("reason") in MENTION_REASONS and isinstance(item.get("record"), dict)
        ]

    def _fetch_search(
        self, term: str, searches: dict[str, Any], result: FetchResult, limit: int
    ) -> list[_Found]:
        term_state = searches.get(term) or {}
        params: dict[str, Any] = {"q": term, "sort": "latest", "limit": limit}
        if term_state.get("token"):
            params["cursor"] = term_state["token"]
        body = expect_dict(
            self._xrpc("GET", "app.bsky.feed.searchPosts", params=params), "searchPosts", network=NETWORK
        )
        page = self._keyed(body.get("posts", []), "posts", result.errors)
        step = advance(term_state, page, body.get("cursor") if isinstance(body.get("cursor"), str) else None)
        searches[term] = step.state
        result.more = result.more or step.more
        return [(p, p.get("author") or {}, p.get("record") or {}, f"search:{term}", None) for p in step.new]

    @staticmethod
    def _keyed(items: Any, what: str, errors: list[str]) -> list[Keyed[dict[str, Any]]]:
        """A page's items keyed for the sweep; a malformed item is reported and skipped."""
        page: list[Keyed[dict[str, Any]]] = []
        for item in expect_list(items, what, network=NETWORK):
            try:
                item = expect_dict(item, "el elemento", network=NETWORK)
                page.append(Keyed(canonical_time(item.get("indexedAt")), str(item["uri"]), item))
            except PayloadError as exc:
                errors.append(exc.reason)
            except KeyError as exc:
                errors.append(f"bluesky: elemento sin el campo {exc}")
        return page

    def _chat_log(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            body = self._xrpc("GET", "chat.bsky.convo.getLog", params=params, headers={"atproto-proxy": CHAT_PROXY})
        except AuthExpired as exc:  # "Bad token scope": the app password lacks DM access, the login is fine
            raise PermanentError(f"bluesky: la contraseña de aplicación no permite leer mensajes directos "
                                 f"({exc.reason})", 401) from None
        return expect_dict(body, "getLog", network=NETWORK)

    def _fetch_dms(self, chat_cursor: Any, errors: list[str]) -> tuple[list[MentionIn], str | None, bool]:
        """New messages from chat.bsky.convo.getLog, one page per cycle."""
        start = chat_cursor if isinstance(chat_cursor, str) else None
        if start is None:  # first cycle: skip to the end of the log (bounded)
            position: str | None = None
            for _ in range(50):
                params = {"cursor": position} if position else {}
                body = self._chat_log(params)
                following = body.get("cursor") if isinstance(body.get("cursor"), str) else None
                if not body.get("logs") or following in (None, position):
                    return [], following or position or "", False
                position = following
            return [], position, True
        params = {"cursor": start} if start else {}
        body = self._chat_log(params)
        logs = expect_list(body.get("logs") or [], "logs", network=NETWORK)
        following = body.get("cursor") if isinstance(body.get("cursor"), str) else start
        messages = []
        for log_item in logs:
            if not isinstance(log_item, dict) or log_item.get("$type") != "chat.bsky.convo.defs#logCreateMessage":
                continue
            message: dict[str, Any] = log_item["message"] if isinstance(log_item.get("message"), dict) else {}
            sender = str((message.get("sender") or {}).get("did") or "")
            if sender and sender != self.did and isinstance(message.get("text"), str):
                messages.append((str(log_item.get("convoId") or ""), message, sender))
        profiles = self.get_profiles(list(dict.fromkeys(m[2] for m in messages))) if messages else {}
        mentions = []
        for convo_id, message, sender in messages:
            profile: dict[str, Any] = profiles.get(sender) or {}
            try:
                mentions.append(
                    make_mention(
                        {
                            "id": f"bskychat:{convo_id}:{message.get('id')}",
                            "created_at": message.get("sentAt"),
                            "channel": NETWORK,
                            "brand": self.config.brand,
                            "author": {
                                "handle": f"@{profile['handle']}" if profile.get("handle") else sender,
                                "name": profile.get("displayName") or None,
                                "followers": max(0, int(profile.get("followersCount") or 0)),
                            },
                            "text": message["text"],
                            "conversation_id": f"bskychat:{convo_id}",
                            "private": True,
                            "author_did": sender,
                            "convo_id": convo_id,
                            "source": "chat",
                        },
                        network=NETWORK,
                    )
                )
            except PayloadError as exc:
                errors.append(exc.reason)
        return mentions, following, bool(logs) and following != start

    def _enrich(self, found: list[_Found], errors: list[str]) -> list[MentionIn]:
        """Add engagement counts (getPosts) and followers (getProfiles), which notifications lack."""
        uris = list(dict.fromkeys(str(item.get("uri")) for item, *_ in found))
        dids = list(dict.fromkeys(str(author.get("did")) for _, author, *_ in found if author.get("did")))
        posts = self.get_posts(uris) if uris else {}
        profiles = self.get_profiles(dids) if dids else {}
        mentions: dict[str, MentionIn] = {}
        for item, author, record, source, reason in found:
            uri = str(item.get("uri"))
            if uri in mentions:
                continue
            try:
                followers = int((profiles.get(str(author.get("did"))) or {}).get("followersCount") or 0)
                mentions[uri] = self.to_mention(
                    uri=uri,
                    author=author,
                    record=record,
                    post=posts.get(uri) or item,
                    followers=max(0, followers),
                    source=source,
                    reason=reason,
                )
            except (PayloadError, PermanentError) as exc:
                errors.append(str(exc))
        return sorted(mentions.values(), key=lambda m: m.created_at)

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        posts = self.get_posts(list(external_ids))
        return {
            uri: MetricsIn(
                likes=int(p.get("likeCount") or 0),
                reposts=int(p.get("repostCount") or 0) + int(p.get("quoteCount") or 0),
                replies=int(p.get("replyCount") or 0),
            )
            for uri, p in posts.items()
        }

    def followers(self, actor: str) -> int:
        profile = expect_dict(
            self._xrpc("GET", "app.bsky.actor.getProfile", params={"actor": actor}), "el perfil", network=NETWORK
        )
        return int(profile.get("followersCount") or 0)

    # --- writing -----------------------------------------------------------------------------
    def _create_record(self, collection: str, record: dict[str, Any], rkey: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"repo": self.did, "collection": collection, "record": record}
        if rkey:
            body["rkey"] = rkey
        return expect_dict(
            self._xrpc("POST", "com.atproto.repo.createRecord", body=body), "createRecord", network=NETWORK
        )

    def _get_record(self, collection: str, rkey: str) -> dict[str, Any] | None:
        try:
            return expect_dict(
                self._xrpc(
                    "GET",
                    "com.atproto.repo.getRecord",
                    params={"repo": self.did, "collection": collection, "rkey": rkey},
                ),
                "getRecord",
                network=NETWORK,
            )
        except PermanentError as exc:
            if exc.status in (400, 404):
                return None
            raise

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        split_uri(in_reply_to)
        check_post_text(text)
        parent = self.get_posts([in_reply_to]).get(in_reply_to)
        if parent is None:
            raise PermanentError("bluesky: la publicación a responder no existe o no es visible", 404)
        customer = str((parent.get("author") or {}).get("handle") or "")
        if customer and f"@{customer}".lower() not in text.lower() and _fits(f"@{customer} {text}"):
            text = f"@{customer} {text}"  # the answer names the person, as an agent would on the app
        if not isinstance(parent.get("cid"), str):
            raise PayloadError("bluesky: la publicación a responder no trae cid")
        parent_ref = {"uri": str(parent["uri"]), "cid": str(parent["cid"])}
        reply = (parent.get("record") or {}).get("reply") or {}
        root = reply.get("root")
        root_ref: dict[str, Any] = (
            root if isinstance(root, dict) and root.get("uri") and root.get("cid") else parent_ref
        )
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": _now(),
            "langs": ["es"],
            "reply": {"root": {"uri": root_ref["uri"], "cid": root_ref["cid"]}, "parent": parent_ref},
        }
        facets = sorted(mention_facets(text, self._did_or_none) + link_facets(text),
                        key=lambda f: f["index"]["byteStart"])
        if facets:
            record["facets"] = facets
        # A retry re-uses the rkey, so the PDS refuses a second post (with HTTP 500); the outbox then
        # finds the first one through `find_existing_reply`.
        created = self._create_record(POST, record, tid_for_key(idempotency_key, created_at))
        return SentItem(
            str(created.get("uri")),
            post_url(str((self.session or {}).get("handle") or self.did), str(created.get("uri"))),
        )

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        # A reply queued before keys carried its time was posted under the key's hash alone.
        keys = dict.fromkeys([tid_for_key(idempotency_key, created_at), tid_for_key(idempotency_key)])
        for rkey in keys:
            found = self._get_record(POST, rkey)
            value = (found or {}).get("value") or {}
            if found and ((value.get("reply") or {}).get("parent") or {}).get("uri") == in_reply_to:
                uri = str(found.get("uri"))
                return SentItem(uri, post_url(str((self.session or {}).get("handle") or self.did), uri))
        return None

    def _did_or_none(self, handle: str) -> str | None:
        try:
            return self._resolve_did(handle)
        except (PermanentError, PayloadError):
            return None  # not a handle on this network: stays plain text

    def _resolve_did(self, actor: str) -> str:
        actor = actor.strip().removeprefix("@")
        if actor.startswith("did:"):
            return actor
        body = expect_dict(
            self._xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": actor}),
            "resolveHandle",
            network=NETWORK,
        )
        if not isinstance(body.get("did"), str):
            raise PayloadError("bluesky: resolveHandle no devolvió un DID")
        return str(body["did"])

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        did = self._resolve_did(recipient)
        proxy = {"atproto-proxy": CHAT_PROXY}
        convo = expect_dict(
            self._xrpc("GET", "chat.bsky.convo.getConvoForMembers", params={"members": [did]}, headers=proxy),
            "getConvoForMembers",
            network=NETWORK,
        )
        convo_id = (convo.get("convo") or {}).get("id")
        if not isinstance(convo_id, str):
            raise PayloadError("bluesky: getConvoForMembers no devolvió una conversación")
        sent = expect_dict(
            self._xrpc(
                "POST",
                "chat.bsky.convo.sendMessage",
                body={"convoId": convo_id, "message": {"text": text}},
                headers=proxy,
            ),
            "sendMessage",
            network=NETWORK,
        )
        return SentItem(f"{convo_id}:{sent.get('id')}", None)

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        if action == "block":
            self._create_record(
                "app.bsky.graph.block",
                {"$type": "app.bsky.graph.block", "subject": self._resolve_did(target), "createdAt": _now()},
            )
        elif action in ("mute", "unmute"):
            nsid = "app.bsky.graph.muteActor" if action == "mute" else "app.bsky.graph.unmuteActor"
            self._xrpc("POST", nsid, body={"actor": self._resolve_did(target)})
        elif action in ("hide", "unhide"):
            self._set_hidden(target, hidden=action == "hide")
        else:
            raise NotSupported(f"bluesky: la acción «{action}» no existe en Bluesky")

    def _set_hidden(self, reply_uri: str, *, hidden: bool) -> None:
        """Hidden replies live in the thread's threadgate record, keyed by the root post's rkey."""
        split_uri(reply_uri)
        post = self.get_posts([reply_uri]).get(reply_uri)
        if post is None:
            raise PermanentError("bluesky: la respuesta no existe o no es visible", 404)
        root_uri = (((post.get("record") or {}).get("reply") or {}).get("root") or {}).get("uri")
        if not root_uri:
            raise PermanentError("bluesky: solo se pueden ocultar respuestas, no publicaciones raíz")
        root_did, _, rkey = split_uri(root_uri)
        if root_did != self.did:
            raise PermanentError("bluesky: solo se pueden ocultar respuestas en hilos de la propia cuenta")
        existing = self._get_record("app.bsky.feed.threadgate", rkey)
        gate = dict(
            (existing or {}).get("value")
            or {"$type": "app.bsky.feed.threadgate", "post": root_uri, "createdAt": _now()}
        )
        hidden_replies = [u for u in gate.get("hiddenReplies") or [] if u != reply_uri]
        gate["hiddenReplies"] = [*hidden_replies, reply_uri] if hidden else hidden_replies
        self._xrpc(
            "POST",
            "com.atproto.repo.putRecord",
            body={"repo": self.did, "collection": "app.bsky.feed.threadgate", "rkey": rkey, "record": gate},
        )

    def close(self) -> None:
        self.http.close()


def _session_expired(response: httpx.Response) -> bool:
    """ExpiredToken, or InvalidToken that is not about scope: an app password without DM access
    gets "Bad token scope", which a new session would not fix (and createSession is rate-limited)."""
    name = _error_name(response)
    if name == "ExpiredToken":
        return True
    if name != "InvalidToken":
        return False
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    return "scope" not in message.lower()


def _error_name(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
