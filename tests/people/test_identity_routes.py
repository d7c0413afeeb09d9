"""Identity resolution and the contact history through the API (/api/v1/people/…) and the person page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from cauce.audit import service as audit
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.web.app import create_app
from cauce.web.i18n import translations
from cauce.web.person_pages import EVIDENCE_LABELS
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@dataclass
class World:
    client: TestClient
    db: Database
    tokens: dict[str, dict[str, str]]
    brand_a: int
    brand_b: int
    on_x: int  # the person on X (brand A), older: survives a merge
    on_ig: int  # the same human on Instagram (brand B)
    mx: int
    mi: int


def _ingest(db: Database, n: str, brand: str, channel: str, handle: str, text: str) -> tuple[int, int]:
    item = mention(n, brand=brand, channel=channel, text=text,
                   author={"handle": handle, "name": "Ana Pérez", "followers": 10})
    with db.session() as s:
        result = mentions.ingest(s, item)
        assert result.mention_id is not None
        row = mentions.get(s, mention_id=result.mention_id)
        assert row is not None
        return result.mention_id, row.person_id


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    a = make_brand(db, name="Conectel", organisation="Grupo Andino")
    b = make_brand(db, name="Conectel Hogar", organisation="Grupo Andino")
    tokens = {}
    with db.session() as s:
        for email, role, brand_ids in (("ab@a.co", "agent", [a.id, b.id]), ("a@a.co", "agent", [a.id]),
                                       ("sup@a.co", "supervisor", [a.id, b.id])):
            user = auth.create_user(s, email=email, name=email.split("@")[0], role=role, password=PASSWORD,
                                    brand_ids=brand_ids, actor=SYSTEM)
            token = auth.create_api_token(s, user_id=user.id, name="t", actor=SYSTEM)
            tokens[email] = {"Authorization": f"Bearer {token}"}
    with scripted_triage():
        mx, on_x = _ingest(db, "x1", "conectel", "twitter", "@ana_perez", "Sin internet hace tres días")
        mi, on_ig = _ingest(db, "ig1", "conectel-hogar", "instagram", "ana.perez", "El técnico nunca llegó a casa")
        with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as client:
            yield World(client, db, tokens, a.id, b.id, on_x, on_ig, mx, mi)


def _sweep(w: World) -> None:
    r = w.client.post("/api/v1/people/identity/sweep", headers=w.tokens["sup@a.co"])
    assert r.status_code == 200, r.text
    assert r.json()["proposed"] == 1


def test_api_propose_confirm_history_and_split(world: World) -> None:
    w, ab = world, world.tokens["ab@a.co"]
    assert w.client.post("/api/v1/people/identity/sweep", headers=ab).status_code == 403  # supervisors only
    _sweep(w)
    (proposal,) = w.client.get(f"/api/v1/people/{w.on_x}/merge-proposals", headers=ab).json()
    assert proposal["other"]["id"] == w.on_ig and proposal["evidence"][0]["kind"] == "same_handle"
    assert [p["id"] for p in w.client.get("/api/v1/people/merge-proposals/open", headers=ab).json()] == [
        proposal["id"]]
    r = w.client.post(f"/api/v1/people/merge-proposals/{proposal['id']}/confirm", headers=ab,
                      json={"reason": "misma clienta"})
    assert r.status_code == 200, r.text
    assert r.json()["survivor_id"] == w.on_x and r.json()["moved"]["mentions"] == [w.mi]
    history = w.client.get(f"/api/v1/people/{w.on_ig}/history", headers=ab).json()
    assert history["id"] == w.on_x and history["channels"] == ["instagram", "twitter"]
    assert {m["id"] for m in history["mentions"]} == {w.mx, w.mi}
    assert {m["brand"] for m in history["mentions"]} == {"Conectel", "Conectel Hogar"}
    # An agent of brand A sees the one person, but not brand B's messages or cases.
    only_a = w.client.get(f"/api/v1/people/{w.on_x}/history", headers=w.tokens["a@a.co"]).json()
    assert [m["id"] for m in only_a["mentions"]] == [w.mx]
    assert {c["brand_id"] for c in only_a["cases"]} == {w.brand_a}
    assert w.client.post(f"/api/v1/people/merge-proposals/{proposal['id']}/confirm",
                         headers=ab).status_code == 409
    ig_handle = next(h["id"] for h in history["handles"] if h["channel"] == "instagram")
    r = w.client.post(f"/api/v1/people/handles/{ig_handle}/split", headers=ab, json={"reason": "error"})
    assert r.status_code == 200 and r.json() == {"person_id": w.on_ig, "from_person_id": w.on_x,
                                                  "handle_id": ig_handle}
    assert [m["id"] for m in w.client.get(f"/api/v1/people/{w.on_x}/history", headers=ab).json()["mentions"]] == [
        w.mx]
    with w.db.read_session() as s:
        actions = [e.action for e in audit.events_for(s, "person", [w.on_x])]
        assert actions[-2:] == ["people.merged", "people.handle_split"]
    assert "/api/v1/people/{person_id}/history" in w.client.get("/openapi.json").json()["paths"]


def test_api_reject_and_scope(world: World) -> None:
    w = world
    _sweep(w)
    only_a = w.tokens["a@a.co"]
    # The agent of brand A cannot see the Instagram person (brand B) nor decide on the pair.
    assert w.client.get(f"/api/v1/people/{w.on_ig}/history", headers=only_a).status_code == 404
    assert w.client.get(f"/api/v1/people/{w.on_x}/merge-proposals", headers=only_a).json() == []
    assert w.client.get("/api/v1/people/merge-proposals/open", headers=only_a).json() == []
    (proposal,) = w.client.get("/api/v1/people/merge-proposals/open", headers=w.tokens["ab@a.co"]).json()
    assert w.client.post(f"/api/v1/people/merge-proposals/{proposal['id']}/reject",
                         headers=only_a).status_code == 404
    r = w.client.post(f"/api/v1/people/merge-proposals/{proposal['id']}/reject", headers=w.tokens["ab@a.co"])
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert w.client.get("/api/v1/people/merge-proposals/open", headers=w.tokens["ab@a.co"]).json() == []
    with w.db.read_session() as s:
        assert [e.action for e in audit.events_for(s, "merge_proposal", [proposal["id"]])] == [
            "people.merge_proposed", "people.merge_rejected"]


def _login(w: World, email: str) -> dict[str, str]:
    page = w.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    w.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', w.client.get("/inbox").text)
    assert csrf
    return {"X-CSRF-Token": csrf.group(1), "HX-Request": "true"}


def test_person_page_confirm_reject_and_split(world: World) -> None:
    w = world
    _sweep(w)
    headers = _login(w, "ab@a.co")
    page = w.client.get(f"/people/{w.on_x}").text
    assert "¿La misma persona?" in page and "Mismo usuario en varias redes" in page
    assert "Confirmar" in page and "Rechazar" in page
    assert "El técnico nunca llegó" not in page  # the other network's message is not in this history yet
    proposal_id = re.search(r'data-proposal="(\d+)"', page)
    assert proposal_id
    merged = w.client.post(f"/people/{w.on_x}/proposals/{proposal_id.group(1)}/confirm", headers=headers)
    assert merged.status_code == 200, merged.text
    assert "El técnico nunca llegó" in merged.text and "Sin internet" in merged.text
    assert "Separar" in merged.text and "cauce-flash" in merged.headers["HX-Trigger"]
    # The merged-away person's page leads to the survivor's.
    moved = w.client.get(f"/people/{w.on_ig}", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/people/{w.on_x}"
    split_url = re.search(r'hx-post="(/people/\d+/handles/\d+/split)"[^>]*>\s*<button[^>]*@ana\.perez', merged.text)
    assert split_url
    after = w.client.post(split_url.group(1), headers=headers)
    assert after.status_code == 200 and "El técnico nunca llegó" not in after.text
    assert "No hay propuestas de unión" in after.text  # a split pair is not proposed again
    # English labels.
    w.client.cookies.set("cauce_lang", "en")
    assert "Contact history across every network" in w.client.get(f"/people/{w.on_x}").text


def test_person_page_is_scoped_and_rejects_need_csrf(world: World) -> None:
    w = world
    _sweep(w)
    headers = _login(w, "a@a.co")
    assert w.client.get(f"/people/{w.on_ig}").status_code == 404  # brand B's person
    page = w.client.get(f"/people/{w.on_x}").text
    assert "No hay propuestas de unión" in page  # the evidence involves a person of brand B
    assert w.client.post(f"/people/{w.on_x}/proposals/1/reject", headers={"HX-Request": "true"}).status_code == 403
    assert w.client.post(f"/people/{w.on_x}/proposals/1/reject", headers=headers).status_code == 404


def test_evidence_labels_are_translated() -> None:
    english = translations("en")
    assert all(english.gettext(label) != label for label in EVIDENCE_LABELS.values())


def test_a_supervisors_sweep_reads_only_their_organisations(world: World) -> None:
    """Another organisation's messages are neither read nor counted by a supervisor's sweep."""
    w = world
    c = make_brand(w.db, name="Otra Marca", organisation="Otro Grupo")
    with scripted_triage():
        _ingest(w.db, "oc1", c.slug, "twitter", "@luis_gomez", "No me llega la factura")
        _ingest(w.db, "oc2", c.slug, "instagram", "luis.gomez", "Sigo sin factura")
    with w.db.session() as s:
        admin = auth.create_user(s, email="root@a.co", name="root", role="admin", password=PASSWORD, brand_ids=[],
                                 actor=SYSTEM)
        admin_token = {"Authorization": f"Bearer {auth.create_api_token(s, user_id=admin.id, name='t', actor=SYSTEM)}"}
    r = w.client.post("/api/v1/people/identity/sweep", headers=w.tokens["sup@a.co"])
    assert r.status_code == 200, r.text
    assert r.json()["organisations"] == 1 and r.json()["proposed"] == 1
    assert r.json()["messages_read"] == 2 and r.json()["handles_read"] == 2
    r = w.client.post("/api/v1/people/identity/sweep", headers=admin_token)
    assert r.json()["organisations"] == 2 and r.json()["proposed"] == 1  # the other organisation's pair
