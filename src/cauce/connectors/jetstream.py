"""Bluesky Jetstream consumer: the whole network's new posts, filtered by brand terms.

Jetstream (https://github.com/bluesky-social/jetstream) streams JSON commit events. We ask only
for `app.bsky.feed.post` and resume from `cursor` = the last `time_us` processed. Each event is
decoded (C-speed json) and its text tested with the folded term matcher; only the ~1% that name
the brand are mapped to mentions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from cauce.connectors.backoff import Backoff
from cauce.connectors.base import PayloadError, make_mention
from cauce.connectors.terms import TermMatcher
from cauce.mentions.schemas import MentionIn

log = logging.getLogger(__name__)
NETWORK = "bluesky"
DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe"


@dataclass
class JetstreamFilter:
    """Pure, fast part: raw event text → mention or None. Tracks the cursor of every event seen."""

    brand: str
    matcher: TermMatcher
    cursor: int | None = None
    # Mentions already yielded at the cursor's microsecond: a reconnect replays that instant.
    _at_cursor: set[str] = field(default_factory=set)

    def feed(self, raw: str | bytes) -> MentionIn | None:
        try:
            event = json.loads(raw)
        except ValueError:
            raise PayloadError("jetstream: evento que no es JSON") from None
        if not isinstance(event, dict):
            raise PayloadError("jetstream: evento sin la forma documentada")
        time_us = event.get("time_us")
        if isinstance(time_us, int):
            # Replayed after a reconnect. Strictly older only: another event may share the
            # cursor's microsecond; the mentions already yielded at it are remembered instead.
            if self.cursor is not None and time_us < self.cursor:
                return None
            if time_us != self.cursor:
                self._at_cursor.clear()
            self.cursor = time_us
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict):
            return None
        if commit.get("operation") != "create" or commit.get("collection") != "app.bsky.feed.post":
            return None
        record = commit.get("record")
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise PayloadError("jetstream: publicación sin texto")
        if not self.matcher.search(record["text"]):
            return None
        mention = to_mention(event, commit, record, brand=self.brand, matched=self.matcher.matches(record["text"]))
        if mention.id in self._at_cursor:
            return None
        self._at_cursor.add(mention.id)
        return mention


def to_mention(
    event: dict[str, Any], commit: dict[str, Any], record: dict[str, Any], *, brand: str, matched: list[str]
) -> MentionIn:
    did, rkey = event.get("did"), commit.get("rkey")
    if not isinstance(did, str) or not isinstance(rkey, str):
        raise PayloadError("jetstream: evento sin did o rkey")
    uri = f"at://{did}/app.bsky.feed.post/{rkey}"
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = (reply.get("parent") or {}).get("uri") if reply else None
    root = (reply.get("root") or {}).get("uri") if reply else None
    created = record.get("createdAt")
    if not isinstance(created, str) and isinstance(event.get("time_us"), int):
        created = datetime.fromtimestamp(event["time_us"] / 1e6, UTC).isoformat()
    return make_mention(
        {
            "id": uri,
            "created_at": created,
            "channel": NETWORK,
            "brand": brand,
            # Jetstream carries only the DID; handle and followers are resolved later if needed.
            "author": {"handle": did},
            "text": record["text"],
            "in_reply_to": parent,
            "conversation_id": root or uri,
            "url": f"https://bsky.app/profile/{did}/post/{rkey}",
            "author_did": did,
            "cid": commit.get("cid"),
            "source": "jetstream",
            "matched_terms": matched,
        },
        network=NETWORK,
    )


def subscribe_url(base_url: str, cursor: int | None) -> str:
    params: list[tuple[str, str]] = [("wantedCollections", "app.bsky.feed.post")]
    if cursor:
        params.append(("cursor", str(cursor)))
    return f"{base_url}?{urlencode(params)}"


async def consume(
    filt: JetstreamFilter,
    *,
    url: str = DEFAULT_URL,
    max_reconnects: int | None = None,
    backoff: Backoff | None = None,
) -> AsyncIterator[MentionIn]:
    """Yield brand mentions forever, reconnecting from `filt.cursor` (persist it regularly).

    Events older than the cursor are skipped after a reconnect, so a replay does not duplicate.
    """
    import websockets

    backoff = backoff or Backoff(base_s=1.0, cap_s=60.0)
    attempt = 0
    while True:
        try:
            async with websockets.connect(subscribe_url(url, filt.cursor), max_size=2**21, compression=None) as ws:
                attempt = 0
                async for raw in ws:
                    try:
                        mention = filt.feed(raw)
                    except PayloadError as exc:
                        log.warning("%s", exc)
                        continue
                    if mention is not None:
                        yield mention
        except (OSError, websockets.WebSocketException, TimeoutError) as exc:
            log.warning("jetstream disconnected: %s", type(exc).__name__)
        if max_reconnects is not None and attempt >= max_reconnects:
            return
        await asyncio.sleep(backoff.delay(attempt))
        attempt += 1


PUBLIC_APPVIEW = "https://public.api.bsky.app"
_PROFILES_PER_CALL = 25  # app.bsky.actor.getProfiles accepts at most 25 actors


class ProfileLookup:
    """Handle, name and followers of Jetstream authors, from the AppView's public getProfiles.

    Jetstream events carry only the author's DID: without the profile the mention keeps a DID as
    handle and 0 followers, so its reach is never scored and the same customer seen through the
    notifications of a polled Bluesky channel becomes a second person. Profiles are cached; a
    failing AppView leaves the mentions as they are (they are never held back or lost).
    """

    def __init__(self, base_url: str = PUBLIC_APPVIEW, *, cache_size: int = 5000, timeout_s: float = 10.0,
                 transport: Any = None) -> None:
        from cauce.connectors.http import HttpClient

        self.http = HttpClient(base_url, network=NETWORK, timeout_s=timeout_s, transport=transport)
        self.cache: dict[str, dict[str, Any]] = {}
        self.cache_size = cache_size

    def fill(self, mentions: list[MentionIn]) -> list[MentionIn]:
        wanted = list(dict.fromkeys(m.author.handle for m in mentions if m.author.handle.startswith("did:")))
        missing = [did for did in wanted if did not in self.cache]
        for start in range(0, len(missing), _PROFILES_PER_CALL):
            try:
                self._fetch(missing[start:start + _PROFILES_PER_CALL])
            except Exception as exc:  # the AppView is optional for ingest: keep the DIDs this time
                log.warning("jetstream: perfiles no disponibles (%s)", exc)
                break
        return [self._with_profile(m) for m in mentions]

    def _fetch(self, dids: list[str]) -> None:
        from cauce.connectors.http import expect_dict, expect_list

        body = expect_dict(self.http.json("GET", "/xrpc/app.bsky.actor.getProfiles", params={"actors": dids}),
                           "getProfiles", network=NETWORK)
        if len(self.cache) + len(dids) > self.cache_size:
            self.cache.clear()
        for profile in expect_list(body.get("profiles", []), "profiles", network=NETWORK):
            if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                self.cache[profile["did"]] = profile

    def _with_profile(self, mention: MentionIn) -> MentionIn:
        profile = self.cache.get(mention.author.handle)
        if profile is None or not isinstance(profile.get("handle"), str):
            return mention
        author = mention.author.model_copy(update={
            "handle": f"@{profile['handle']}",
            "name": profile.get("displayName") or mention.author.name,
            "followers": max(0, int(profile.get("followersCount") or 0)),
        })
        from cauce.connectors.bluesky import post_url

        return mention.model_copy(update={"author": author, "url": post_url(profile["handle"], mention.id)})

    def close(self) -> None:
        self.http.close()
