"""Print the corpus counts as Markdown tables.

Run: ``python data/corpus/stats.py`` to print them, or
``python data/corpus/stats.py --update-datasheet`` to rewrite the block between
the ``stats:begin``/``stats:end`` markers in DATASHEET.md, so the datasheet
never drifts from the data.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def load(folder: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((ROOT / folder).glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def table(title: str, rows: list[dict[str, Any]], key: str) -> str:
    """One row per value of ``key``, with train/test/total columns."""
    counts: Counter[tuple[str, str]] = Counter(
        (str(r[key]).lower() if r[key] is not None else "—", r["split"]) for r in rows
    )
    values = sorted({v for v, _ in counts}, key=lambda v: -sum(counts[v, s] for s in SPLITS))
    lines = [f"| {title} | train | test | total |", "|---|---:|---:|---:|"]
    for value in values:
        train, test = counts[value, "train"], counts[value, "test"]
        lines.append(f"| {value} | {train} | {test} | {train + test} |")
    total_train = sum(c for (_, s), c in counts.items() if s == "train")
    total_test = sum(c for (_, s), c in counts.items() if s == "test")
    lines.append(f"| **total** | {total_train} | {total_test} | {total_train + total_test} |")
    return "\n".join(lines)


SPLITS = ("train", "test")
FLAGS = ("is_complaint", "abusive", "threat", "legal_risk", "sarcasm", "swearing")


def flag_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| flag (true) | train | test | total |", "|---|---:|---:|---:|"]
    for flag in FLAGS:
        train = sum(1 for r in rows if r.get(flag) and r["split"] == "train")
        test = sum(1 for r in rows if r.get(flag) and r["split"] == "test")
        lines.append(f"| {flag} | {train} | {test} | {train + test} |")
    hard = [r for r in rows if r.get("swearing") and not r["abusive"]]
    lines.append(
        f"| swearing but not abusive | {sum(r['split'] == 'train' for r in hard)} "
        f"| {sum(r['split'] == 'test' for r in hard)} | {len(hard)} |"
    )
    return "\n".join(lines)


def report() -> None:
    messages = load("messages")
    authors = load("authors")
    complaints = [m for m in messages if m["is_complaint"]]
    words = sorted(len(m["text"].split()) for m in messages) or [0]
    print(f"**{len(messages)} messages, {len(authors)} author histories.** ", end="")
    print(f"Message length: {words[0]}–{words[-1]} words (median {words[len(words) // 2]}).\n")
    for title, key, subset in (
        ("pqr_type", "pqr_type", messages),
        ("category (complaints)", "category", complaints),
        ("sentiment", "sentiment", messages),
        ("anger", "anger", messages),
        ("sector", "sector", messages),
        ("dialect", "dialect", messages),
        ("language", "language", messages),
        ("channel", "channel", messages),
    ):
        print(table(title, subset, key) + "\n")
    print(flag_table(messages) + "\n")
    if authors:
        print(table("author role", authors, "role") + "\n")
        n_msgs = [len(a["messages"]) for a in authors]
        replies = sum(m["reply_to_other"] for a in authors for m in a["messages"])
        print(
            f"Author histories: {sum(n_msgs)} messages ({min(n_msgs)}–{max(n_msgs)} per author), "
            f"{replies} of them replies to other people's posts."
        )


BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def update_datasheet() -> None:
    buffer = io.StringIO()
    stdout, sys.stdout = sys.stdout, buffer
    try:
        report()
    finally:
        sys.stdout = stdout
    path = ROOT / "DATASHEET.md"
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path.name}: markers {BEGIN} / {END} not found")
    block = f"{BEGIN}\n{buffer.getvalue().rstrip()}\n{END}"
    path.write_text(
        re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S),
        encoding="utf-8",
    )
    print(f"updated {path.name}")


if __name__ == "__main__":
    update_datasheet() if "--update-datasheet" in sys.argv[1:] else report()
