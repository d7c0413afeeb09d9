"""Read mention files (JSONL or CSV in the mention schema) line by line, keeping every good line.

A bad line becomes a `LineError` with its line number and reason; reading goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from pydantic import ValidationError

from cauce.mentions.schemas import MentionIn

MAX_LINE_BYTES = 1_000_000
# Python's csv module refuses fields over 128 KiB and the error ends the whole reader. Mentions
# may legitimately be long (blog posts), so allow fields up to a line's cap; anything longer is
# reported for its own line and the reader goes on.
if csv.field_size_limit() < MAX_LINE_BYTES:
    csv.field_size_limit(MAX_LINE_BYTES)
CSV_DELIMITERS = (",", ";", "\t", "|")
BOM = "\ufeff"
CSV_AUTHOR_COLUMNS = {"author_handle": "handle", "author_name": "name", "author_followers": "followers",
                      "followers": "followers"}
CSV_METRIC_COLUMNS = ("likes", "reposts", "replies")


@dataclass(frozen=True)
class LineError:
    line: int
    error: str
    id: str | None = None


def describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "línea"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _validate(raw: Any, line: int) -> MentionIn | LineError:
    if not isinstance(raw, dict):
        return LineError(line, "se esperaba un objeto JSON con los campos de la mención")
    try:
        return MentionIn.model_validate(raw)
    except ValidationError as exc:
        ident = raw.get("id") if isinstance(raw.get("id"), str) else None
        return LineError(line, describe(exc), ident)


def read_jsonl(stream: Iterable[str]) -> Iterator[MentionIn | LineError]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            yield LineError(number, f"línea demasiado larga ({len(line)} caracteres; máximo {MAX_LINE_BYTES})")
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield LineError(number, f"JSON inválido: {exc.msg} (columna {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:  # a number with thousands of digits, absurd nesting
            yield LineError(number, f"JSON inválido: {str(exc)[:120]}")
            continue
        yield _validate(raw, number)


def _csv_row_to_mention(row: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    author: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        key = key.strip()
        value = (value or "").strip()
        if key.startswith("author.") or key in CSV_AUTHOR_COLUMNS:
            author[key.split(".", 1)[1] if key.startswith("author.") else CSV_AUTHOR_COLUMNS[key]] = value or None
        elif key.startswith("metrics.") or key in CSV_METRIC_COLUMNS:
            # Blank or text ("n/d") counts as 0; digits go to the schema, which range-checks them.
            metrics[key.split(".", 1)[-1]] = value if value.isascii() and value.isdigit() else 0
        elif value != "":
            raw[key] = value
    if author.get("followers") is None:
        author.pop("followers", None)
    raw["author"] = author
    raw["metrics"] = metrics
    if "private" in raw:
        raw["private"] = str(raw["private"]).lower() in ("1", "true", "yes", "si", "sí")
    return raw


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV from its header line: Excel writes `;` in Spanish locales, `,` in
    English ones, some tools tabs. The most frequent candidate wins; `,` on a tie or none."""
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def read_csv(stream: Iterable[str]) -> Iterator[MentionIn | LineError]:
    lines = iter(stream)
    first = next(lines, "").removeprefix(BOM)
    reader = csv.DictReader(chain([first], lines), delimiter=sniff_delimiter(first))
    while True:
        start = reader.line_num + 1  # the csv module's count lags on an error
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the size limit: that line only
            yield LineError(start, f"CSV inválido: {exc}")
            continue
        if any(len(v) > MAX_LINE_BYTES for v in row.values() if isinstance(v, str)):
            yield LineError(reader.line_num, f"campo demasiado largo (máximo {MAX_LINE_BYTES} caracteres)")
            continue
        yield _validate(_csv_row_to_mention(row), reader.line_num)


def read_mentions(stream: Iterable[str], *, name: str = "") -> Iterator[MentionIn | LineError]:
    """JSONL unless the name ends in .csv or the first line looks like a CSV header (streams stdin)."""
    lower = name.lower()
    if lower.endswith(".csv"):
        yield from read_csv(stream)
        return
    if lower.endswith((".jsonl", ".json", ".ndjson")):
        lines = iter(stream)
        yield from read_jsonl(chain([next(lines, "").removeprefix(BOM)], lines))
        return
    lines = iter(stream)
    first = next(lines, "").removeprefix(BOM)
    rest = chain([first], lines)
    if first.lstrip().startswith("{") or not first.strip():
        yield from read_jsonl(rest)
    else:
        yield from read_csv(rest)
