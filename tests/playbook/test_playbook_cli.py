"""`cauce playbook show|set|guidelines` and `cauce crisis sweep|list|report` on a database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cauce.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAUCE_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["brands", "add", "Conectel"]).exit_code == 0
    return tmp_path


def test_show_effective_policy_json_and_yaml(env: Path) -> None:
    result = runner.invoke(app, ["playbook", "show", "--brand", "conectel", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["brand"] == "conectel" and data["times"]["follow_up_days"] == 7
    assert "§3.first-reply-public" in data["rules"]
    result = runner.invoke(app, ["playbook", "show", "--brand", "conectel"])
    assert yaml.safe_load(result.stdout)["crisis"]["window_minutes"] == 60
    bad = runner.invoke(app, ["playbook", "show", "--brand", "nadie"])
    assert bad.exit_code == 1 and "Marca desconocida" in bad.stderr
    assert runner.invoke(app, ["playbook", "show", "--brand", "conectel", "--format", "xml"]).exit_code == 2


def test_set_overrides_from_a_file_is_validated(env: Path) -> None:
    good = env / "p.yaml"
    good.write_text("times:\n  follow_up_days: 3\n", encoding="utf-8")
    assert runner.invoke(app, ["playbook", "set", "--brand", "conectel", "--file", str(good)]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["playbook", "show", "--brand", "conectel", "--format", "json"]).stdout)
    assert shown["times"]["follow_up_days"] == 3
    bad = env / "bad.yaml"
    bad.write_text("times:\n  follow_up_days: -1\nrules:\n  '§99.nada': {title: x, text: y}\n", encoding="utf-8")
    result = runner.invoke(app, ["playbook", "set", "--brand", "conectel", "--file", str(bad)])
    assert result.exit_code == 1 and "error:" in result.stderr


def test_guidelines_and_crisis_commands(env: Path) -> None:
    result = runner.invoke(app, ["playbook", "guidelines", "--brand", "conectel", "--html"])
    assert result.exit_code == 0 and "<h1>Normas de convivencia" in result.stdout
    result = runner.invoke(app, ["crisis", "sweep", "--now", "2026-03-02T14:00:00+00:00", "--no-notify"])
    assert result.exit_code == 0 and json.loads(result.stdout)["checked_brands"] == 1
    assert json.loads(runner.invoke(app, ["crisis", "list"]).stdout) == []
    missing = runner.invoke(app, ["crisis", "report", "9"])
    assert missing.exit_code == 1 and "No existe la crisis" in missing.stderr
    assert runner.invoke(app, ["crisis", "sweep", "--now", "ayer"]).exit_code == 2
