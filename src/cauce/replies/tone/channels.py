"""Length limits per channel and how each network counts characters."""

from __future__ import annotations

import re

# None means no practical limit for a reply (e-mail, internal notes).
CHANNEL_LIMITS: dict[str, int | None] = {
    "twitter": 280,
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "threads": 500,
    "instagram": 2200,
    "facebook": 8000,
    "youtube": 10000,
    "tiktok": 150,
    "telegram": 4096,
    "whatsapp": 4096,
    "email": None,
    "web": None,
    "none": None,
}

_URL = re.compile(r"https?://\S+")
# X counts links as 23 and most characters outside Latin/general punctuation as two.
_URL_WEIGHT = 23


def limit_for(channel: str | None) -> int | None:
    if not channel:
        return None
    return CHANNEL_LIMITS.get(channel.strip().lower())


def channel_length(text: str, channel: str | None) -> int:
    """Characters as the network counts them (X and Mastodon shorten links to 23)."""
    name = (channel or "").strip().lower()
    if name in {"twitter", "x", "mastodon"}:
        without_urls = _URL.sub("", text)
        urls = len(_URL.findall(text))
        if name == "mastodon":
            return len(without_urls) + urls * _URL_WEIGHT
        weighted = sum(2 if ord(ch) > 0x2FFF else 1 for ch in without_urls)
        return weighted + urls * _URL_WEIGHT
    return len(text)
