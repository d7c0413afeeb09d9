"""Issue #16 (operations): who may read /metrics, what it says, and the request id on every response."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.observability import metrics
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

METRICS_TOKEN = "m" * 40


def _value(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition (0 when the series is absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not found or found.group(1) != name:
            continue
        have = ",".join(sorted(p for p in (found.group(2) or "").split(",") if p))
        if have == want:
            return float(found.group(3))
    return 0.0


@pytest.fixture
def tokens(db: Database) -> dict[str, str]:
    brand = make_brand(db)
    with db.session() as s:
        agent = auth.create_user(s, email="agente@a.co", name="Agente", role="agent", password="clave-segura-1",
                                 brand_ids=[brand.id], actor=SYSTEM)
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura-1",
                                 actor=SYSTEM)
        s.flush()
        return {"agent": auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM),
                "admin": auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)}


@pytest.fixture
def client(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CAUCE_METRICS_TOKEN", METRICS_TOKEN)
    monkeypatch.setenv("CAUCE_METRICS_ALLOW", "192.0.2.0/24")
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as c:
        yield c


def test_metrics_are_for_admins_the_metrics_token_and_allowed_peers(
        db: Database, client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {tokens['agent']}"}).status_code == 403
    admin = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert admin.status_code == 200 and admin.headers["content-type"].startswith("text/plain")
    by_token = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert by_token.status_code == 200 and "cauce_database_up 1.0" in by_token.text
    app = client.app
    allowed = TestClient(app, client=("192.0.2.7", 5000))
    assert allowed.get("/metrics").status_code == 200
    outside = TestClient(app, client=("198.51.100.7", 5000))
    assert outside.get("/metrics").status_code == 401
    # A forged X-Forwarded-For from an untrusted peer changes nothing (no CAUCE_TRUSTED_PROXIES).
    assert outside.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"}).status_code == 401


def test_a_short_metrics_token_or_a_bad_allow_list_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from cauce.config import SettingsError, get_settings

    monkeypatch.setenv("CAUCE_METRICS_TOKEN", "corto")
    with pytest.raises(SettingsError, match="CAUCE_METRICS_TOKEN=\\(hidden\\)"):
        get_settings()
    monkeypatch.setenv("CAUCE_METRICS_TOKEN", METRICS_TOKEN)
    monkeypatch.setenv("CAUCE_METRICS_ALLOW", "10.0.0.0/8, intranet")
    with pytest.raises(SettingsError, match="CAUCE_METRICS_ALLOW"):
        get_settings()


def test_metrics_count_committed_ingest_and_read_queues_from_the_database(db: Database, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    make_brand(db)
    before = client.get("/metrics", headers=headers).text
    with scripted_triage():
        results = list(mentions.ingest_batch(db.session, [mention(i, handle=f"@p{i}") for i in range(5)],
                                             batch_size=2, source="connector:7"))
        with pytest.raises(RuntimeError), db.session() as session:  # rolled back: never counted
            mentions.ingest_many(session, [mention(99, handle="@x")], source="connector:7")
            raise RuntimeError("rollback")
        with db.session() as session:  # a duplicate, committed
            mentions.ingest_one_safely(session, mention(1, handle="@p1"), source="api")
    assert [r.status for r in results] == ["created"] * 5
    after = client.get("/metrics", headers=headers).text
    created = (_value(after, "cauce_mentions_ingested_total", source="connector", outcome="created")
               - _value(before, "cauce_mentions_ingested_total", source="connector", outcome="created"))
    assert created == 5  # the channel id is not a label: the source kind is
    assert (_value(after, "cauce_mentions_ingested_total", source="api", outcome="duplicate")
            - _value(before, "cauce_mentions_ingested_total", source="api", outcome="duplicate")) == 1
    batches = (_value(after, "cauce_ingest_batch_seconds_count", source="connector")
               - _value(before, "cauce_ingest_batch_seconds_count", source="connector"))
    assert batches == 4  # three committed batches (2+2+1) and the rolled-back one: time is time
    open_cases = sum(float(v) for v in re.findall(r'^cauce_cases_open\{status="[^"]+"\} (\S+)$', after, re.M))
    assert open_cases == 5
    assert _value(after, "cauce_outbox_depth", kind="reply") == 0
    assert 'route="/metrics"' in after  # HTTP requests by route template, not by raw path


def test_job_runs_are_counted_by_name_and_outcome() -> None:
    from cauce.observability.jobs import observe_job

    def runs(outcome: str) -> float:
        return metrics.JOB_RUNS.labels("test.job", outcome)._value.get()

    ok, error = runs("ok"), runs("error")
    with observe_job("test.job"):
        pass
    with pytest.raises(ValueError), observe_job("test.job"):
        raise ValueError("boom")
    assert (runs("ok") - ok, runs("error") - error) == (1, 1)
    assert b'cauce_job_duration_seconds_count{job="test.job"}' in metrics.exposition()


def test_every_response_carries_a_request_id(db: Database, client: TestClient) -> None:
    fresh = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}).headers["x-request-id"] == "lb-1234.abc"
    # A header that could break a log line is replaced, not echoed.
    odd = client.get("/healthz", headers={"X-Request-ID": "a b\"c" + "x" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    assert client.get("/readyz").headers["x-request-id"]
