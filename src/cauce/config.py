"""Settings from the environment: every CAUCE_* variable, typed and validated in one place.

`get_settings()` reads them (cached until a CAUCE_* variable changes); a bad value stops with a
message naming the variable (`SettingsError`). Every variable is listed, with its default and
meaning, in the README ("Configuration"); tests/test_config.py checks that the README and this
class agree. Defaults need no set-up: SQLite in the user's data dir, every job in process.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)
ENV_PREFIX = "CAUCE_"


class SettingsError(ValueError):
    """A CAUCE_* variable has a value that cannot be used; the message names it."""


def _platform_data_dir() -> Path:
    return Path(user_data_dir("cauce", appauthor=False))


def parse_roles(spec: str) -> frozenset[JobRole]:
    """CAUCE_JOBS: `all`, `none` (or empty), or a comma list of roles (outbox, poll, stream, sweep, ...)."""
    words = [w.strip().lower() for w in spec.split(",") if w.strip()]
    if not words or words == ["none"]:
        return frozenset()
    if words == ["all"]:
        return frozenset(JobRole)
    unknown = [w for w in words if w not in JobRole.__members__]
    if unknown:
        raise ValueError(f"unknown job role(s) {', '.join(unknown)}; use all, none or a comma list of "
                         f"{', '.join(JobRole)}")
    return frozenset(JobRole(w) for w in words)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", env_ignore_empty=True,
                                      validate_default=True)

    # --- storage -------------------------------------------------------------------------------
    # Keys (secret.key, audit.key, audit signing key), audit anchors and the default SQLite database.
    data_dir: Path = Field(default_factory=_platform_data_dir)
    # SQLAlchemy URL; empty: sqlite:///<data dir>/cauce.db.
    database_url: str = ""
    # --- web -----------------------------------------------------------------------------------
    # Signs session cookies; generated per data dir when unset (see auth.service.secret_key).
    secret_key: str | None = Field(default=None, repr=False)
    base_url: str = "http://127.0.0.1:8000"
    # Peers (addresses or CIDR ranges, comma separated) whose X-Forwarded-For/-Proto are believed;
    # empty: none, the TCP peer is the client.
    trusted_proxies: str = ""
    # Days a new API token stays valid unless its creator asks otherwise.
    api_token_days: int = Field(default=90, ge=1)
    # Where htmx and Chart.js are served from; empty: the checkout's node_modules.
    node_modules: Path | None = None
    # --- cases ---------------------------------------------------------------------------------
    # A new complaint by the same person on the same brand within this window joins their open case.
    thread_window_hours: float = Field(default=72.0, gt=0)
    # How often the sweeps (SLA, identity, retention, audit checkpoint, crisis, adapters) run.
    sla_check_seconds: float = Field(default=30.0, gt=0)
    # --- background jobs -----------------------------------------------------------------------
    # Roles this process runs: all, none or a comma list (outbox, poll, stream, sweep, metrics,
    # retrain). Unset: all, except `cauce serve` with a broker (a web node only serves).
    jobs: str | None = None
    # Message broker of a multi-node installation (amqp://… RabbitMQ); empty: embedded, no broker.
    broker_url: str = Field(default="", repr=False)
    # Threads of a `cauce worker` consuming the broker's queues (multi-node mode).
    worker_threads: int = Field(default=4, ge=1, le=64)
    # Deprecated: CAUCE_BACKGROUND=0 means CAUCE_JOBS=none (logged as a warning).
    background: bool | None = None
    # --- operations ----------------------------------------------------------------------------
    # Log lines: text (one readable line) or json (one object per line, with request and job ids).
    log_format: str = "text"
    log_level: str = "INFO"
    # Who may read /metrics besides administrators: this bearer token (>= 32 characters) ...
    metrics_token: str | None = Field(default=None, repr=False)
    # ... and peers in these addresses or CIDR ranges (comma separated; empty: none).
    metrics_allow: str = ""
    # A worker's own /metrics (plain HTTP, no authentication) on this port; 0: off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_addr: str = "127.0.0.1"
    # --- credentials and audit -----------------------------------------------------------------
    # Key for channel credentials at rest (Fernet, urlsafe base64, 32 bytes); unset: secret.key in the data dir.
    encryption_key: str | None = Field(default=None, repr=False)
    # Audit chain key (at least 32 characters); unset: audit.key in the data dir.
    audit_key: str | None = Field(default=None, repr=False)
    # Where signed audit checkpoints are written; unset: <data dir>/audit-anchors.
    audit_anchor_dir: Path | None = None
    # Ed25519 key (PEM) that signs checkpoints; unset: a key file in the data dir.
    audit_signing_key_file: Path | None = None
    # At most one audit checkpoint per this many seconds.
    audit_checkpoint_seconds: float = Field(default=600.0, ge=0)
    # --- triage --------------------------------------------------------------------------------
    # Another trained models folder; unset: the models shipped in the package.
    triage_models: Path | None = None
    # Labelled corpus the adapters are guarded with; unset: data/corpus of the checkout.
    corpus: Path | None = None
    # --- reply drafts (optional LLM) -----------------------------------------------------------
    # OpenAI-compatible server (Ollama, vLLM, llama.cpp); unset: templates only.
    llm_base_url: str = ""
    llm_model: str = "llama3.1"
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_timeout: float = Field(default=30.0, gt=0)
    # --- crisis alerts -------------------------------------------------------------------------
    # Installation-wide alert targets, besides each brand playbook's own.
    crisis_webhook_url: str | None = None
    crisis_email_to: str = ""  # comma separated
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "cauce@localhost"
    smtp_user: str | None = None
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url"):
            folder = data.get("data_dir") or _platform_data_dir()
            data = {**data, "database_url": f"sqlite:///{Path(folder) / 'cauce.db'}"}
        return data

    @field_validator("trusted_proxies", "llm_base_url", "crisis_email_to", "broker_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        import ipaddress

        for part in (p.strip() for p in value.split(",")):
            if part:
                ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value.strip()

    @field_validator("jobs")
    @classmethod
    def _roles(cls, value: str | None) -> str | None:
        if value is not None:
            parse_roles(value)  # raises with the list of valid roles
        return value

    @field_validator("crisis_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    def job_roles(self, *, web: bool = False) -> frozenset[JobRole]:
        """The roles this process runs: CAUCE_JOBS, else all — except a web node of a cluster (`web`
        with CAUCE_BROKER_URL set), which only serves. CAUCE_BACKGROUND=0 still means none."""
        if self.jobs is not None:
            return parse_roles(self.jobs)
        if self.background is False:
            log.warning("CAUCE_BACKGROUND is deprecated: use CAUCE_JOBS=none (or a list of roles)")
            return frozenset()
        if web and self.broker_url:
            return frozenset()
        return frozenset(JobRole)

    @property
    def crisis_emails(self) -> list[str]:
        return [a.strip() for a in self.crisis_email_to.split(",") if a.strip()]

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of the environment; a bad value raises `SettingsError` naming the variable."""
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """`CAUCE_SMTP_PORT='x': Input should be a valid integer` for each bad variable."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else ""
        name = ENV_PREFIX + field.upper() if field else "CAUCE_*"
        value = os.environ.get(name)
        shown = "(hidden)" if value is not None and Settings.model_fields.get(field) is not None and \
            not Settings.model_fields[field].repr else repr(value)
        lines.append(f"{name}={shown}: {error['msg']}")
    return "Invalid configuration: " + "; ".join(lines)


@lru_cache(maxsize=8)
def _cached(environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings.from_env()


def get_settings() -> Settings:
    """The settings, read again whenever a CAUCE_* variable changed (cheap to call often)."""
    return _cached(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX))))


def default_data_dir() -> Path:
    return get_settings().data_dir


def default_database_url() -> str:
    return get_settings().database_url
