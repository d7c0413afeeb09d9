"""Build the JSONL corpus from the hand-written compact sources in ``source/``.

The messages were written by hand in a terse line format (labels first, text
last) because typing ~20 JSON keys per message by hand invites typos; this
script only expands that notation, it never invents or alters text.

Message sources (``source/messages/NN_name.txt``)::

    # sector=telecom brand=Conectel dialect=mx channel=twitter lang=es
    qu co -2 aw ch=facebook d=co | texto del mensaje

* header lines (``# key=value ...``) set defaults for the following lines;
* ``type``: pe qu re su fe ot; ``cat``: co en ct pr at ga ot or ``-`` (null);
* ``sent``: ``-`` negativo, ``0`` neutro, ``+`` positivo; ``anger`` 0-3;
* flags: any of a (abusive) t (threat) l (legal_risk) s (sarcasm)
  w (plain swearing) or ``.`` for none;
* optional overrides: ``ch=`` channel, ``d=`` dialect, ``b=`` brand, ``lang=``.

Author sources (``source/authors/NN_name.txt``)::

    @handle role followers
    - text                (a message; "+" instead of "-" = answered by the brand,
    > text                 ">" = reply to another person's post)

Ids are global and stable as long as new source files get a higher ``NN``
prefix. Split rule: every 5th item of each label group goes to ``test``,
counting over the files in order (messages with a flag are grouped by their first
flag, the rest by pqr_type and category, so every label and flag reaches test;
authors are grouped by role).

Run: ``python data/corpus/build.py`` (then ``python data/corpus/validate.py``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "source"

PQR = {
    "pe": "peticion",
    "qu": "queja",
    "re": "reclamo",
    "su": "sugerencia",
    "fe": "felicitacion",
    "ot": "otro",
}
CATEGORY = {
    "co": "cobro",
    "en": "entrega",
    "ct": "contrato",
    "pr": "producto",
    "at": "atencion",
    "ga": "garantia",
    "ot": "otro",
    "-": None,
}
SENTIMENT = {"-": "negativo", "0": "neutro", "+": "positivo"}
CHANNEL = {
    "tw": "twitter",
    "fb": "facebook",
    "ig": "instagram",
    "ma": "mastodon",
    "bs": "bluesky",
    "bl": "blog",
    "em": "email",
    "tg": "telegram",
    "yt": "youtube",
}
FLAGS = {"a": "abusive", "t": "threat", "l": "legal_risk", "s": "sarcasm", "w": "swearing"}
OVERRIDE_KEYS = {"ch": "channel", "d": "dialect", "b": "brand", "lang": "language"}


class SourceError(ValueError):
    """A source line that cannot be parsed; the message names file and line."""


@dataclass
class Defaults:
    values: dict[str, str] = field(default_factory=dict)

    def update_from_header(self, line: str, where: str) -> None:
        for token in line.lstrip("#").split():
            if "=" not in token:
                continue  # free comment words are allowed in headers
            key, value = token.split("=", 1)
            key = {"lang": "language"}.get(key, key)
            if key == "channel":
                value = CHANNEL.get(value, value)
            if key not in {"sector", "brand", "dialect", "channel", "language"}:
                raise SourceError(f"{where}: unknown header key {key!r}")
            self.values[key] = value.replace("_", " ") if key == "brand" else value


def _parse_message(line: str, defaults: Defaults, where: str) -> dict[str, Any]:
    if " | " not in line:
        raise SourceError(f"{where}: missing ' | ' between labels and text")
    labels, text = line.split(" | ", 1)
    text = text.strip()
    parts = labels.split()
    if len(parts) < 4:
        raise SourceError(f"{where}: expected 'type cat sent+anger flags', got {labels!r}")
    code, cat, mood, flags, *overrides = parts
    if code not in PQR or cat not in CATEGORY or len(mood) != 2:
        raise SourceError(f"{where}: bad labels {labels!r}")
    if mood[0] not in SENTIMENT or mood[1] not in "0123":
        raise SourceError(f"{where}: bad sentiment/anger {mood!r}")
    if flags != "." and any(f not in FLAGS for f in flags):
        raise SourceError(f"{where}: bad flags {flags!r}")
    record = dict(defaults.values)
    for item in overrides:
        key, _, value = item.partition("=")
        if key not in OVERRIDE_KEYS or not value:
            raise SourceError(f"{where}: bad override {item!r}")
        if key == "ch":
            value = CHANNEL.get(value, value)
        record[OVERRIDE_KEYS[key]] = value.replace("_", " ") if key == "b" else value
    missing = {"sector", "brand", "dialect", "channel", "language"} - record.keys()
    if missing:
        raise SourceError(f"{where}: no default for {sorted(missing)}")
    pqr = PQR[code]
    flag_set = set() if flags == "." else set(flags)
    return {
        "text": text,
        "sector": record["sector"],
        "brand": record["brand"],
        "dialect": record["dialect"],
        "channel": record["channel"],
        "language": record["language"],
        "is_complaint": pqr in {"queja", "reclamo"},
        "pqr_type": pqr,
        "category": CATEGORY[cat],
        "sentiment": SENTIMENT[mood[0]],
        "anger": int(mood[1]),
        "abusive": "a" in flag_set,
        "threat": "t" in flag_set,
        "legal_risk": "l" in flag_set,
        "sarcasm": "s" in flag_set,
        "swearing": "w" in flag_set,
    }


def _split_group(record: dict[str, Any]) -> tuple[str, str, str]:
    flag = next(
        (f for f in ("threat", "abusive", "legal_risk", "sarcasm", "swearing") if record[f]),
        "none",
    )
    if flag != "none":  # flags are rare: group by flag alone so each gets its 20 %
        return flag, "", ""
    return record["pqr_type"], str(record["category"]), flag


def build_messages() -> list[Path]:
    written = []
    next_id = 1
    per_group: Counter[tuple[str, str, str]] = Counter()
    for src in sorted((SOURCE / "messages").glob("*.txt")):
        defaults = Defaults()
        rows = []
        for n, raw in enumerate(src.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            where = f"{src.name}:{n}"
            if line.startswith("#"):
                defaults.update_from_header(line, where)
                continue
            record = _parse_message(line, defaults, where)
            group = _split_group(record)
            per_group[group] += 1
            split = "test" if per_group[group] % 5 == 0 else "train"
            rows.append({"id": f"m-{next_id:04d}", **record, "split": split})
            next_id += 1
        out = ROOT / "messages" / f"{src.stem}.jsonl"
        _write_jsonl(out, rows)
        written.append(out)
    return written


def _stable_int(seed: str, modulo: int) -> int:
    """Deterministic pseudo-random number so timestamps do not depend on run order."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % modulo


def build_authors() -> list[Path]:
    written = []
    next_id = 1
    base = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    per_role: Counter[str] = Counter()
    for src in sorted((SOURCE / "authors").glob("*.txt")):
        rows: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        clock = base
        for n, raw in enumerate(src.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{src.name}:{n}"
            if line.startswith("@"):
                handle, role, followers = line.split()
                if role not in {"cliente", "hostil", "troll", "ninguno"}:
                    raise SourceError(f"{where}: bad role {role!r}")
                per_role[role] += 1
                author_id = f"a-{next_id:03d}"
                next_id += 1
                clock = base + timedelta(days=_stable_int(author_id, 70), minutes=_stable_int(handle, 600))
                current = {
                    "author_id": author_id,
                    "handle": handle,
                    "role": role,
                    "split": "test" if per_role[role] % 5 == 0 else "train",
                    "followers": int(followers),
                    "messages": [],
                }
                rows.append(current)
                continue
            if current is None or line[:2] not in {"- ", "+ ", "> "}:
                raise SourceError(f"{where}: message line outside an author or bad marker")
            # Gaps of 20 min to ~2 days: histories read like real threads over weeks.
            clock += timedelta(minutes=20 + _stable_int(f"{current['author_id']}:{n}", 2880))
            current["messages"].append(
                {
                    "text": line[2:].strip(),
                    "created_at": clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "answered": line[0] == "+",
                    "reply_to_other": line[0] == ">",
                }
            )
        out = ROOT / "authors" / f"{src.stem}.jsonl"
        _write_jsonl(out, rows)
        written.append(out)
    return written


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)  # atomic: a concurrent reader never sees a half-written file


def main() -> int:
    try:
        files = build_messages() + build_authors()
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
