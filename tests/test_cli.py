"""The `cauce` command line against a real database file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cauce.cli import app
from helpers import mention, scripted_triage

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAUCE_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return tmp_path


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_commands_refuse_an_unmigrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    for command in (["brands", "list"], ["cases", "list"], ["audit", "verify"], ["channels", "list"]):
        result = runner.invoke(app, command)
        # A clear message and exit code 1, not a traceback.
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert "cauce db upgrade" in result.stderr


def test_help_lists_every_feature_command_and_each_feature_command_runs() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("cases", "brands", "ingest", "triage", "reply", "channels", "outbox", "playbook", "crisis"):
        assert command in result.stdout
    for command in ("triage", "reply", "channels", "playbook"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0


def test_a_short_command_does_not_load_the_other_features() -> None:
    code = ("import sys; sys.argv = ['cauce', 'cases', 'list']; import cauce.cli; "
            "print(sorted(m for m in cauce.cli.FEATURE_COMMANDS if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_brands_add_and_list_json(env: Path) -> None:
    code, out, _ = invoke("brands", "add", "Banco Andino", "--country", "mx", "--handle", "@bancoandino",
                          "--voice", "usted")
    assert code == 0 and "banco-andino" in out
    code, out, _ = invoke("brands", "list", "--format", "json")
    brands = json.loads(out)
    assert brands[0]["slug"] == "banco-andino" and brands[0]["country"] == "MX"
    assert brands[0]["timezone"] == "America/Mexico_City" and brands[0]["handles"] == ["@bancoandino"]
    code, _, err = invoke("brands", "add", "Banco Andino")
    assert code == 1 and "Ya existe" in err


def test_users_create_and_list(env: Path) -> None:
    invoke("brands", "add", "Conectel")
    code, out, _ = invoke("users", "create", "--email", "laura@conectel.co", "--name", "Laura", "--role", "agent",
                          "--password", "clave-segura", "--brand", "conectel")
    assert code == 0, out
    code, out, _ = invoke("users", "list", "--format", "json")
    assert json.loads(out)[0]["brand_ids"] == [1]
    code, _, err = invoke("users", "create", "--email", "x@y.co", "--name", "X", "--password", "corta")
    assert code == 1 and "12 caracteres" in err


def test_ingest_file_keeps_good_lines_and_reports_bad_ones(env: Path) -> None:
    invoke("brands", "add", "Conectel")
    lines = [mention(1).model_dump_json(), "{not json", json.dumps({"id": "2", "text": "falta todo"}),
             mention(3, handle="@b", brand="Nadie").model_dump_json(), mention(4, handle="@c").model_dump_json(), ""]
    path = env / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with scripted_triage():
        _, out, err = invoke("ingest", str(path))
        assert json.loads(out.strip().splitlines()[-1]) == {"created": 2, "duplicate": 0, "errors": 3}
        assert "línea 2: JSON inválido" in err and "línea 3" in err and "Marca desconocida" in err
        _code, out, _ = invoke("ingest", str(path), "--quiet")
        assert json.loads(out.strip().splitlines()[-1]) == {"created": 0, "duplicate": 2, "errors": 3}


def test_ingest_csv_from_stdin(env: Path) -> None:
    invoke("brands", "add", "Conectel")
    csv_text = ("id,created_at,channel,brand,author_handle,author_name,followers,text,likes\n"
                "c1,2026-03-02T14:00:00Z,facebook,conectel,@maria,María,50,\"Llevo 3 días sin señal, ¿qué pasa?\",4\n")
    with scripted_triage():
        code, out, _ = invoke("ingest", "-", input=csv_text)
    assert code == 0 and json.loads(out.strip()) == {"created": 1, "duplicate": 0, "errors": 0}


def test_cases_list_and_show(env: Path) -> None:
    invoke("brands", "add", "Conectel")
    path = env / "m.jsonl"
    path.write_text("\n".join(mention(i, handle=f"@u{i}", test_triage={"priority": 10 * i}).model_dump_json()
                              for i in range(1, 4)), encoding="utf-8")
    with scripted_triage():
        invoke("ingest", str(path))
    code, out, _ = invoke("cases", "list", "--format", "json")
    rows = json.loads(out)
    assert [r["priority"] for r in rows] == [30, 20, 10]
    code, out, _ = invoke("cases", "list")
    assert "prio" in out.splitlines()[0] and len(out.splitlines()) == 4
    code, out, _ = invoke("cases", "show", str(rows[0]["id"]), "--format", "json")
    assert json.loads(out)["case"]["id"] == rows[0]["id"]
    code, _, err = invoke("cases", "show", "999")
    assert code == 1 and "No existe el caso 999" in err
    code, out, _ = invoke("audit", "verify")
    assert code == 0 and json.loads(out)["ok"] is True


def test_ingest_survives_lone_surrogates_and_control_characters(env: Path) -> None:
    invoke("brands", "add", "Conectel")
    line = ('{"id": "s1", "created_at": "2026-03-02T14:00:00Z", "channel": "twitter", "brand": "conectel", '
            '"author": {"handle": "@ana\\ud83d", "name": "Ana\\u0000"}, "text": "sin se\\u00f1al \\ud83d\\u0007 hoy"}')
    path = env / "odd.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with scripted_triage():
        _, out, err = invoke("ingest", str(path))
    assert json.loads(out.strip().splitlines()[-1]) == {"created": 1, "duplicate": 0, "errors": 0}, err
    _, out, _ = invoke("cases", "list", "--format", "json")
    assert json.loads(out)[0]["title"] == "sin señal \ufffd hoy"


def test_reply_check_reads_the_case_from_the_database(env: Path) -> None:
    invoke("brands", "add", "Conectel", "--voice", "usted")
    path = env / "m.jsonl"
    path.write_text(mention(1, text="Me cobraron dos veces la factura de marzo").model_dump_json(), encoding="utf-8")
    with scripted_triage():
        invoke("ingest", str(path))
    code, out, err = invoke("reply", "check", "--case", "1", "--visibility", "public", "--format", "json",
                            "--text", "Hola @ana, escríbenos aquí tu número de cédula y la dirección. Laura")
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["verdict"] == "block"
    assert {f["rule"] for f in verdict["findings"]} >= {"public-personal-data"}
    code, _, err = invoke("reply", "check", "--case", "99", "--text", "Hola")
    assert code == 1 and "No existe el caso 99" in err


def test_worker_once_runs_the_sweeps_and_the_connector_runtime(env: Path) -> None:
    code, out, err = invoke("worker", "--once")
    assert code == 0, err
    # Every periodic job of every feature, once, keyed by job name.
    for job in ("'cases.sla'", "'replies.outbox'", "'connectors.poll_due'", "'connectors.metrics'",
                "'people.identity'", "'people.retention'", "'audit.checkpoint'", "'playbook.crisis'",
                "'corrections.retrain'"):
        assert job in out
