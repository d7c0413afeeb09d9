"""The inbox search box (htmx fragment), the /search page and the person page, brand-scoped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest_many
from cauce.people.models import Person
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@pytest.fixture
def desk(db: Database) -> Iterator[dict[str, Any]]:
    a = make_brand(db, name="Marca A", organisation="Grupo")
    make_brand(db, name="Marca B", organisation="Grupo")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
    with scripted_triage(), db.session() as s:
        results = ingest_many(s, [
            mention(1, brand="marca-a", handle="@troll_ruidoso", text="Ladrones, me cobraron doble",
                    author={"handle": "@troll_ruidoso", "name": "Ñoño <b>Troll</b>", "followers": 3}),
            mention(2, brand="marca-b", handle="@solo_b", text="Mi pedido no llegó",
                    author={"handle": "@solo_b", "name": "Beatriz Ortiz", "followers": 3}),
        ], isolated=False)
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
        yield {"client": client, "db": db, "case_a": results[0].case_id, "case_b": results[1].case_id}


def test_the_inbox_has_a_search_box_whose_results_link_to_people_and_cases(desk: dict[str, Any]) -> None:
    client: TestClient = desk["client"]
    inbox = client.get("/inbox").text
    assert 'id="search-q"' in inbox and 'hx-get="/search"' in inbox and 'id="search-results"' in inbox
    fragment = client.get("/search", params={"q": "@troll"}, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment  # a fragment for htmx
    person_link = re.search(r'href="(/people/\d+)"', fragment)
    assert person_link and "Ñoño &lt;b&gt;Troll&lt;/b&gt;" in fragment and "@troll_ruidoso" in fragment
    cases = client.get("/search", params={"q": "cobro"}, headers={"HX-Request": "true"}).text
    assert f'href="/cases/{desk["case_a"]}"' in cases
    page = client.get("/search", params={"q": "cobro"}).text  # Enter without JavaScript: a page
    assert "<html" in page and f'href="/cases/{desk["case_a"]}"' in page
    person = client.get(person_link.group(1))
    assert person.status_code == 200 and "@troll_ruidoso" in person.text and "me cobraron doble" in person.text
    empty = client.get("/search", params={"q": '"NEAR('}, headers={"HX-Request": "true"})
    assert empty.status_code == 200 and "Sin resultados" in empty.text


def test_another_brands_people_and_cases_stay_hidden(desk: dict[str, Any]) -> None:
    client: TestClient = desk["client"]
    found = client.get("/search", params={"q": "beatriz"}, headers={"HX-Request": "true"}).text
    assert "Beatriz" not in found and "Sin resultados" in found
    assert f"/cases/{desk['case_b']}" not in client.get("/search", params={"q": str(desk["case_b"])}).text
    assert "/people/" not in client.get("/search", params={"q": "@solo"}).text
    with desk["db"].read_session() as s:
        beatriz = s.scalar(select(Person.id).where(Person.display_name == "Beatriz Ortiz"))
    assert beatriz is not None and client.get(f"/people/{beatriz}").status_code == 404
