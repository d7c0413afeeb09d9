"""Hostile input at the HTTP edge: out-of-range ids, NUL characters, wrong methods, huge bodies.

Each must be a 4xx with the common error body, decided before the database or the body buffer
is touched; runs on SQLite and PostgreSQL (PostgreSQL is the one that refused NUL and 2^31).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from cauce.web.limits import DEFAULT_CAP, ROUTE_CAPS
from helpers import make_brand, mention, scripted_triage

MB = 1_000_000


@pytest.fixture
def api(db: Database) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura",
                                 actor=SYSTEM)
        token = auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    headers = {"Authorization": f"Bearer {token}"}
    with scripted_triage(), TestClient(app) as client:
        created = client.post("/api/v1/mentions", json=mention(1, brand="marca-a").model_dump(mode="json"),
                              headers=headers).json()
        yield client, headers, created["case_id"]
    assert brand.id


@pytest.mark.parametrize("url", ["/api/v1/cases/2147483648", "/api/v1/people/99999999999",
                                 "/api/v1/cases/0", "/api/v1/cases?offset=9223372036854775808",
                                 "/api/v1/cases?brand_id=99999999999999999999",
                                 "/api/v1/brands/2147483648/guidelines", "/api/v1/replies/-1/retry"])
def test_out_of_range_ids_and_offsets_are_422(api: tuple[TestClient, dict[str, str], int], url: str) -> None:
    client, headers, _ = api
    response = client.post(url, headers=headers) if url.endswith("retry") else client.get(url, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"


def test_nul_in_a_note_or_a_user_name_is_422(api: tuple[TestClient, dict[str, str], int]) -> None:
    client, headers, case_id = api
    note = client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "revisar\u0000factura"}, headers=headers)
    assert note.status_code == 422 and note.json()["error"]["code"] == "invalid_input"
    user = client.post("/api/v1/users", json={"email": "x@a.co", "name": "Ana\u0000", "role": "agent",
                                              "password": "clave-segura"}, headers=headers)
    assert user.status_code == 422
    fine = client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "línea 1\nlínea 2\tok"}, headers=headers)
    assert fine.status_code == 201


def test_unknown_brand_ids_are_refused(api: tuple[TestClient, dict[str, str], int]) -> None:
    client, headers, _ = api
    for method, url, body in [
        ("post", "/api/v1/moderation/actions", {"brand_id": 999, "person_id": 1, "action": "hide",
                                                "clause_id": "c1"}),
        ("get", "/api/v1/brands/999/guidelines", None),
        ("post", "/api/v1/users", {"email": "y@a.co", "name": "Y", "role": "agent", "password": "clave-segura",
                                   "brand_ids": [2147483648]}),
    ]:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code in (403, 404, 409, 422), (url, response.status_code, response.text)


def test_wrong_method_is_405_with_allow(api: tuple[TestClient, dict[str, str], int]) -> None:
    client, headers, case_id = api
    response = client.delete(f"/api/v1/cases/{case_id}", headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"
    page = client.delete("/guidelines/marca-a")  # a public HTML page: its error page keeps Allow too
    assert page.status_code == 405 and page.headers["allow"] == "GET"


async def _stream(app: Any, path: str, total: int, headers: list[tuple[bytes, bytes]]) -> tuple[int, int, dict]:
    """POST `total` bytes in 64 KiB chunks straight into the ASGI app, as uvicorn does for a chunked
    upload (TestClient would read the whole body first). Returns (status, bytes pulled, body)."""
    size, pulled, sent = 64 * 1024, 0, []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.disconnect"}
        pulled += size
        return {"type": "http.request", "body": b"x" * size, "more_body": pulled < total}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"),
                         (b"content-type", b"application/json"), *headers],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {}}
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, pulled, json.loads(body)


@pytest.mark.parametrize(("path", "authenticated"), [("/api/v1/cases/1/notes", True), ("/api/v1/mentions", True),
                                                     ("/webhooks/generic/1", False)])
def test_a_chunked_body_over_the_cap_is_refused_while_streaming(api: tuple[TestClient, dict[str, str], int],
                                                                 path: str, authenticated: bool) -> None:
    client, headers, _ = api
    cap = next((c for prefix, c in ROUTE_CAPS if path.startswith(prefix)), DEFAULT_CAP)
    auth_header = [(b"authorization", headers["Authorization"].encode())] if authenticated else []
    status, pulled, body = asyncio.run(_stream(client.app, path, 300 * MB, auth_header))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert pulled <= cap + 64 * 1024  # stopped right after the cap, not after 300 MB


def test_a_declared_length_over_the_cap_is_refused_before_reading(
        api: tuple[TestClient, dict[str, str], int]) -> None:
    client, _, _ = api
    status, pulled, body = asyncio.run(_stream(client.app, "/webhooks/generic/1", 300 * MB,
                                               [(b"content-length", str(300 * MB).encode())]))
    assert status == 413 and pulled == 0 and body["error"]["code"] == "payload_too_large"
    response = client.post("/webhooks/generic/1", content=b"x" * (6 * MB))
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
