"""Validate the Cauce triage corpus; exit status 1 on any error.

Checks every line of ``messages/*.jsonl`` and ``authors/*.jsonl``: required
fields and types, allowed values, unique ids, ``category`` null iff the
message is not a complaint, ``is_complaint`` iff ``pqr_type`` is queja/reclamo,
duplicate texts, and near-duplicates across the train/test split (which would
inflate the held-out scores).

Run: ``python data/corpus/validate.py [--no-near-duplicates]``
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent

SECTORS = {
    "telecom",
    "ecommerce",
    "banca",
    "delivery",
    "alcaldia",
    "aerolinea",
    "energia",
    "salud",
    "retail",
    "seguros",
}
DIALECTS = {"mx", "co", "ar", "es", "cl", "pe", "ve", "neutral"}
CHANNELS = {
    "twitter",
    "facebook",
    "instagram",
    "mastodon",
    "bluesky",
    "blog",
    "email",
    "telegram",
    "youtube",
}
LANGUAGES = {"es", "en", "pt"}
PQR_TYPES = {"peticion", "queja", "reclamo", "sugerencia", "felicitacion", "otro"}
CATEGORIES = {"cobro", "entrega", "contrato", "producto", "atencion", "garantia", "otro"}
SENTIMENTS = {"negativo", "neutro", "positivo"}
ROLES = {"cliente", "hostil", "troll", "ninguno"}
SPLITS = {"train", "test"}

MESSAGE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "text": str,
    "sector": str,
    "brand": str,
    "dialect": str,
    "channel": str,
    "language": str,
    "is_complaint": bool,
    "pqr_type": str,
    "category": (str, type(None)),
    "sentiment": str,
    "anger": int,
    "abusive": bool,
    "threat": bool,
    "legal_risk": bool,
    "sarcasm": bool,
    "split": str,
}
OPTIONAL_MESSAGE_FIELDS: dict[str, type] = {"swearing": bool, "relevant": bool}
AUTHOR_FIELDS: dict[str, type] = {
    "author_id": str,
    "handle": str,
    "role": str,
    "split": str,
    "followers": int,
    "messages": list,
}
AUTHOR_MESSAGE_FIELDS: dict[str, type] = {
    "text": str,
    "created_at": str,
    "answered": bool,
    "reply_to_other": bool,
}
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
NEAR_DUPLICATE_SCORE = 85.0  # rapidfuzz ratio (0-100) on normalised text


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\W+", " ", text).strip()


def _check_types(obj: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    errors = []
    for key, expected in spec.items():
        if key not in obj:
            errors.append(f"{where}: missing field {key!r}")
        # bool is a subclass of int: reject True where an int count is expected
        elif not isinstance(obj[key], expected) or (expected is int and isinstance(obj[key], bool)):
            errors.append(f"{where}: field {key!r} has wrong type {type(obj[key]).__name__}")
    return errors


def _check_allowed(value: Any, allowed: set[str], name: str, where: str) -> list[str]:
    return [] if value in allowed else [f"{where}: {name}={value!r} not in {sorted(allowed)}"]


def check_message(msg: dict[str, Any], where: str) -> list[str]:
    errors = _check_types(msg, MESSAGE_FIELDS, where)
    errors += _check_types(
        {k: v for k, v in msg.items() if k in OPTIONAL_MESSAGE_FIELDS},
        {k: t for k, t in OPTIONAL_MESSAGE_FIELDS.items() if k in msg},
        where,
    )
    unknown = msg.keys() - MESSAGE_FIELDS.keys() - OPTIONAL_MESSAGE_FIELDS.keys()
    if unknown:
        errors.append(f"{where}: unknown fields {sorted(unknown)}")
    if errors:
        return errors
    errors += _check_allowed(msg["sector"], SECTORS, "sector", where)
    errors += _check_allowed(msg["dialect"], DIALECTS, "dialect", where)
    errors += _check_allowed(msg["channel"], CHANNELS, "channel", where)
    errors += _check_allowed(msg["language"], LANGUAGES, "language", where)
    errors += _check_allowed(msg["pqr_type"], PQR_TYPES, "pqr_type", where)
    errors += _check_allowed(msg["sentiment"], SENTIMENTS, "sentiment", where)
    errors += _check_allowed(msg["split"], SPLITS, "split", where)
    if not re.fullmatch(r"m-\d{4,}", msg["id"]):
        errors.append(f"{where}: id {msg['id']!r} does not look like m-0001")
    if not msg["text"].strip():
        errors.append(f"{where}: empty text")
    if not msg["brand"].strip():
        errors.append(f"{where}: empty brand")
    if msg["anger"] not in {0, 1, 2, 3}:
        errors.append(f"{where}: anger={msg['anger']} not in 0..3")
    complaint = msg["pqr_type"] in {"queja", "reclamo"}
    if msg["is_complaint"] != complaint:
        errors.append(f"{where}: is_complaint must be true iff pqr_type is queja/reclamo")
    if complaint and msg["category"] not in CATEGORIES:
        errors.append(f"{where}: complaint needs a category in {sorted(CATEGORIES)}")
    if not complaint and msg["category"] is not None:
        errors.append(f"{where}: category must be null when not a complaint")
    return errors


def check_author(author: dict[str, Any], where: str) -> list[str]:
    errors = _check_types(author, AUTHOR_FIELDS, where)
    if errors:
        return errors
    errors += _check_allowed(author["role"], ROLES, "role", where)
    errors += _check_allowed(author["split"], SPLITS, "split", where)
    if not re.fullmatch(r"a-\d{3,}", author["author_id"]):
        errors.append(f"{where}: author_id {author['author_id']!r} does not look like a-001")
    if not author["handle"].startswith("@"):
        errors.append(f"{where}: handle must start with @")
    if author["followers"] < 0:
        errors.append(f"{where}: negative followers")
    messages = author["messages"]
    if not 2 <= len(messages) <= 10:
        errors.append(f"{where}: {len(messages)} messages, expected 2-10")
    previous = ""
    for i, msg in enumerate(messages):
        here = f"{where} message {i}"
        if not isinstance(msg, dict):
            errors.append(f"{here}: not an object")
            continue
        sub = _check_types(msg, AUTHOR_MESSAGE_FIELDS, here)
        errors += sub
        if sub:
            continue
        if not msg["text"].strip():
            errors.append(f"{here}: empty text")
        if not ISO_UTC.match(msg["created_at"]):
            errors.append(f"{here}: created_at must be ISO-8601 UTC like 2026-03-01T10:00:00Z")
        elif msg["created_at"] < previous:
            errors.append(f"{here}: messages must be oldest first")
        else:
            previous = msg["created_at"]
    return errors


def _read_jsonl(path: Path, errors: list[str]) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.relative_to(ROOT)}:{n}"
        if not line.strip():
            errors.append(f"{where}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{where}: not a JSON object")
            continue
        rows.append((where, obj))
    return rows


def near_duplicates(messages: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Pairs of train/test messages whose normalised texts are almost equal."""
    from rapidfuzz import fuzz, process

    train = [(w, normalise(m["text"])) for w, m in messages if m.get("split") == "train"]
    test = [(w, normalise(m["text"])) for w, m in messages if m.get("split") == "test"]
    if not train or not test:
        return []
    scores = process.cdist(
        [t for _, t in test],
        [t for _, t in train],
        scorer=fuzz.ratio,
        score_cutoff=NEAR_DUPLICATE_SCORE,
        workers=1,
    )
    errors = []
    for i, j in zip(*scores.nonzero(), strict=True):
        errors.append(f"{test[i][0]}: near-duplicate of train {train[j][0]} (ratio {scores[i, j]:.0f})")
    return errors


def validate(check_near_duplicates: bool = True) -> list[str]:
    errors: list[str] = []
    messages: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((ROOT / "messages").glob("*.jsonl")):
        for where, obj in _read_jsonl(path, errors):
            errors += check_message(obj, where)
            messages.append((where, obj))
    seen_ids: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    for where, msg in messages:
        mid, text = msg.get("id"), normalise(str(msg.get("text", "")))
        if mid in seen_ids:
            errors.append(f"{where}: duplicate id {mid!r} (first at {seen_ids[mid]})")
        seen_ids.setdefault(str(mid), where)
        if text in seen_texts:
            errors.append(f"{where}: duplicate text (first at {seen_texts[text]})")
        seen_texts.setdefault(text, where)
    if check_near_duplicates:
        errors += near_duplicates(messages)
    author_ids: dict[str, str] = {}
    for path in sorted((ROOT / "authors").glob("*.jsonl")):
        for where, obj in _read_jsonl(path, errors):
            errors += check_author(obj, where)
            aid = str(obj.get("author_id"))
            if aid in author_ids:
                errors.append(f"{where}: duplicate author_id {aid!r}")
            author_ids.setdefault(aid, where)
    return errors


def main(argv: list[str]) -> int:
    errors = validate(check_near_duplicates="--no-near-duplicates" not in argv)
    for error in errors:
        print(error, file=sys.stderr)
    n_messages = sum(1 for p in (ROOT / "messages").glob("*.jsonl") for _ in p.open(encoding="utf-8"))
    n_authors = sum(1 for p in (ROOT / "authors").glob("*.jsonl") for _ in p.open(encoding="utf-8"))
    status = "FAILED" if errors else "ok"
    print(f"{status}: {n_messages} messages, {n_authors} authors, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
