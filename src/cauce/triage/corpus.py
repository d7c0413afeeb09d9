"""Read the labelled corpus in `data/corpus/` (messages and author histories).

The corpus grows while people write it: a malformed or half-written line is skipped with a
warning, never a crash. Everything is returned sorted by id so training is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cauce.triage.schemas import AUTHOR_ROLES, CATEGORIES, PQR_TYPES

log = logging.getLogger(__name__)

SENTIMENTS = ("negativo", "neutro", "positivo")
FLAGS = ("abusive", "threat", "legal_risk", "sarcasm")


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    text: str
    split: str
    is_complaint: bool
    pqr_type: str
    category: str | None
    sentiment: str
    anger: int  # 0..3
    abusive: bool
    threat: bool
    legal_risk: bool
    sarcasm: bool
    dialect: str = ""
    sector: str = ""
    language: str = "es"
    # Off-domain messages (data/corpus/offdomain.py) say whether they are about/addressed to the brand;
    # every other message is a customer's or bystander's message about the brand.
    relevant: bool = True
    offdomain: bool = False


@dataclass(frozen=True)
class AuthorMessage:
    text: str
    created_at: str
    answered: bool
    reply_to_other: bool


@dataclass(frozen=True)
class LabelledAuthor:
    author_id: str
    role: str
    split: str
    followers: int
    messages: tuple[AuthorMessage, ...]


@dataclass(frozen=True)
class Corpus:
    messages: tuple[LabelledMessage, ...]
    authors: tuple[LabelledAuthor, ...]
    digest: str  # sha256 of the raw lines used, in sorted order

    def split(self, name: str) -> tuple[tuple[LabelledMessage, ...], tuple[LabelledAuthor, ...]]:
        return (tuple(m for m in self.messages if m.split == name),
                tuple(a for a in self.authors if a.split == name))


def _message(raw: dict[str, Any]) -> LabelledMessage:
    pqr = str(raw["pqr_type"])
    if pqr not in PQR_TYPES:
        raise ValueError(f"pqr_type desconocido: {pqr}")
    category = raw.get("category")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"category desconocida: {category}")
    sentiment = str(raw["sentiment"])
    if sentiment not in SENTIMENTS:
        raise ValueError(f"sentiment desconocido: {sentiment}")
    anger = int(raw.get("anger", 0))
    if not 0 <= anger <= 3:
        raise ValueError("anger fuera de 0-3")
    text = raw["text"]
    if not isinstance(text, str):
        raise ValueError("text no es texto")
    return LabelledMessage(
        id=str(raw["id"]), text=text, split=str(raw.get("split", "train")),
        is_complaint=bool(raw["is_complaint"]), pqr_type=pqr, category=category, sentiment=sentiment,
        anger=anger, abusive=bool(raw.get("abusive")), threat=bool(raw.get("threat")),
        legal_risk=bool(raw.get("legal_risk")), sarcasm=bool(raw.get("sarcasm")),
        dialect=str(raw.get("dialect", "")), sector=str(raw.get("sector", "")),
        language=str(raw.get("language", "es")),
        relevant=bool(raw.get("relevant", True)), offdomain="relevant" in raw,
    )


def _author(raw: dict[str, Any]) -> LabelledAuthor:
    role = str(raw["role"])
    if role not in AUTHOR_ROLES:
        raise ValueError(f"role desconocido: {role}")
    messages = tuple(
        AuthorMessage(text=str(m["text"]), created_at=str(m.get("created_at", "")),
                      answered=bool(m.get("answered")), reply_to_other=bool(m.get("reply_to_other")))
        for m in raw["messages"]
    )
    if not messages:
        raise ValueError("autor sin mensajes")
    return LabelledAuthor(author_id=str(raw["author_id"]), role=role, split=str(raw.get("split", "train")),
                          followers=int(raw.get("followers", 0) or 0), messages=messages)


def _read(folder: Path, parse: Any, digest: Any) -> list[Any]:
    items: list[Any] = []
    if not folder.is_dir():
        return items
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = parse(json.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("corpus: se omite %s:%d (%s)", path.name, number, exc)
                    continue
                digest.update(line.strip().encode("utf-8"))
                items.append(item)
    return items


def load_corpus(root: Path) -> Corpus:
    digest = hashlib.sha256()
    messages = _read(root / "messages", _message, digest)
    authors = _read(root / "authors", _author, digest)
    unique_messages = {m.id: m for m in messages}  # a repeated id keeps its last version
    unique_authors = {a.author_id: a for a in authors}
    return Corpus(
        messages=tuple(unique_messages[k] for k in sorted(unique_messages)),
        authors=tuple(unique_authors[k] for k in sorted(unique_authors)),
        digest=digest.hexdigest(),
    )
