"""Import mentions from the spreadsheets teams already keep: CSV, JSONL and XLSX.

Columns are mapped to the mention schema by name, with defaults for common Spanish and English
headers ("fecha", "usuario", "texto", "red", "seguidores", "me gusta"...), or by an explicit
mapping {header: field}. Every good row is kept; each bad row becomes a `LineError` with its
row number and the reason. Rows without an id get a stable one derived from their content, so
importing the same file twice does not duplicate mentions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cauce.connectors.base import PayloadError, make_mention
from cauce.connectors.terms import fold
from cauce.mentions.fileio import LineError, sniff_delimiter
from cauce.mentions.schemas import MAX_COUNT, MentionIn

MAX_ROWS = 200_000
MAX_CELL_CHARS = 100_000
FIELDS = {
    "id",
    "created_at",
    "channel",
    "brand",
    "author.handle",
    "author.name",
    "author.followers",
    "text",
    "in_reply_to",
    "conversation_id",
    "url",
    "private",
    "metrics.likes",
    "metrics.reposts",
    "metrics.replies",
}
_DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "identificador", "id publicacion", "id mensaje", "post id", "message id", "external id"),
    "created_at": (
        "fecha",
        "fecha y hora",
        "fecha publicacion",
        "fecha de publicacion",
        "date",
        "datetime",
        "created at",
        "timestamp",
        "published",
        "creado",
    ),
    "channel": ("red", "red social", "canal", "plataforma", "channel", "network", "platform", "source network"),
    "brand": ("marca", "brand"),
    "author.handle": (
        "usuario",
        "autor",
        "cuenta",
        "nombre de usuario",
        "handle",
        "user",
        "username",
        "author",
        "author handle",
        "screen name",
    ),
    "author.name": ("nombre", "nombre del autor", "nombre autor", "name", "author name", "display name"),
    "author.followers": ("seguidores", "followers", "author followers", "followers count"),
    "text": (
        "texto",
        "mensaje",
        "comentario",
        "contenido",
        "publicacion",
        "text",
        "message",
        "comment",
        "content",
        "body",
        "post",
    ),
    "in_reply_to": ("en respuesta a", "respuesta a", "in reply to", "reply to"),
    "conversation_id": ("conversacion", "hilo", "conversation", "conversation id", "thread"),
    "url": ("url", "enlace", "link", "permalink"),
    "private": ("privado", "private", "dm", "mensaje privado"),
    "metrics.likes": ("me gusta", "likes", "reacciones", "favoritos", "favourites", "favorites", "reactions"),
    "metrics.reposts": ("compartidos", "reposts", "retweets", "shares", "reblogs", "veces compartido"),
    "metrics.replies": ("respuestas", "comentarios", "replies", "comments", "reply count"),
}
_TRUE = {"1", "si", "sí", "true", "yes", "x", "verdadero", "privado"}
_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


def _norm(header: str) -> str:
    return re.sub(r"[\s_.\-]+", " ", fold(str(header))).strip()


@dataclass
class ImportResult:
    mentions: list[MentionIn] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header → field used
    rows: int = 0


def resolve_columns(headers: Iterable[str], mapping: Mapping[str, str] | None = None) -> dict[str, str]:
    """header → schema field. An explicit mapping wins; unknown headers are kept as extra fields."""
    explicit = {_norm(k): v for k, v in (mapping or {}).items()}
    bad = sorted(set(explicit.values()) - FIELDS)
    if bad:
        raise PayloadError(f"importación: campos de destino desconocidos {bad}; válidos: {sorted(FIELDS)}")
    lookup = {_norm(alias): target for target, aliases in _DEFAULT_HEADERS.items() for alias in aliases}
    lookup.update({_norm(target): target for target in FIELDS})
    resolved: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        if header is None or not str(header).strip():
            continue
        key = _norm(header)
        target = explicit.get(key) or lookup.get(key)
        if target and target not in taken:
            resolved[str(header)] = target
            taken.add(target)
        else:
            resolved[str(header)] = f"extra:{key.replace(' ', '_')}"
    return resolved


def _int(value: Any, what: str) -> int:
    number = _parse_int(value, what)
    if number > MAX_COUNT:
        raise ValueError(f"{what}: {str(value)[:30]} supera el máximo admitido ({MAX_COUNT})")
    return number


def _parse_int(value: Any, what: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError(f"{what}: se esperaba un número")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what}: {value!r} no es un número")
    if isinstance(value, int | float):
        return max(0, int(value))
    text = fold(str(value)).strip().replace(" ", "")
    multiplier = 1
    for suffix, factor in (("mil", 1_000), ("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            text, multiplier = text[: -len(suffix)], factor
            break
    if multiplier > 1:
        scaled = float(text.replace(",", ".")) * multiplier
        if not math.isfinite(scaled):
            raise ValueError(f"{what}: {str(value)[:30]!r} no es un número")
        return max(0, int(scaled))
    digits = text.replace(".", "").replace(",", "")  # 1.234 / 1,234 are thousands separators
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{what}: {str(value)[:30]!r} no es un número")
    if len(digits) > 20:
        raise ValueError(f"{what}: {str(value)[:30]} supera el máximo admitido ({MAX_COUNT})")
    return int(digits)


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    text = str(value or "").strip()
    if not text:
        raise ValueError("fecha: vacía")
    if text.isdigit():
        return _datetime(int(text))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:  # day first, as written in Spanish-speaking countries
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"fecha: {text[:40]!r} no se reconoce (use AAAA-MM-DD o DD/MM/AAAA HH:MM)")


def map_row(
    row: Mapping[str, Any], columns: Mapping[str, str], *, brand: str, channel: str, tz: tzinfo | None = None
) -> dict[str, Any]:
    """One row → a mention dict. Naive dates are in `tz` (the team's local time), else UTC."""
    out: dict[str, Any] = {"brand": brand, "channel": channel}
    author: dict[str, Any] = {}
    metrics: dict[str, int] = {}
    for header, value in row.items():
        target = columns.get(str(header))
        if target is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            if len(value) > MAX_CELL_CHARS:
                raise ValueError(f"{header}: celda demasiado larga ({len(value)} caracteres)")
            value = value.strip()
        if target.startswith("extra:"):
            out[target[6:]] = value if isinstance(value, str | int | float | bool) else str(value)
        elif target == "created_at":
            when = _datetime(value)
            out[target] = when.replace(tzinfo=tz) if tz is not None and when.tzinfo is None else when
        elif target == "author.followers":
            author["followers"] = _int(value, "seguidores")
        elif target.startswith("author."):
            author[target[7:]] = str(value)
        elif target.startswith("metrics."):
            metrics[target[8:]] = _int(value, target[8:])
        elif target == "private":
            out[target] = fold(str(value)).strip() in _TRUE
        else:
            out[target] = str(value)
    if author:
        out["author"] = author
    if metrics:
        out["metrics"] = metrics
    if "id" not in out:
        basis = "|".join(str(out.get(k, "")) for k in ("channel", "created_at", "text")) + f"|{author.get('handle')}"
        out["id"] = "import:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
    return out


def _rows_csv(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    # The header decides the delimiter (a 64 KB sample may not even hold one full row of long posts).
    delimiter = sniff_delimiter(stream.readline())
    stream.seek(0)
    reader = csv.DictReader(stream, delimiter=delimiter)
    while True:
        start = reader.line_num + 1  # the csv module's count lags on an error
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the csv module's limit: that row only
            yield start, f"CSV inválido: {exc}"
            continue
        yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def _rows_jsonl(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield number, f"JSON inválido: {exc}"
            continue
        yield number, value if isinstance(value, dict) else "se esperaba un objeto JSON"


def _rows_xlsx(data: bytes, sheet: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise PayloadError(f"importación: el archivo XLSX no se puede leer ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise PayloadError(f"importación: no existe la hoja {sheet!r}; hojas: {book.sheetnames}")
        ws = book[sheet] if sheet else book.worksheets[0]
        headers: list[str] | None = None
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if headers is None:
                if any(v not in (None, "") for v in values):
                    headers = [str(v).strip() if v is not None else "" for v in values]
                continue
            if all(v in (None, "") for v in values):
                continue
            yield number, {h: v for h, v in zip(headers, values, strict=False) if h}
    finally:
        book.close()


def detect_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise PayloadError(f"importación: formato no soportado {suffix!r} (use CSV, JSONL o XLSX)")


def import_bytes(
    data: bytes,
    *,
    fmt: str,
    brand: str,
    channel: str = "archivo",
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    timezone: str | None = None,
) -> ImportResult:
    try:
        tz = ZoneInfo(timezone) if timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        raise PayloadError(f"importación: zona horaria desconocida {timezone!r} (p. ej. America/Bogota)") from None
    result = ImportResult()
    rows: Iterator[tuple[int, dict[str, Any] | str]]
    if fmt == "xlsx":
        rows = _rows_xlsx(data, sheet)
    elif fmt in ("csv", "jsonl"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
        stream = io.StringIO(text, newline="")
        rows = _rows_csv(stream) if fmt == "csv" else _rows_jsonl(stream)
    else:
        raise PayloadError(f"importación: formato desconocido {fmt!r}")
    columns: dict[str, str] | None = None
    for number, row in rows:
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(LineError(number, f"se importan como máximo {MAX_ROWS} filas; el resto se ignoró"))
            break
        if isinstance(row, str):
            result.errors.append(LineError(number, row))
            continue
        if fmt == "jsonl":
            columns = resolve_columns(_flatten_keys(row), mapping)
            row = _flatten(row)
        elif columns is None:
            columns = resolve_columns(row.keys(), mapping)
            result.columns = columns
        try:
            mapped = map_row(row, columns, brand=brand, channel=channel, tz=tz)
            result.mentions.append(make_mention(mapped, network="importación"))
        except (ValueError, OverflowError, OSError, PayloadError) as exc:  # dates/numbers out of range too
            reason = exc.reason if isinstance(exc, PayloadError) else str(exc) or type(exc).__name__
            ident = row.get("id") if isinstance(row.get("id"), str) else None
            result.errors.append(LineError(number, reason, ident))
    return result


def _flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """JSONL rows may already use the schema's nesting (author: {...}, metrics: {...})."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("author", "metrics") and isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _flatten_keys(row: Mapping[str, Any]) -> list[str]:
    return list(_flatten(row).keys())


def import_file(
    path: str | Path,
    *,
    brand: str,
    channel: str = "archivo",
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    timezone: str | None = None,
    max_bytes: int = 200_000_000,
) -> ImportResult:
    path = Path(path)
    if path.stat().st_size > max_bytes:
        raise PayloadError(f"importación: el archivo supera {max_bytes // 1_000_000} MB")
    return import_bytes(
        path.read_bytes(),
        fmt=detect_format(path.name),
        brand=brand,
        channel=channel,
        mapping=mapping,
        sheet=sheet,
        timezone=timezone,
    )
