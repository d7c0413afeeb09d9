"""The `cauce triage` JSONL contract: order, error objects, streaming history, no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from cauce.triage.cli import register
from cauce.triage.stream import OUTPUT_KEYS

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a callback keeps "triage" a sub-command, as in the real CLI
        """Cauce."""

    register(app)
    return app


def line(id: str, text: str, *, handle: str = "ana", minute: int = 0, **extra: Any) -> str:
    return json.dumps({"id": id, "created_at": f"2026-03-02T15:{minute:02d}:00Z", "channel": "x",
                       "brand": "Telco", "author": {"handle": handle, "followers": 30}, "text": text, **extra},
                      ensure_ascii=False)


def run(lines: list[str], *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(_app(), ["triage", *args], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return [json.loads(out) for out in result.stdout.splitlines()]


def test_one_result_per_line_in_order_with_the_contract_keys() -> None:
    lines = [line(f"m{i}", text) for i, text in enumerate(
        ["Llevo 3 días sin internet", "Gracias, excelente atención", "¿A qué hora abren?"] * 5)]
    out = run(lines)
    assert [o["id"] for o in out] == [f"m{i}" for i in range(15)]
    assert all(tuple(o) == OUTPUT_KEYS for o in out)
    assert out[0]["is_complaint"] and not out[1]["is_complaint"]


def test_malformed_lines_become_error_objects_and_processing_continues() -> None:
    lines = [line("a", "pésimo servicio"), "{not json", json.dumps({"id": "b", "text": "sin autor"}),
             "[1, 2]", "", json.dumps({"id": "c", "created_at": "ayer", "channel": "x", "brand": "T",
                                       "author": {"handle": "h"}, "text": "x"}), line("d", "hola")]
    out = run(lines)
    assert len(out) == 7
    assert out[0]["id"] == "a" and "error" not in out[0]
    assert "error" in out[1] and "id" not in out[1]
    assert out[2]["id"] == "b" and "author" in out[2]["error"]
    assert "error" in out[3] and "error" in out[4]
    assert out[5]["id"] == "c" and "created_at" in out[5]["error"]
    assert out[6]["id"] == "d" and "error" not in out[6]


def test_role_changes_as_evidence_arrives() -> None:
    texts = ["jajaja pobres payasos 🤡", "sigan llorando jaja, ridículos 😂", "jajaja qué circo, payasos 🤡🤡"]
    lines = [line("post1", "Mi pedido 4412 no llega", handle="cliente")]
    lines += [line(f"t{i}", t, handle="burlon", minute=i + 1, in_reply_to="post1") for i, t in enumerate(texts)]
    out = run(lines)
    roles = [o["author_role"] for o in out[1:]]
    assert roles[0] != "troll"
    assert roles[-1] == "troll"


def test_brand_reply_marks_the_message_answered() -> None:
    lines = [line("q1", "Mi pedido 4412 no llega", handle="ana"),
             line("r1", "Hola Ana, ya lo revisamos por DM. Laura", handle="Telco", minute=1, in_reply_to="q1"),
             line("q2", "Sigue sin llegar mi pedido 4412", handle="ana", minute=2)]
    out = run(lines)
    assert not any("sin respuesta" in reason for reason in out[2]["reasons"])
    unanswered = run([lines[0], lines[2]])
    assert "1 mensaje sin respuesta" in unanswered[1]["reasons"]


def test_repeated_id_is_a_metrics_update_that_measures_velocity() -> None:
    first = line("v1", "Pésimo servicio, me cobraron doble", metrics={"likes": 0}, observed_at="2026-03-02T15:00:00Z")
    later = line("v1", "Pésimo servicio, me cobraron doble", metrics={"likes": 300, "reposts": 100},
                 observed_at="2026-03-02T16:00:00Z")
    out = run([first, later])
    assert any(reason.startswith("crece rápido: +400") for reason in out[1]["reasons"])
    assert out[1]["priority"] > out[0]["priority"]


def test_files_in_and_out(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line("f1", "Sé dónde vives, cuídate") + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(_app(), ["triage", "--input", str(source), "--output", str(target), "--details"])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["threat"] and "amenaza" in data["reasons"]
    assert "evidence" in data and "impact" in data


def test_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["triage", "--input", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "No existe" in result.output


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["triage", "--output", str(tmp_path / "no" / "dir" / "out.jsonl")],
                           input=line("x", "hola") + "\n")
    assert result.exit_code == 2
    assert "No se puede escribir" in result.output


def test_hostile_input_is_handled_line_by_line() -> None:
    huge = line("big", "pésimo servicio, llevo dos días sin internet " + "a" * 99_000)
    nested = '{"id": "deep", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    html = line("html", "<script>alert('x')</script><b>Pésimo</b> servicio", handle="<img src=x onerror=alert(1)>")
    odd = line("odd", "\u202egracias\u200b por nada 👏👏 \ud83d", handle="zalgo\u0301\u0301\u0301\u0301")
    raw = "\n".join([huge, nested, html, odd]).encode("utf-8", "surrogatepass") + b"\n\xff\xfe not utf8\n"
    result = runner.invoke(_app(), ["triage"], input=raw)
    assert result.exit_code == 0, result.output
    out = [json.loads(o) for o in result.stdout.splitlines()]
    assert [o.get("id") for o in out[:4]] == ["big", None, "html", "odd"]
    assert out[0]["is_complaint"] and "error" not in out[0]
    assert "error" in out[1]
    assert "error" not in out[2] and "error" not in out[3]
    assert "error" in out[4]
