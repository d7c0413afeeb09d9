"""Webhook signature helpers shared by the generic, Meta and X webhooks: HMAC, constant-time
comparison, and a replay guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Protocol


def hmac_sha256(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def hex_signature(secret: str | bytes, message: bytes) -> str:
    return "sha256=" + hmac_sha256(secret, message).hex()


def b64_signature(secret: str | bytes, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac_sha256(secret, message)).decode()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison (no early exit that leaks how much matched)."""
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), "")


class ReplayGuard(Protocol):
    def first_time(self, key: str, *, ttl_s: float) -> bool:
        """True the first time `key` is seen within `ttl_s`; False for a replay."""


class MemoryReplayGuard:
    """Process-local replay memory, bounded in size. Several workers need a shared store
    (the database); this one is enough for one process and for tests."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max = max_keys
        self._lock = threading.Lock()

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            expires = self._seen.get(key)
            if expires is not None and expires >= now:
                return False
            self._seen.pop(key, None)
            self._seen[key] = now + ttl_s
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return True
