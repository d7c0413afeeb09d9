"""Settings from the environment (CAUCE_*), with defaults that need no set-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir


def default_data_dir() -> Path:
    return Path(os.environ.get("CAUCE_DATA_DIR") or user_data_dir("cauce", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'cauce.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Signs session cookies; generated per data dir when unset (see auth.service.secret_key).
    secret_key: str | None = None
    # A new complaint by the same person on the same brand within this window joins their open case.
    thread_window_hours: float = 72.0
    # How often the SLA scheduler looks for breaches.
    sla_check_seconds: float = 30.0
    # Key for channel credentials at rest (Fernet, urlsafe base64, 32 bytes).
    encryption_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    # Peers (addresses or CIDR ranges, comma separated) whose X-Forwarded-For/-Proto are believed;
    # empty: none, the TCP peer is the client.
    trusted_proxies: str = ""
    # Days a new API token stays valid unless its creator asks otherwise.
    api_token_days: int = 90

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("CAUCE_DATABASE_URL") or default_database_url(),
            secret_key=env.get("CAUCE_SECRET_KEY") or None,
            thread_window_hours=float(env.get("CAUCE_THREAD_WINDOW_HOURS", "72")),
            sla_check_seconds=float(env.get("CAUCE_SLA_CHECK_SECONDS", "30")),
            encryption_key=env.get("CAUCE_ENCRYPTION_KEY") or None,
            base_url=env.get("CAUCE_BASE_URL", "http://127.0.0.1:8000"),
            trusted_proxies=env.get("CAUCE_TRUSTED_PROXIES", "").strip(),
            api_token_days=int(env.get("CAUCE_API_TOKEN_DAYS", "90")),
        )


def get_settings() -> Settings:
    return Settings.from_env()
