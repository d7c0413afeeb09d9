"""`cauce ingest` of real-world files: one bad value or odd dialect never sinks the good lines.

Runs the real command against the `db` fixture (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cauce.cli import app
from cauce.db import Database
from cauce.mentions.models import Mention
from helpers import make_brand, mention, scripted_triage

runner = CliRunner()
HEADER = ["id", "created_at", "channel", "brand", "author_handle", "author_name", "followers", "text", "likes"]


def _ingest(db: Database, monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[dict[str, int], str]:
    monkeypatch.setenv("CAUCE_DATABASE_URL", db.url)
    with scripted_triage():
        result = runner.invoke(app, ["ingest", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def _stored(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Mention.external_id)))


def _row(n: int, *, handle: str = "@ana", followers: str = "50", text: str = "Sin señal desde ayer") -> list[str]:
    return [f"c{n}", "2026-03-02T14:00:00Z", "facebook", "conectel", handle, "Ana", followers, text, "4"]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ",;\t\"") else value

    return "\n".join(delimiter.join(cell(v) for v in row) for row in [HEADER, *rows]) + "\n"


@pytest.mark.parametrize("value", [10**30, 2**31])
def test_a_huge_follower_count_rejects_that_line_only(db: Database, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path, value: int) -> None:
    make_brand(db, name="Conectel")
    huge = mention(2, handle="@b").model_dump(mode="json")
    huge["author"]["followers"] = value
    likes = mention(3, handle="@c").model_dump(mode="json")
    likes["metrics"]["likes"] = value
    lines = [mention(1).model_dump_json(), json.dumps(huge), json.dumps(likes),
             mention(4, handle="@d").model_dump_json(), '{"id": "5", "n": ' + "9" * 5000 + "}"]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, err = _ingest(db, monkeypatch, path)
    assert summary == {"created": 2, "duplicate": 0, "errors": 3}, err
    assert "línea 2: author.followers" in err and "línea 3: metrics.likes" in err and "línea 5: JSON inválido" in err
    assert _stored(db) == {"1", "4"}


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (";", False), (",", True), ("\t", False)])
def test_excel_csv_dialects_are_read(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     delimiter: str, bom: bool) -> None:
    make_brand(db, name="Conectel")
    text = _csv([_row(1, text="Cobro doble; ¿y el reembolso?"), _row(2, handle="@b")], delimiter)
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    summary, err = _ingest(db, monkeypatch, path)
    assert summary == {"created": 2, "duplicate": 0, "errors": 0}, err
    assert _stored(db) == {"c1", "c2"}


def test_a_huge_csv_field_rejects_that_line_only(db: Database, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    make_brand(db, name="Conectel")
    rows = [_row(1), _row(2, handle="@b", text="x" * 150_000), _row(3, handle="@c", followers=str(10**30)),
            _row(4, handle="@d", text="y" * 1_200_000), _row(5, handle="@e")]
    path = tmp_path / "big.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    summary, err = _ingest(db, monkeypatch, path)
    assert summary == {"created": 2, "duplicate": 0, "errors": 3}, err
    assert "línea 3: text" in err and "línea 4: author.followers" in err and "línea 5:" in err
    assert _stored(db) == {"c1", "c5"}
