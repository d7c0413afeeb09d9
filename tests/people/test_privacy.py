"""A person's data rights (Ley 1581 de 2012 / GDPR): export everything, forget on request with the
audit chain still verifying, and retention of closed cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from cauce.audit import anchor
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database, upgrade, utcnow
from cauce.mentions.service import ingest
from cauce.people import privacy
from cauce.replies import service as replies
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

NAME = "Ana Pérez"
TEXT = "Me cobraron doble la factura de marzo, soy Ana de Chapinero"
NOTE = "Ana llamó al 3001234567, pide reembolso"
COMMENT = "Gracias Ana aquí, resuelto"
OTHER = "Yo también tuve ese problema con la factura"


@dataclass
class World:
    db: Database
    brand_a: int
    brand_b: int
    person_id: int
    other_person_id: int
    case_id: int
    other_case_id: int


def _build(db: Database) -> World:
    # One organisation (an agency) with two brands: a person is one human across them.
    a = make_brand(db, name="Marca A", organisation="Agencia")
    b = make_brand(db, name="Marca B", organisation="Agencia")
    with db.session() as s:
        admin = auth.create_user(s, email="admin@a.co", name="Admin Uno", role="admin", password="clave-segura-1",
                                 brand_ids=[], actor=SYSTEM)
        principal = auth.principal_for(s, admin)
    with scripted_triage(), db.session() as s:
        first = ingest(s, mention(1, brand="marca-a", handle="@ana_p", text=TEXT))
        # Someone else answers in the same thread: a third party, whose data stays.
        other = ingest(s, mention(2, brand="marca-a", handle="@beto", text=OTHER, minutes=5,
                                  author={"handle": "@beto", "name": "Beto Ruiz", "followers": 3}))
        second = ingest(s, mention(3, brand="marca-b", handle="@ana_p", text="Y en Marca B tampoco me responden",
                                   minutes=10))
    assert first.case_id and second.case_id and other.case_id
    with db.session() as s:
        case = cases.get(s, case_id=first.case_id)
        person_id = case.person_id
        other_person = cases.get(s, case_id=other.case_id).person_id
        cases.add_note(s, case_id=case.id, text=NOTE, actor=SYSTEM, author_user_id=None)
        cases.record_satisfaction(s, case_id=case.id, score=5, comment=COMMENT, channel="twitter", actor=SYSTEM)
        cases.schedule_follow_up(s, case_id=case.id, kind="follow_up", due_at=utcnow() + timedelta(days=3),
                                 text="Contarle a Ana qué mejoramos", actor=SYSTEM)
        replies.record_external_reply(s, case_id=case.id, text="Hola Ana Pérez, ya revisamos tu factura. Laura",
                                      visibility="public", principal=principal)
    return World(db, a.id, b.id, person_id, other_person, first.case_id, other.case_id)


@pytest.fixture
def world(db: Database) -> World:
    return _build(db)


def _dump(db: Database, table: str) -> str:
    with db.engine.connect() as conn:
        return json.dumps([list(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {table}"))],
                          ensure_ascii=False)


def test_export_gathers_everything_about_the_person(world: World) -> None:
    with world.db.session() as s:
        doc = privacy.export_person(s, person_id=world.person_id, actor=SYSTEM)
    assert doc.person.display_name == NAME
    assert [h.handle for h in doc.handles] == ["ana_p"]
    assert {m.text for m in doc.mentions} == {TEXT, "Y en Marca B tampoco me responden"}
    assert OTHER not in {m.text for m in doc.mentions}  # the third party's message is theirs
    assert {c.brand_id for c in doc.cases} == {world.brand_a, world.brand_b}
    case = next(c for c in doc.cases if c.id == world.case_id)
    assert [n.text for n in case.notes] == [NOTE]
    assert [(x.score, x.comment) for x in case.satisfaction] == [(5, COMMENT)]
    assert case.follow_ups[0].text == "Contarle a Ana qué mejoramos"
    assert case.replies[0].text.startswith("Hola Ana Pérez")
    actions = {e.action for e in doc.audit_events}
    assert {"mention.ingested", "case.opened", "case.note_added", "case.satisfaction_recorded"} <= actions
    with world.db.session() as s:
        exported = [e for e in s.execute(text("SELECT action, entity_id FROM audit_events"))
                    if e[0] == "person.exported"]
    assert exported == [("person.exported", str(world.person_id))]


def test_forget_erases_the_person_and_the_audit_chain_still_verifies(world: World) -> None:
    db = world.db
    with db.session() as s:
        assert anchor.write_checkpoint(s) is not None  # a checkpoint covers the events about to be redacted
    with db.session() as s:
        result = privacy.forget_person(s, person_id=world.person_id, actor=SYSTEM, reason="Solicitud 2026-0042")
    assert result.people == 1 and result.cases == 2 and result.mentions == 2 and result.replies == 1
    assert result.audit_events_redacted >= 6
    for table in ("people", "handles", "mentions", "cases", "notes", "satisfaction_results", "follow_ups",
                  "replies", "audit_events"):
        dumped = _dump(db, table)
        for secret in (NAME, "ana_p", TEXT, NOTE, COMMENT, "Contarle a Ana", "Hola Ana"):
            assert secret not in dumped, (table, secret)
    # The third party keeps their message and name.
    assert OTHER in _dump(db, "mentions") and "Beto Ruiz" in _dump(db, "people")
    with db.session() as s:
        report = anchor.verify(s)
    assert report.ok, report.problems
    assert report.redacted == result.audit_events_redacted
    with db.session() as s:
        doc = privacy.export_person(s, person_id=world.person_id, actor=SYSTEM)
        assert doc.person.display_name is None and doc.person.anonymised_at is not None
        assert all(e.redacted for e in doc.audit_events if e.action == "case.note_added")
        # The tombstone: who asked and who did it stays, without the personal data.
        tombstone = s.execute(text("SELECT entity_id, reason FROM audit_events WHERE action = 'person.forgotten'"))
        assert list(tombstone) == [(str(world.person_id), "Solicitud 2026-0042")]
    # The statistics keep their rows: cases, their type and dates are still there.
    with db.session() as s:
        case = cases.get(s, case_id=world.case_id)
        assert case.pqr_type == "queja" and case.anonymised_at is not None
    # A later post by the same account starts a new person.
    with scripted_triage(), db.session() as s:
        again = ingest(s, mention(9, brand="marca-a", handle="@ana_p", text="otra vez", minutes=60))
        assert again.case_id is not None
        assert cases.get(s, case_id=again.case_id).person_id != world.person_id


def _client(db: Database) -> TestClient:
    return TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False))


def _token(db: Database, *, email: str, role: str, brand_ids: list[int]) -> dict[str, str]:
    with db.session() as s:
        user = auth.create_user(s, email=email, name=email.split("@")[0], role=role, password="clave-segura-1",
                                brand_ids=brand_ids, actor=SYSTEM)
        return {"Authorization": f"Bearer {auth.create_api_token(s, user_id=user.id, name='t', actor=SYSTEM)}"}


def test_only_admins_or_supervisors_of_all_the_persons_brands_may(world: World) -> None:
    db = world.db
    agent = _token(db, email="agente@a.co", role="agent", brand_ids=[world.brand_a, world.brand_b])
    sup_a = _token(db, email="sup-a@a.co", role="supervisor", brand_ids=[world.brand_a])
    sup_ab = _token(db, email="sup-ab@a.co", role="supervisor", brand_ids=[world.brand_a, world.brand_b])
    admin = _token(db, email="admin2@a.co", role="admin", brand_ids=[])
    path = f"/api/v1/people/{world.person_id}"
    with _client(db) as client:
        assert client.get(f"{path}/export", headers=agent).status_code == 403
        refused = client.get(f"{path}/export", headers=sup_a)
        assert refused.status_code == 403 and "administrador" in refused.json()["error"]["message"]
        assert client.post(f"{path}/forget", headers=sup_a, json={"reason": "solicitud"}).status_code == 403
        ok = client.get(f"{path}/export", headers=sup_ab)
        assert ok.status_code == 200 and ok.json()["person"]["display_name"] == NAME
        assert client.get(f"{path}/export", headers=admin).status_code == 200
        assert client.get("/api/v1/people/999999/export", headers=admin).status_code == 404
        gone = client.post(f"{path}/forget", headers=admin, json={"reason": "Radicado 77"})
        assert gone.status_code == 200 and gone.json()["people"] == 1
        assert client.get(f"{path}/export", headers=admin).json()["person"]["display_name"] is None
    with db.session() as s:
        assert anchor.verify(s).ok


def test_retention_anonymises_closed_cases_past_the_brands_period(world: World) -> None:
    db = world.db
    with db.session() as s:
        brands.update_policy(s, brand_id=world.brand_a, changes={"retention_days": 30}, actor=SYSTEM)
        # One old closed case, one recently closed (brand B has no retention period).
        s.execute(text("UPDATE cases SET is_open = :f, status = 'cerrado', closed_at = :at WHERE id = :id"),
                  {"f": False, "at": utcnow() - timedelta(days=40), "id": world.case_id})
        s.execute(text("UPDATE cases SET is_open = :f, status = 'cerrado', closed_at = :at WHERE id = :id"),
                  {"f": False, "at": utcnow() - timedelta(days=5), "id": world.other_case_id})
    from cauce.worker import sweep

    out = sweep(db)  # the worker's periodic pass runs it
    assert out["people.retention"]["cases"] == 1 and out["people.retention"]["brands"] == {"marca-a": 1}
    assert out["audit.checkpoint"] == 1
    assert TEXT not in _dump(db, "mentions") and NOTE not in _dump(db, "notes")
    assert NOTE not in _dump(db, "audit_events")
    assert OTHER in _dump(db, "mentions")  # in a recent case
    with db.session() as s:
        assert cases.get(s, case_id=world.case_id).anonymised_at is not None
        assert cases.get(s, case_id=world.other_case_id).anonymised_at is None
        # The person is not forgotten by retention: their newer case in brand B keeps its data.
        assert privacy.export_person(s, person_id=world.person_id, actor=SYSTEM).person.display_name == NAME
        assert privacy.retention_sweep(s).cases == 0  # nothing left to do
    with db.session() as s:
        assert anchor.verify(s).ok


def test_retention_period_is_validated() -> None:
    from pydantic import ValidationError

    from cauce.brands.policy import load_policy

    assert load_policy({"retention_days": 365}).retention_days == 365
    assert load_policy({}).retention_days is None
    with pytest.raises(ValidationError):
        load_policy({"retention_days": 0})


@pytest.fixture
def cli_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("CAUCE_DATABASE_URL", url)
    upgrade(url)
    db = Database(url)
    yield _build(db)
    db.dispose()


def test_cli_export_and_forget(cli_world: World, tmp_path: Path) -> None:
    from cauce.cli import app

    runner = CliRunner()
    out = tmp_path / "ana.json"
    result = runner.invoke(app, ["people", "export", str(cli_world.person_id), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["person"]["display_name"] == NAME
    result = runner.invoke(app, ["people", "forget", str(cli_world.person_id), "--reason", "Radicado 9", "--yes"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["people"] == 1
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    assert runner.invoke(app, ["people", "export", "424242"]).exit_code == 1
    result = runner.invoke(app, ["people", "retention-sweep"])
    assert result.exit_code == 0 and json.loads(result.stdout)["cases"] == 0
