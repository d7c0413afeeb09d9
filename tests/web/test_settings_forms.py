"""Admin forms keep what the admin typed: a refused value is shown next to its form (422) with the
typed values in place, never the full-page error; brands are added in the app; guidelines and the
playbook policy are forms, with YAML as export and import."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.brands.models import Brand
from cauce.config import Settings
from cauce.db import Database
from cauce.playbook import guidelines
from cauce.playbook import policy as playbook_policy
from cauce.web.app import create_app
from helpers import make_brand

PASSWORD = "clave-segura-1"
FULL_PAGE_ERROR = "Algo salió mal"


@dataclass
class Admin:
    client: TestClient
    csrf: str
    db: Database
    brand: int


@pytest.fixture
def admin(db: Database) -> Iterator[Admin]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
    client = TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": "admin@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert csrf
    yield Admin(client, csrf.group(1), db, brand.id)


def _error(page: str, key: str) -> str:
    found = re.search(rf'id="err-{key}">([^<]*)<', page)
    assert found, f"no inline error for {key}"
    return html.unescape(found.group(1))


def test_an_admin_adds_a_brand_and_a_refused_one_keeps_what_was_typed(admin: Admin) -> None:
    bad = admin.client.post("/settings/brands", data={"csrf_token": admin.csrf, "name": "Tienda Sol",
                                                      "country": "COL", "timezone": "America/Bogota",
                                                      "search_terms": "tiendasol\n#TiendaSol"})
    assert bad.status_code == 422 and FULL_PAGE_ERROR not in bad.text
    assert "código ISO" in _error(bad.text, "new_brand")
    assert 'value="Tienda Sol"' in bad.text and "#TiendaSol" in bad.text and 'value="COL"' in bad.text
    bad_zone = admin.client.post("/settings/brands", data={"csrf_token": admin.csrf, "name": "Tienda Sol",
                                                           "country": "CO", "timezone": "Marte/Olympus"})
    assert "Zona horaria desconocida" in _error(bad_zone.text, "new_brand")
    good = admin.client.post("/settings/brands", data={"csrf_token": admin.csrf, "name": "Tienda Sol",
                                                       "country": "co", "voice": "usted",
                                                       "search_terms": "tiendasol\n#TiendaSol"},
                             follow_redirects=False)
    assert good.status_code == 303
    with admin.db.read_session() as s:
        brand = s.scalar(select(Brand).where(Brand.name == "Tienda Sol"))
        assert brand is not None
        assert (brand.country, brand.voice, brand.timezone) == ("CO", "usted", "America/Bogota")
        assert brand.search_terms == ["tiendasol", "#TiendaSol"]
        brand_id = brand.id
    assert good.headers["location"] == f"/settings/brands/{brand_id}?ok=1"
    duplicate = admin.client.post("/settings/brands", data={"csrf_token": admin.csrf, "name": "Tienda Sol"})
    assert duplicate.status_code == 422 and "Ya existe" in _error(duplicate.text, "new_brand")


def test_guidelines_are_a_form_an_invalid_value_is_shown_inline_and_kept(admin: Admin) -> None:
    page = admin.client.get(f"/settings/brands/{admin.brand}").text
    assert 'name="clause_0_title"' in page and 'name="clause_0_actions"' in page
    form = {"csrf_token": admin.csrf, "title": "Normas de Marca A",
            "clause_index": ["0", "1"],
            "clause_0_id": "respeto", "clause_0_title": "Respeto", "clause_0_text": "corto",
            "clause_0_actions": ["warn", "hide"],
            "clause_1_id": "", "clause_1_title": "", "clause_1_text": ""}
    bad = admin.client.post(f"/settings/brands/{admin.brand}/guidelines", data=form)
    assert bad.status_code == 422 and FULL_PAGE_ERROR not in bad.text
    assert "respeto" in _error(bad.text, "guidelines") and "texto" in _error(bad.text, "guidelines")
    assert 'value="Normas de Marca A"' in bad.text and ">corto</textarea>" in bad.text
    with admin.db.read_session() as s:
        assert guidelines.current(s, brand_id=admin.brand).version == 0  # nothing half-saved
    form["clause_0_text"] = "Sin insultos, amenazas ni datos personales de terceros."
    form["clause_1_id"], form["clause_1_title"] = "spam", "Sin spam"
    form["clause_1_text"], form["clause_1_actions"] = "No publicar lo mismo una y otra vez.", ["hide"]
    good = admin.client.post(f"/settings/brands/{admin.brand}/guidelines", data=form, follow_redirects=False)
    assert good.status_code == 303
    with admin.db.read_session() as s:
        now = guidelines.current(s, brand_id=admin.brand)
    assert now.version == 1 and now.title == "Normas de Marca A"
    assert [(c.id, c.actions) for c in now.clauses] == [("respeto", ("warn", "hide")), ("spam", ("hide",))]


def test_guidelines_yaml_exports_and_imports(admin: Admin) -> None:
    exported = admin.client.get(f"/settings/brands/{admin.brand}/guidelines.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    data = yaml.safe_load(exported.text)
    assert data["clauses"] and {"id", "title", "text", "actions"} <= set(data["clauses"][0])
    data["title"] = "Importadas"
    body = yaml.safe_dump(data, allow_unicode=True).encode()
    done = admin.client.post(f"/settings/brands/{admin.brand}/guidelines.yaml", data={"csrf_token": admin.csrf},
                             files={"file": ("normas.yaml", body, "application/yaml")}, follow_redirects=False)
    assert done.status_code == 303
    with admin.db.read_session() as s:
        assert guidelines.current(s, brand_id=admin.brand).title == "Importadas"
    broken = admin.client.post(f"/settings/brands/{admin.brand}/guidelines.yaml", data={"csrf_token": admin.csrf},
                               files={"file": ("normas.yaml", b"clauses: [\n  - id: x\n bad", "application/yaml")})
    assert broken.status_code == 422 and "YAML" in _error(broken.text, "guidelines_import")


def test_playbook_policy_is_a_form_and_yaml_stays_as_import_export(admin: Admin) -> None:
    page = admin.client.get(f"/settings/brands/{admin.brand}").text
    assert 'name="times.follow_up_days"' in page
    with admin.db.read_session() as s:
        before = playbook_policy.effective_policy(s, brand_id=admin.brand).model_dump()
    form = {"csrf_token": admin.csrf, **{f"{sec}.{key}": str(val) for sec in ("times", "moderation")
                                          for key, val in before[sec].items()}}
    form["times.follow_up_days"] = "abc"
    bad = admin.client.post(f"/settings/brands/{admin.brand}/playbook", data=form)
    assert bad.status_code == 422 and FULL_PAGE_ERROR not in bad.text
    assert "número" in _error(bad.text, "playbook") and 'value="abc"' in bad.text
    form["times.follow_up_days"] = "9999"  # out of range (1..365)
    out_of_range = admin.client.post(f"/settings/brands/{admin.brand}/playbook", data=form)
    assert out_of_range.status_code == 422 and "follow_up_days" in _error(out_of_range.text, "playbook")
    assert 'value="9999"' in out_of_range.text
    form["times.follow_up_days"] = "10"
    form["moderation.heated_anger"] = "0,8"  # a decimal comma is fine
    assert admin.client.post(f"/settings/brands/{admin.brand}/playbook", data=form,
                             follow_redirects=False).status_code == 303
    with admin.db.read_session() as s:
        assert playbook_policy.overrides_of(s, brand_id=admin.brand) == {
            "times": {"follow_up_days": 10}, "moderation": {"heated_anger": 0.8}}
    exported = yaml.safe_load(admin.client.get(f"/settings/brands/{admin.brand}/playbook.yaml").text)
    assert exported == {"times": {"follow_up_days": 10}, "moderation": {"heated_anger": 0.8}}
    done = admin.client.post(f"/settings/brands/{admin.brand}/playbook.yaml", data={"csrf_token": admin.csrf},
                             files={"file": ("p.yaml", b"times:\n  follow_up_days: 20\n", "application/yaml")},
                             follow_redirects=False)
    assert done.status_code == 303
    with admin.db.read_session() as s:
        assert playbook_policy.overrides_of(s, brand_id=admin.brand) == {"times": {"follow_up_days": 20}}


def test_a_duplicate_email_or_an_agent_without_brand_is_refused_inline(admin: Admin) -> None:
    form = {"csrf_token": admin.csrf, "name": "Otra Ada", "email": "ADMIN@a.co", "role": "agent",
            "password": "una clave muy larga y segura", "brand_ids": [str(admin.brand)]}
    dup = admin.client.post("/settings/users", data=form)
    assert dup.status_code == 422 and FULL_PAGE_ERROR not in dup.text
    assert "Ya existe un usuario" in _error(dup.text, "new_user")
    assert 'value="Otra Ada"' in dup.text and 'value="ADMIN@a.co"' in dup.text
    assert "una clave muy larga" not in dup.text  # never echoed
    assert re.search(rf'value="{admin.brand}" checked', dup.text)
    form["email"] = "laura@a.co"
    form["brand_ids"] = []
    no_brand = admin.client.post("/settings/users", data=form)
    assert no_brand.status_code == 422 and "al menos una marca" in _error(no_brand.text, "new_user")
    form["brand_ids"] = [str(admin.brand)]
    assert admin.client.post("/settings/users", data=form, follow_redirects=False).status_code == 303
    with admin.db.read_session() as s:
        assert s.scalar(select(User.name).where(User.email == "laura@a.co")) == "Otra Ada"


def test_an_agent_without_brands_is_told_why_the_inbox_is_empty(admin: Admin) -> None:
    with admin.db.session() as s:
        auth.create_user(s, email="sola@a.co", name="Sola", role="agent", password=PASSWORD, actor=SYSTEM)
    client = TestClient(admin.client.app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": "sola@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
    page = client.get("/inbox").text
    assert "data-no-brands" in page and "asigne una" in page
    assert "data-no-brands" not in admin.client.get("/inbox").text


def _value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def test_a_refused_profile_keeps_what_was_typed_next_to_its_form(admin: Admin) -> None:
    bad = admin.client.post(f"/settings/brands/{admin.brand}/profile", data={
        "csrf_token": admin.csrf, "name": "Marca A Renombrada", "voice": "usted", "country": "CO",
        "timezone": "America/Bogot", "handles": "@marca_a\n@marca_a_ayuda", "search_terms": "marcaa\n#MarcaA"})
    assert bad.status_code == 422 and FULL_PAGE_ERROR not in bad.text
    assert _error(bad.text, "profile")
    assert _value(bad.text, "name") == "Marca A Renombrada" and _value(bad.text, "timezone") == "America/Bogot"
    assert "@marca_a_ayuda" in bad.text and "#MarcaA" in bad.text
    assert re.search(r'<option value="usted" selected', bad.text)
    with admin.db.read_session() as s:
        assert s.get(Brand, admin.brand).name == "Marca A"  # type: ignore[union-attr]  # nothing saved


def test_refused_sla_targets_and_business_hours_keep_what_was_typed(admin: Admin) -> None:
    types = ("peticion", "queja", "reclamo", "sugerencia", "felicitacion", "otro")
    data = {"csrf_token": admin.csrf, "first_response_minutes": "2000", "next_response_minutes": "95",
            "retention_days": "400", **{f"resolution_{t}": "17" for t in types}}
    bad = admin.client.post(f"/settings/brands/{admin.brand}/policy", data=data)
    assert bad.status_code == 422 and FULL_PAGE_ERROR not in bad.text
    assert "1440" in _error(bad.text, "policy")
    assert _value(bad.text, "first_response_minutes") == "2000" and _value(bad.text, "next_response_minutes") == "95"
    assert _value(bad.text, "resolution_queja") == "17" and _value(bad.text, "retention_days") == "400"
    not_a_number = admin.client.post(f"/settings/brands/{admin.brand}/policy",
                                     data={**data, "first_response_minutes": "30", "resolution_queja": "dos"})
    assert "número entero" in _error(not_a_number.text, "policy")
    assert _value(not_a_number.text, "resolution_queja") == "dos"
    hours = {"csrf_token": admin.csrf, "open_mon": "on", "start_mon": "19:00", "end_mon": "07:00",
             "start_tue": "10:00", "end_tue": "12:00", "open_sat": "on", "start_sat": "09:30", "end_sat": "13:00",
             "country": "CO"}
    backwards = admin.client.post(f"/settings/brands/{admin.brand}/hours", data=hours)
    assert backwards.status_code == 422 and FULL_PAGE_ERROR not in backwards.text
    assert _error(backwards.text, "hours")
    assert _value(backwards.text, "start_mon") == "19:00" and _value(backwards.text, "start_sat") == "09:30"
    assert re.search(r'name="open_sat"[^>]*checked', backwards.text)
    assert not re.search(r'name="open_tue"[^>]*checked', backwards.text)  # as typed, not as stored
    none_open = admin.client.post(f"/settings/brands/{admin.brand}/hours",
                                  data={"csrf_token": admin.csrf, "country": "CO"})
    assert "al menos un día" in _error(none_open.text, "hours")


def test_refused_areas_keep_what_was_typed(admin: Admin) -> None:
    made = admin.client.post(f"/settings/brands/{admin.brand}/areas", data={
        "csrf_token": admin.csrf, "name": "Facturación", "investigation_hours": "24", "categories": "cobro"},
        follow_redirects=False)
    assert made.status_code == 303
    twice = admin.client.post(f"/settings/brands/{admin.brand}/areas", data={
        "csrf_token": admin.csrf, "name": "Facturación", "investigation_hours": "30", "categories": "cobro, contrato"})
    assert twice.status_code == 422 and FULL_PAGE_ERROR not in twice.text
    assert "ya tiene un área" in _error(twice.text, "new_area")
    assert 'id="a-hours" name="investigation_hours" type="number" min="1" max="1440" value="30"' in twice.text
    assert 'value="cobro, contrato"' in twice.text
    with admin.db.read_session() as s:
        from cauce.cases import service as cases

        (area,) = cases.areas_of(s, brand_id=admin.brand)
        area_id = area.id
    zero = admin.client.post(f"/settings/areas/{area_id}", data={
        "csrf_token": admin.csrf, "name": "Cobros y facturas", "investigation_hours": "0"})
    assert zero.status_code == 422 and FULL_PAGE_ERROR not in zero.text
    assert "1440" in _error(zero.text, f"area_{area_id}")
    assert 'value="Cobros y facturas"' in zero.text and 'value="0"' in zero.text


def test_refused_user_row_password_and_token_are_shown_inline(admin: Admin) -> None:
    with admin.db.read_session() as s:
        me = s.scalar(select(User.id).where(User.email == "admin@a.co"))
    own = admin.client.post(f"/settings/users/{me}", data={"csrf_token": admin.csrf, "role": "agent",
                                                            "active": "on", "brand_ids": [str(admin.brand)]})
    assert own.status_code == 409 and FULL_PAGE_ERROR not in own.text
    assert _error(own.text, "users")
    assert re.search(r'<option value="agent" selected', own.text)  # the row as the admin left it
    wrong = admin.client.post("/settings/account/password", data={
        "csrf_token": admin.csrf, "current_password": "no-es-esta", "new_password": "una frase larga de cuatro"})
    assert wrong.status_code == 422 and FULL_PAGE_ERROR not in wrong.text
    assert "actual no es correcta" in _error(wrong.text, "password")
    assert "no-es-esta" not in wrong.text and "una frase larga" not in wrong.text  # passwords never echoed
    token = admin.client.post("/settings/account/tokens", data={"csrf_token": admin.csrf, "name": "robot",
                                                                 "scope": "write", "days": "99999"})
    assert token.status_code == 422 and FULL_PAGE_ERROR not in token.text
    assert "Vigencia" in _error(token.text, "token")
    assert 'value="robot"' in token.text and 'value="99999"' in token.text
    assert '<option value="write" selected' in token.text
