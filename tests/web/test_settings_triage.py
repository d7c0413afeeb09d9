"""Brand settings: relevance terms, exclusion terms, homonyms and the brand's own categories are
edited in the brand's form, validated, audited, and kept as typed when something is wrong."""

from __future__ import annotations

import re

import pytest
import test_settings_pages
from sqlalchemy import select
from test_settings_pages import Site, login

from cauce.audit.models import AuditEvent
from cauce.brands.models import Brand

site = pytest.fixture(test_settings_pages.site.__wrapped__)  # type: ignore[attr-defined]

CATEGORIES = """portabilidad:
  - Quiero pasarme a otro operador y no me dan el código
  - Llevo una semana esperando la portabilidad de mi número
cobertura:
  - En mi barrio no hay señal 4G
  - No llega la fibra a mi edificio
"""


def test_admin_edits_relevance_terms_and_categories(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    response = client.post(f"/settings/brands/{site.brand}/triage", data={
        "csrf_token": csrf, "terms": "Conectel Fibra\nConectel Móvil", "exclusion_terms": "Conectel Arena",
        "homonyms": "Deportivo Conectel\nConectel Ingeniería", "categories": CATEGORIES}, follow_redirects=False)
    assert response.status_code == 303
    with site.db.session() as s:
        brand = s.get(Brand, site.brand)
        assert brand is not None
        settings = brand.triage_settings
        assert settings["terms"] == ["Conectel Fibra", "Conectel Móvil"]
        assert settings["exclusion_terms"] == ["Conectel Arena"]
        assert settings["homonyms"] == ["Deportivo Conectel", "Conectel Ingeniería"]
        assert [c["name"] for c in settings["categories"]] == ["portabilidad", "cobertura"]
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "brand.triage_settings_updated")).one()
    page = client.get(f"/settings/brands/{site.brand}").text
    assert "Deportivo Conectel\nConectel Ingeniería</textarea>" in page
    assert "- Llevo una semana esperando la portabilidad de mi número" in page


def test_an_invalid_form_comes_back_with_what_was_typed_and_saves_nothing(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    typed = "portabilidad:\n  - Solo un ejemplo\n"
    response = client.post(f"/settings/brands/{site.brand}/triage", data={
        "csrf_token": csrf, "homonyms": "Deportivo Conectel", "categories": typed})
    assert response.status_code == 422
    assert 'id="triage-error"' in response.text and "al menos" in response.text
    assert "Deportivo Conectel</textarea>" in response.text
    assert re.search(r"portabilidad:\s+- Solo un ejemplo\s*</textarea>", response.text)
    broken = client.post(f"/settings/brands/{site.brand}/triage", data={"csrf_token": csrf, "categories": "a: [b"})
    assert broken.status_code == 422 and "YAML" in broken.text and "a: [b</textarea>" in broken.text
    with site.db.session() as s:
        brand = s.get(Brand, site.brand)
        assert brand is not None and brand.triage_settings == {}


def test_only_admins_edit_them(site: Site) -> None:
    client, csrf = login(site.app, "super@a.co")
    response = client.post(f"/settings/brands/{site.brand}/triage", data={"csrf_token": csrf, "homonyms": "X"})
    assert response.status_code == 403
