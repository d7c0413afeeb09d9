"""End to end on a fake Mastodon: `cauce channels add/test/poll`, a case, an agent's reply through
the API, the outbox worker, and exactly one reply in the right thread — even after a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cli import app as cli_app
from cauce.config import Settings
from cauce.connectors.base import Connector
from cauce.db import Database, utcnow
from cauce.replies import outbox
from cauce.replies.models import Reply
from cauce.web.app import create_app
from connectors.fakes.fake_mastodon import TOKEN, FakeMastodon, account
from connectors.fakes.serving import serve
from connectors.runtime.recording import TEST_KEY
from helpers import scripted_triage

runner = CliRunner()
ANA = account("ana@otra.example", id="501", name="Ana Pérez", followers=1234)
REPLY = (
    "Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
    "escribimos por mensaje privado hoy mismo. Laura"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path}/e2e.db"
    monkeypatch.setenv("CAUCE_DATABASE_URL", url)
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("CAUCE_JOBS", "none")
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli_app, ["brands", "add", "Conectel"]).exit_code == 0
    db = Database(url)
    with scripted_triage():
        yield db
    db.dispose()


@pytest.fixture
def fake() -> Iterator[tuple[FakeMastodon, str]]:
    server = FakeMastodon()
    with serve(server.app()) as url:
        yield server, url


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _add_channel(url: str, token: str = TOKEN) -> int:
    code, out, err = cli(
        "channels", "add", "mastodon", "--brand", "conectel", "--base-url", url, "--token", token, "--format", "json"
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["credentials"] == {"access_token": f"{token[:3]}…{token[-2:]}"}
    return int(created["id"])


def test_complaint_to_case_to_exactly_one_reply_in_the_thread(env: Database, fake: tuple[FakeMastodon, str]) -> None:
    server, url = fake
    complaint = server.add_status(ANA, "<p>@marca me cobraron dos veces la factura de octubre</p>", likes=2)
    channel_id = _add_channel(url)
    code, out, _ = cli(
        "channels",
        "add",
        "mastodon",
        "--brand",
        "conectel",
        "--base-url",
        url,
        "--token",
        TOKEN,
        "--name",
        "Otra cuenta",
    )
    assert code == 0 and out.strip().splitlines()[-1].startswith("id: ") and "creado" in out
    code, out, _ = cli("channels", "list", "--format", "json")
    assert code == 0 and TOKEN not in out and len(json.loads(out)) == 2
    code, out, _ = cli("channels", "test", str(channel_id))
    assert code == 0 and "@marca@" in out

    code, out, err = cli("channels", "poll", str(channel_id), "--format", "json")
    assert code == 0, err
    assert json.loads(out) == {"ingested": 1, "duplicates": 0, "errors": 0}
    # The cursor was saved with the mentions: polling again neither skips nor repeats.
    code, out, _ = cli("channels", "poll", str(channel_id), "--format", "json")
    assert json.loads(out) == {"ingested": 0, "duplicates": 0, "errors": 0}

    with env.session() as s:
        agent = auth.create_user(
            s,
            email="laura@conectel.co",
            name="Laura Gómez",
            role="agent",
            password="clave-segura",
            brand_ids=[1],
            actor=SYSTEM,
        )
        token = auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM)
    client = TestClient(create_app(Settings(database_url=env.url), db=env, run_scheduler=False))
    headers = {"Authorization": f"Bearer {token}"}
    [case] = client.get("/api/v1/cases", headers=headers).json()
    response = client.post(
        f"/api/v1/cases/{case['id']}/replies",
        headers=headers,
        json={"text": REPLY, "visibility": "public", "intent": "first_reply"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "queued"

    # The worker dies right after Mastodon accepted the post, before recording it.
    class CrashAfterSend:
        def __init__(self, inner: Connector) -> None:
            self.inner = inner

        def __enter__(self) -> CrashAfterSend:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def close(self) -> None:
            self.inner.close()

        def send_reply(self, **kwargs: str) -> None:
            self.inner.send_reply(**kwargs)  # type: ignore[arg-type]
            raise SystemError("el proceso murió")

    def crashing(channel_id: int, kind: str, config: dict[str, object]) -> Connector:
        return CrashAfterSend(outbox.default_provider(channel_id, kind, config))  # type: ignore[return-value]

    now = utcnow()
    assert outbox.deliver_due(env.session, now=now, registry=crashing).unknown == 1
    assert len(server.posted) == 1
    code, out, _ = cli("outbox", "run", "--once", "--format", "json")
    assert code == 0 and json.loads(out)["sent"] == 0  # still within the lease: left alone
    later = outbox.deliver_due(env.session, now=now + timedelta(minutes=3))
    assert later.recovered == 1 and later.sent == 0
    assert len(server.posted) == 1
    [posted] = server.posted
    assert posted["body"]["in_reply_to_id"] == complaint["id"] and posted["body"]["visibility"] == "public"
    assert posted["body"]["status"].startswith("@ana@otra.example")
    replies = client.get(f"/api/v1/cases/{case['id']}/replies", headers=headers).json()
    assert [r["state"] for r in replies] == ["sent"] and replies[0]["external_id"] == posted["status"]["id"]
    summary = client.get(f"/api/v1/cases/{case['id']}", headers=headers).json()["summary"]
    assert summary["status"] == "primera_respuesta"


def test_cli_reports_bad_credentials_and_unknown_channels(env: Database, fake: tuple[FakeMastodon, str]) -> None:
    _, url = fake
    channel_id = _add_channel(url, token="token-equivocado-123")
    code, _, err = cli("channels", "test", str(channel_id))
    assert code == 1 and "error:" in err
    code, out, _ = cli("channels", "list", "--format", "json")
    [row] = json.loads(out)
    assert row["healthy"] is False and "token-equivocado-123" not in out
    code, _, err = cli("channels", "poll", "999")
    assert code == 1 and "No existe el canal 999" in err
    code, _, err = cli("channels", "add", "mastodon", "--brand", "conectel", "--base-url", url)
    assert code == 1 and "access_token" in err
    code, _, err = cli("channels", "add", "rss", "--brand", "no-existe", "--feed-url", url)
    assert code == 1 and "Marca desconocida" in err
    code, _, err = cli(
        "channels",
        "add",
        "mastodon",
        "--brand",
        "conectel",
        "--base-url",
        url,
        "--token",
        "x" * 20,
        "--feed-url",
        "https://blog.example/feed",
    )
    assert code == 1 and "feed-url" in err


def test_expired_token_during_poll_marks_the_channel_unhealthy(env: Database, fake: tuple[FakeMastodon, str]) -> None:
    server, url = fake
    channel_id = _add_channel(url)
    server.fail_next.append((429, {"Retry-After": "120"}, {"error": "Too many requests"}))
    code, _, err = cli("channels", "poll", str(channel_id))
    # Only the notifications were limited: the brand-term search still ran, the limit is reported.
    assert code == 0 and "límite de la red" in err and "120 s" in err
    server.fail_next.append((401, {}, {"error": "The access token is invalid"}))
    code, _, err = cli("channels", "poll", str(channel_id))
    assert code == 1 and "Credenciales" in err
    code, out, _ = cli("channels", "list", "--format", "json")
    assert json.loads(out)[0]["healthy"] is False
    with env.session() as s:
        assert s.query(Reply).count() == 0
