"""Issue #12 (operations): CSRF whatever the other headers, the login limiter (per account and per
address, bounded, shared by web processes), trusted proxies, API token scopes/expiry/revocation
and the "Mi cuenta" page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import ApiToken, LoginFailure
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from cauce.web.security import LoginLimiter, MemoryFailures, TooManyAttempts
from helpers import make_brand

PASSWORD = "clave-segura-1"


@dataclass
class World:
    client: TestClient
    db: Database
    settings: Settings


def _app(db: Database, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, db=db, run_scheduler=False))


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
    settings = Settings(database_url=db.url)
    with _app(db, settings) as client:
        yield World(client, db, settings)


def _login_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _attempt(client: TestClient, email: str, password: str, **headers: str) -> int:
    token = _login_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers, follow_redirects=False).status_code


def login(client: TestClient, email: str) -> str:
    assert _attempt(client, email, PASSWORD) == 303
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert found
    return found.group(1)


# --- CSRF ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", ["Basic YWdlbnRlQGEuY286eA==", "Token abc", "Bearer ", "Bearer"])
def test_a_cookie_write_needs_its_csrf_token_whatever_authorization_header_comes(
        world: World, authorization: str) -> None:
    login(world.client, "agente@a.co")
    forged = world.client.post("/api/v1/tokens", headers={"Authorization": authorization})
    assert forged.status_code in (401, 403), forged.text
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_bearer_token_is_exempt_and_the_cookie_with_csrf_still_works(world: World) -> None:
    csrf = login(world.client, "agente@a.co")
    made = world.client.post("/api/v1/tokens", headers={"X-CSRF-Token": csrf}, json={"name": "ci"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    # A script with its own token (and no cookie) needs no CSRF token.
    script = TestClient(world.client.app)
    again = script.post("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 201


# --- login limiter ------------------------------------------------------------------------------

def test_one_address_spraying_many_accounts_is_limited(world: World) -> None:
    # 6 e-mails x 4 wrong passwords from one address: each account stays under its own limit (5),
    # the address does not (20).
    codes = [_attempt(world.client, f"victima{n}@a.co", "no-es-la-clave") for n in range(6) for _ in range(4)]
    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}
    # Even the right password of a real account is refused from that address for now.
    assert _attempt(world.client, "agente@a.co", PASSWORD) == 429


def test_the_account_limit_holds_across_web_processes_sharing_the_database(world: World) -> None:
    other = _app(world.db, world.settings)  # a second web process: its own memory, same database
    for n in range(5):
        client = world.client if n % 2 else other
        assert _attempt(client, "agente@a.co", "no-es-la-clave", **{"X-Forwarded-For": f"10.0.0.{n}"}) == 401
    assert _attempt(other, "agente@a.co", PASSWORD) == 429
    assert _attempt(world.client, "agente@a.co", PASSWORD) == 429


def test_failures_older_than_the_window_are_pruned_from_the_table(db: Database) -> None:
    limiter = LoginLimiter(window_s=60)
    with db.session() as s:
        for n in range(30):
            limiter.failed(f"10.0.0.{n}", f"u{n}@a.co", session=s)
    with db.session() as s:
        s.execute(update(LoginFailure).values(at=datetime.now(UTC) - timedelta(minutes=5)))
    with db.session() as s:
        limiter.failed("10.9.9.9", "otro@a.co", session=s)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 2  # the new ip + account rows
    with db.session() as s:  # a successful sign-in also sweeps what has expired
        s.execute(update(LoginFailure).values(at=datetime.now(UTC) - timedelta(minutes=5)))
        limiter.succeeded("10.0.0.1", "u1@a.co", session=s)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_the_in_memory_store_stays_bounded_and_drops_expired_keys() -> None:
    store = MemoryFailures(window_s=60, max_keys=100)
    old = datetime.now(UTC) - timedelta(minutes=10)
    store.add([f"ip:{n}" for n in range(100)], old)
    assert len(store) == 100
    store.add(["ip:new"], datetime.now(UTC))  # over the bound: the expired keys go
    assert len(store) == 1
    now = datetime.now(UTC)
    for n in range(500):  # a spray of fresh keys: the oldest go first, the bound holds
        store.add([f"acct:{n}"], now + timedelta(seconds=n / 1000))
    assert len(store) == 100
    assert store.recent(["acct:499"], now - timedelta(seconds=60))["acct:499"][0] == 1


def test_the_limiter_counts_per_account_and_per_address_in_memory() -> None:
    limiter = LoginLimiter(max_per_account=3, max_per_ip=5)
    for _ in range(3):
        limiter.failed("1.1.1.1", "a@a.co")
    with pytest.raises(TooManyAttempts):
        limiter.check("2.2.2.2", "A@a.co")  # another address, same account
    limiter.check("1.1.1.1", "b@a.co")
    limiter.failed("1.1.1.1", "b@a.co")
    limiter.failed("1.1.1.1", "c@a.co")
    with pytest.raises(TooManyAttempts):
        limiter.check("1.1.1.1", "d@a.co")  # same address, any account


# --- trusted proxies ----------------------------------------------------------------------------

def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(world: World) -> None:
    # Untrusted by default: rotating X-Forwarded-For does not escape the per-address limit.
    codes = [_attempt(world.client, f"v{n}@a.co", "no-es-la-clave", **{"X-Forwarded-For": f"203.0.113.{n}"})
             for n in range(21)]
    assert codes[-1] == 429


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(db: Database) -> None:
    settings = Settings(database_url=db.url, trusted_proxies="127.0.0.1, 10.0.0.0/8")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD, actor=SYSTEM)
    client = TestClient(create_app(settings, db=db, run_scheduler=False), client=("10.1.2.3", 5000))
    for n in range(20):
        assert _attempt(client, f"v{n}@a.co", "x", **{"X-Forwarded-For": "198.51.100.7, 10.0.0.9"}) == 401
    assert _attempt(client, "v99@a.co", "x", **{"X-Forwarded-For": "198.51.100.7"}) == 429
    # Another client behind the same proxy is a different address; a forged left-most hop is ignored.
    assert _attempt(client, "agente@a.co", PASSWORD, **{"X-Forwarded-For": "198.51.100.7, 198.51.100.8"}) == 303
    https = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in https.headers["set-cookie"].lower()
    direct = TestClient(create_app(settings, db=db, run_scheduler=False), client=("192.0.2.1", 5000))
    assert "secure" not in direct.get("/login", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"].lower()


# --- API tokens ---------------------------------------------------------------------------------

def _token(db: Database, email: str, **kwargs: object) -> tuple[int, str]:
    with db.session() as s:
        user = s.scalar(select(auth.User).where(auth.User.email == email))
        assert user is not None
        secret = auth.create_api_token(s, user_id=user.id, name="t", actor=SYSTEM, **kwargs)  # type: ignore[arg-type]
        row = auth.find_token(s, secret)
        assert row is not None
        return row.id, secret


def test_tokens_expire_by_default_and_a_read_token_cannot_write(world: World) -> None:
    token_id, secret = _token(world.db, "agente@a.co", scopes=["read"])
    with world.db.read_session() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None and row.expires_at is not None
        assert timedelta(days=89) < row.expires_at - datetime.now(UTC) <= timedelta(days=90)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert world.client.get("/api/v1/me", headers=bearer).status_code == 200
    refused = world.client.post("/api/v1/tokens", headers=bearer)
    assert refused.status_code == 403 and "write" in refused.json()["error"]["message"]
    with world.db.read_session() as s:
        used = s.get(ApiToken, token_id)
        assert used is not None and used.last_used_at is not None
    with world.db.session() as s:
        s.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    expired = world.client.get("/api/v1/me", headers=bearer)
    assert expired.status_code == 401 and "venció" in expired.json()["error"]["message"]


def test_tokens_are_listed_and_revoked_through_the_api(world: World) -> None:
    mine_id, mine = _token(world.db, "agente@a.co")
    admin_id, admin = _token(world.db, "admin@a.co")
    me = {"Authorization": f"Bearer {mine}"}
    listed = world.client.get("/api/v1/tokens", headers=me).json()
    assert [t["id"] for t in listed] == [mine_id] and "token" not in listed[0]
    assert listed[0]["scopes"] == ["read", "write"] and listed[0]["status"] == "active"
    # Someone else's token is not theirs to revoke (and does not exist for them).
    assert world.client.delete(f"/api/v1/tokens/{admin_id}", headers=me).status_code == 404
    assert world.client.get("/api/v1/tokens?all_users=true", headers=me).status_code == 403
    everyone = world.client.get("/api/v1/tokens?all_users=true", headers={"Authorization": f"Bearer {admin}"})
    assert {t["id"] for t in everyone.json()} == {mine_id, admin_id}
    revoked = world.client.delete(f"/api/v1/tokens/{mine_id}", headers={"Authorization": f"Bearer {admin}"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert world.client.get("/api/v1/me", headers=me).status_code == 401


def test_the_api_creates_a_token_with_the_asked_scope_and_expiry(world: World) -> None:
    _, secret = _token(world.db, "agente@a.co")
    made = world.client.post("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"},
                             json={"name": "lectura", "scopes": ["read"], "expires_in_days": 7})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["scopes"] == ["read"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
    bad = world.client.post("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"},
                            json={"scopes": ["admin"]})
    assert bad.status_code == 422


# --- Mi cuenta ------------------------------------------------------------------------------------

def test_my_account_page_creates_lists_and_revokes_tokens_and_changes_the_password(world: World) -> None:
    csrf = login(world.client, "agente@a.co")
    page = world.client.get("/settings/account")
    assert page.status_code == 200 and "Tokens de API" in page.text
    made = world.client.post("/settings/account/tokens", data={"name": "informe", "scope": "read", "days": "30",
                                                                "csrf_token": csrf})
    assert made.status_code == 201
    secret = re.search(r'<code id="new-token">([^<]+)</code>', made.text)
    assert secret and secret.group(1).startswith("cauce_")
    assert world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"}).status_code == 200
    with world.db.read_session() as s:
        [row] = auth.list_api_tokens(s)
        assert row.scopes == ["read"]
        token_id, prefix = row.id, row.prefix
    listed = world.client.get("/settings/account").text
    assert "informe" in listed and prefix in listed and secret.group(1) not in listed
    no_csrf = world.client.post(f"/settings/account/tokens/{token_id}/revoke", data={})
    assert no_csrf.status_code == 403
    revoked = world.client.post(f"/settings/account/tokens/{token_id}/revoke", data={"csrf_token": csrf},
                                follow_redirects=False)
    assert revoked.status_code == 303
    assert world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"}).status_code == 401

    weak = world.client.post("/settings/account/password", data={
        "current_password": PASSWORD, "new_password": "password1234", "csrf_token": csrf})
    assert weak.status_code == 422 and "más usadas" in weak.text
    wrong = world.client.post("/settings/account/password", data={
        "current_password": "otra", "new_password": "un-rio-sin-puentes", "csrf_token": csrf})
    assert wrong.status_code == 422
    changed = world.client.post("/settings/account/password", data={
        "current_password": PASSWORD, "new_password": "un-rio-sin-puentes", "csrf_token": csrf},
        follow_redirects=False)
    assert changed.status_code == 303
    assert world.client.get("/inbox", follow_redirects=False).status_code == 200  # this browser stays in
    fresh = TestClient(world.client.app)
    assert _attempt(fresh, "agente@a.co", PASSWORD) == 401
    assert _attempt(fresh, "agente@a.co", "un-rio-sin-puentes") == 303


def test_web_user_creation_applies_the_password_policy(world: World) -> None:
    csrf = login(world.client, "admin@a.co")
    weak = world.client.post("/settings/users", data={"name": "Nuevo", "email": "nuevo@a.co", "role": "agent",
                                                      "password": "12345678", "csrf_token": csrf})
    assert weak.status_code == 422
    bad_mail = world.client.post("/settings/users", data={"name": "Nuevo", "email": "a@", "role": "agent",
                                                          "password": "un-rio-sin-puentes", "csrf_token": csrf})
    assert bad_mail.status_code == 422
    api = world.client.post("/api/v1/users", headers={"X-CSRF-Token": csrf},
                            json={"email": "n2@a.co", "name": "N2", "role": "agent", "password": " " * 8})
    assert api.status_code == 422


def test_the_served_app_ignores_x_forwarded_for_from_an_untrusted_loopback_peer(db: Database) -> None:
    """As `cauce serve` runs it (uvicorn with UVICORN_OPTIONS): uvicorn's own proxy-header handling,
    which believes any 127.0.0.1 peer, is off; rotating X-Forwarded-For does not dodge the limit."""
    import threading
    import time

    import httpx
    import uvicorn

    from cauce.web.security import UVICORN_OPTIONS
    from connectors.fakes.serving import free_port

    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            codes = []
            for n in range(21):
                found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
                assert found
                codes.append(client.post("/login", data={"email": f"v{n}@a.co", "password": "x",
                                                         "csrf_token": found.group(1)},
                                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code)
        assert codes[:20] == [401] * 20 and codes[20] == 429
    finally:
        server.should_exit = True
        thread.join(5)


def test_an_admin_lists_and_revokes_anyones_token_in_the_settings(world: World) -> None:
    token_id, secret = _token(world.db, "agente@a.co")
    csrf = login(world.client, "admin@a.co")
    page = world.client.get("/settings/users").text
    assert "agente@a.co" in page and f"/settings/tokens/{token_id}/revoke" in page and secret not in page
    revoked = world.client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf},
                                follow_redirects=False)
    assert revoked.status_code == 303
    assert world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    agent = TestClient(world.client.app)
    agent_csrf = login(agent, "agente@a.co")
    assert agent.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": agent_csrf}).status_code == 403
