from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from cauce.connectors.base import PayloadError
from cauce.connectors.file_import import import_bytes, import_file, resolve_columns

CSV_ES = (
    "Fecha;Usuario;Nombre;Red;Texto;Seguidores;Me gusta;Compartidos;Enlace;Columna Rara\n"
    "23/11/2026 08:15;@ana;Ana Pérez;twitter;Me cobraron dos veces;1.234;5;2;https://x.com/ana/1;abc\n"
    "fecha mala;@luis;Luis;facebook;hola;3;;;;\n"
    "24/11/2026;@eva;Eva;instagram;<script>alert(1)</script> pésimo;2,5k;1;0;;\n"
    "25/11/2026 10:00;;Sin usuario;twitter;texto;1;1;1;;\n"
)


def test_csv_spanish_headers_semicolon_and_row_errors() -> None:
    result = import_bytes(CSV_ES.encode("utf-8-sig"), fmt="csv", brand="moviplus", timezone="America/Bogota")
    assert result.rows == 4 and [m.author.handle for m in result.mentions] == ["@ana", "@eva"]
    ana, eva = result.mentions
    assert ana.channel == "twitter" and ana.author.name == "Ana Pérez" and ana.author.followers == 1234
    assert (ana.metrics.likes, ana.metrics.reposts) == (5, 2) and ana.url == "https://x.com/ana/1"
    assert ana.created_at.isoformat() == "2026-11-23T13:15:00+00:00"  # 08:15 in Bogotá
    assert ana.extra_fields()["columna_rara"] == "abc"
    assert eva.author.followers == 2500 and eva.text.startswith("<script>")
    assert [e.line for e in result.errors] == [3, 5]
    assert "fecha" in result.errors[0].error and "author" in result.errors[1].error
    assert result.columns["Texto"] == "text" and result.columns["Red"] == "channel"


def test_stable_ids_make_reimport_idempotent() -> None:
    first = import_bytes(CSV_ES.encode(), fmt="csv", brand="b")
    second = import_bytes(CSV_ES.encode(), fmt="csv", brand="b")
    assert [m.id for m in first.mentions] == [m.id for m in second.mentions]
    assert len({m.id for m in first.mentions}) == 2 and first.mentions[0].id.startswith("import:")


def test_explicit_mapping_english_and_cp1252() -> None:
    data = "when,who,says,platform\n2026-11-23T08:00:00Z,@joe,café horrible,mastodon\n".encode("cp1252")
    result = import_bytes(
        data,
        fmt="csv",
        brand="b",
        mapping={"when": "created_at", "who": "author.handle", "says": "text", "platform": "channel"},
    )
    [m] = result.mentions
    assert m.text == "café horrible" and m.channel == "mastodon"
    with pytest.raises(PayloadError, match="desconocidos"):
        resolve_columns(["a"], {"a": "author.password"})


def test_jsonl_schema_and_flat_rows() -> None:
    lines = [
        json.dumps(
            {
                "id": "1",
                "created_at": "2026-11-23T08:00:00Z",
                "author": {"handle": "@a", "followers": 3},
                "text": "hola",
                "channel": "bluesky",
            }
        ),
        "{roto",
        json.dumps({"fecha": "2026-11-23", "usuario": "@b", "texto": "flat"}),
        json.dumps([1]),
        "",
    ]
    result = import_bytes("\n".join(lines).encode(), fmt="jsonl", brand="b")
    assert [m.text for m in result.mentions] == ["hola", "flat"]
    assert result.mentions[0].author.followers == 3 and result.mentions[1].channel == "archivo"
    assert [e.line for e in result.errors] == [2, 4]


def test_xlsx(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Quejas"
    ws.append([])
    ws.append(["Fecha", "Usuario", "Texto", "Red", "Seguidores", "Privado"])
    ws.append([datetime(2026, 11, 23, 9, 30), "@ana", "No llega mi pedido", "facebook", 120, "sí"])
    ws.append([None, None, None, None, None, None])
    ws.append(["no es fecha", "@x", "y", "twitter", "muchos", "no"])
    path = tmp_path / "historial.xlsx"
    book.save(path)
    result = import_file(path, brand="moviplus")
    [m] = result.mentions
    assert m.created_at.hour == 9 and m.private and m.author.followers == 120
    assert [e.line for e in result.errors] == [5]
    with pytest.raises(PayloadError, match="hoja"):
        import_file(path, brand="b", sheet="Otra")
    with pytest.raises(PayloadError, match="XLSX"):
        import_bytes(b"PK\x03\x04 no es un zip valido", fmt="xlsx", brand="b")


def test_unsupported_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "datos.pdf"
    bad.write_bytes(b"%PDF")
    with pytest.raises(PayloadError, match="formato"):
        import_file(bad, brand="b")
    with pytest.raises(PayloadError, match="zona horaria"):
        import_bytes(b"a\n1\n", fmt="csv", brand="b", timezone="Marte/Olympus")
    huge = "fecha,usuario,texto\n2026-11-23,@a," + "x" * 100_001 + "\n"
    result = import_bytes(huge.encode(), fmt="csv", brand="b")
    assert result.mentions == [] and "larga" in result.errors[0].error


def test_csv_bad_values_reject_their_row_only() -> None:
    """Huge counts, non-finite numbers, absurd dates and a cell over the csv module's 128 KiB limit."""
    rows = [
        "id;fecha;usuario;texto;seguidores;me gusta",
        "a1;2026-03-02 09:00;@ana;Sin señal;120;3",
        f"a2;2026-03-02 09:05;@beto;Cobro doble;{10**30};1",
        "a3;2026-03-02 09:10;@caro;Factura;10;1e400k",
        "a4;99999999999999999999;@dani;Reembolso;10;1",
        f"a5;2026-03-02 09:20;@eva;{'x' * 200_000};10;1",
        "a6;2026-03-02 09:25;@fer;Sigo esperando;2.500;4",
    ]
    data = "\ufeff".encode() + "\n".join(rows).encode()
    result = import_bytes(data, fmt="csv", brand="moviplus", timezone="America/Bogota")
    assert [m.id for m in result.mentions] == ["a1", "a6"]
    assert result.mentions[1].author.followers == 2500
    errors = {e.line: e.error for e in result.errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "seguidores" in errors[3] and "máximo" in errors[3]
    assert "me gusta" in errors[4] or "likes" in errors[4]
