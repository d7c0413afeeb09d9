"""RSS/Atom feeds (blogs, news, Google Alerts): conditional GET, entry dedupe, brand-term matching.

Each feed keeps its own cursor: the validators of the last 200 response (ETag, Last-Modified),
sent back as If-None-Match / If-Modified-Since so an unchanged feed costs a 304, and the ids of
recently seen entries (guid, else link), because feeds re-list old entries on every fetch.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
from pydantic import Field

from cauce.connectors.base import (
    ConfigError,
    Connector,
    ConnectorConfig,
    FetchResult,
    PayloadError,
    Sources,
    make_mention,
)
from cauce.connectors.html_text import html_to_text
from cauce.connectors.http import HttpClient
from cauce.connectors.terms import TermMatcher
from cauce.mentions.schemas import MAX_TEXT_CHARS, MentionIn

NETWORK = "rss"
SEEN_PER_FEED = 500


class RssConfig(ConnectorConfig):
    base_url: str | None = None  # a single feed; `feeds` for several
    feeds: list[str] = Field(default_factory=list)
    # Keep every entry (a feed that is already about the brand, e.g. a Google Alert); otherwise
    # only entries naming a brand term are kept.
    match_all: bool = False


def _entry_id(entry: Mapping[str, Any]) -> str:
    for key in ("id", "guid", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:500]
    digest = hashlib.sha256(f"{entry.get('title')}|{entry.get('published')}".encode()).hexdigest()
    return f"sha256:{digest[:40]}"


def _real_link(link: Any) -> str | None:
    """Google Alerts feeds link through a redirect (google.com/url?...&url=<article>); keep the article."""
    if not isinstance(link, str) or not link:
        return None
    parts = urlsplit(link)
    if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target and urlsplit(target[0]).scheme in ("http", "https"):
            return target[0]
    return link


def _entry_time(entry: Mapping[str, Any]) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return datetime.now(UTC)


def _entry_text(entry: Mapping[str, Any]) -> str:
    body = ""
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        body = str(content[0].get("value") or "")
    body = body or str(entry.get("summary") or "")
    title = html_to_text(str(entry.get("title") or ""))
    text = "\n\n".join(part for part in (title, html_to_text(body)) if part)
    return text[:MAX_TEXT_CHARS]


class RssConnector(Connector):
    kind = "rss"
    config_class = RssConfig

    def __init__(self, config: RssConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.feeds = list(dict.fromkeys([*([config.base_url] if config.base_url else []), *config.feeds]))
        if not self.feeds:
            raise ConfigError("rss: falta la URL del feed (base_url o feeds)")
        for url in self.feeds:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ConfigError(f"rss: URL de feed inválida {url[:100]!r}")
        self.matcher = TermMatcher(config.brand_terms)
        # Feeds are absolute URLs on many hosts: one client without a base URL.
        self.http = HttpClient(
            "", network=NETWORK, timeout_s=config.timeout_s, transport=transport, follow_redirects=True
        )

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        state = dict(cursor or {})
        feeds_state = dict(state.get("feeds") or {})
        mentions: list[MentionIn] = []
        errors: list[str] = []
        sources = Sources(NETWORK)
        for url in self.feeds:
            with sources.source(url[:100]):  # one broken feed never stops the others
                found, feeds_state[url] = self._fetch_feed(url, dict(feeds_state.get(url) or {}), errors)
                mentions += found
        state["feeds"] = feeds_state
        mentions.sort(key=lambda m: m.created_at)
        return sources.finish(FetchResult(mentions=mentions, cursor=state, errors=errors))

    def _fetch_feed(
        self, url: str, feed_state: dict[str, Any], errors: list[str]
    ) -> tuple[list[MentionIn], dict[str, Any]]:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        if feed_state.get("etag"):
            headers["If-None-Match"] = feed_state["etag"]
        if feed_state.get("modified"):
            headers["If-Modified-Since"] = feed_state["modified"]
        response = self.http.request("GET", url, headers=headers)
        if response.status_code == 304:
            return [], feed_state
        if response.status_code >= 300:
            raise PayloadError(f"rss: {url[:100]} respondió {response.status_code} sin contenido")
        parsed = feedparser.parse(
            response.content, response_headers={"content-type": response.headers.get("content-type", "")}
        )
        if parsed.get("bozo") and not parsed.get("entries"):
            raise PayloadError(f"rss: {url[:100]} no es un feed RSS/Atom válido")
        feed_title = str((parsed.get("feed") or {}).get("title") or urlsplit(url).hostname or url)
        seen = list(feed_state.get("seen") or [])
        seen_set = set(seen)
        found: list[MentionIn] = []
        for entry in parsed.get("entries") or []:
            entry_id = _entry_id(entry)
            if entry_id in seen_set:
                continue
            seen_set.add(entry_id)
            seen.append(entry_id)
            text = _entry_text(entry)
            matched = self.matcher.matches(text)
            if not matched and not self.config.match_all:
                continue
            author = str(entry.get("author") or feed_title)
            try:
                found.append(
                    make_mention(
                        {
                            "id": entry_id,
                            "created_at": _entry_time(entry),
                            "channel": NETWORK,
                            "brand": self.config.brand,
                            "author": {"handle": author[:300], "name": feed_title[:500]},
                            "text": text,
                            "url": _real_link(entry.get("link")),
                            "feed_url": url,
                            "matched_terms": matched,
                        },
                        network=NETWORK,
                    )
                )
            except PayloadError as exc:
                errors.append(exc.reason)
        feed_state["seen"] = seen[-SEEN_PER_FEED:]
        for header, key in (("etag", "etag"), ("last-modified", "modified")):
            if response.headers.get(header):
                feed_state[key] = response.headers[header]
        return found, feed_state

    def test_connection(self) -> str:
        response = self.http.request("GET", self.feeds[0])
        parsed = feedparser.parse(response.content)
        if parsed.get("bozo") and not parsed.get("entries"):
            raise PayloadError("rss: la URL no es un feed RSS/Atom válido")
        return str((parsed.get("feed") or {}).get("title") or self.feeds[0])

    def close(self) -> None:
        self.http.close()
