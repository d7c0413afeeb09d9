"""`cauce reply check|draft`: the JSON contract other tools rely on, and exit codes."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from cauce.replies.cli import register
from cauce.replies.tone import GuardContext

runner = CliRunner()


def make_app(loader: object = None) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    register(app, loader)  # type: ignore[arg-type]
    return app


def test_check_json_prints_exactly_one_object_and_exits_zero_even_when_blocked() -> None:
    result = runner.invoke(make_app(), ["reply", "check", "--text",
                                        "¿Nos compartes aquí tu número de cédula?", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "block"
    assert set(data) == {"verdict", "findings"}
    assert data["findings"][0] == {**data["findings"][0], "rule": "public-personal-data", "severity": "block"}
    assert all(set(f) == {"rule", "severity", "message", "suggestion"} for f in data["findings"])


def test_private_visibility_changes_the_verdict() -> None:
    args = ["reply", "check", "--text", "¿Nos compartes tu número de pedido?", "--format", "json",
            "--visibility", "private"]
    data = json.loads(runner.invoke(make_app(), args).stdout)
    assert data["verdict"] == "ok"


def test_text_format_is_human_readable() -> None:
    result = runner.invoke(make_app(), ["reply", "check", "--text", "Eso no es cierto 🙄"])
    assert result.exit_code == 0 and "BLOQUEADA" in result.stdout and "Sugerencia" in result.stdout


def test_case_needs_the_database_unless_a_loader_is_wired() -> None:
    result = runner.invoke(make_app(), ["reply", "check", "--text", "hola", "--case", "3"])
    assert result.exit_code == 1 and "needs the database" in result.output

    def loader(case_id: int | None, brand: str | None) -> GuardContext:
        assert case_id == 3
        return GuardContext(recipient_name="Ana", agent_name="Laura", author_role="troll",
                            troll_confirmed=True, public_replies_sent=1)

    result = runner.invoke(make_app(loader), ["reply", "check", "--text", "Hola, Ana. Te escribimos. Laura",
                                              "--case", "3", "--format", "json"])
    assert json.loads(result.stdout)["findings"][0]["rule"] == "troll-second-public"


def test_usage_errors_are_non_zero() -> None:
    assert runner.invoke(make_app(), ["reply", "check", "--text", "x", "--format", "xml"]).exit_code == 2
    assert runner.invoke(make_app(), ["reply", "check", "--text", "x", "--visibility", "secret"]).exit_code == 2
    assert runner.invoke(make_app(), ["reply", "draft", "--intent", "nope", "--text", "x",
                                      "--agent", "Laura"]).exit_code == 2


def test_draft_json() -> None:
    result = runner.invoke(make_app(), [
        "reply", "draft", "--intent", "first_reply", "--text", "mi pedido lleva 5 días sin llegar",
        "--name", "Pedro", "--handle", "@pedro", "--agent", "Sofía", "--voice", "usted", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["visibility"] == "public" and "Pedro" in data["text"] and "Sofía" in data["text"]
    assert "pedido" in data["text"]
