"""Keep one REPORT.md with a section per benchmark script (each run replaces its own section)."""

from __future__ import annotations

import re
from pathlib import Path

REPORT = Path(__file__).with_name("REPORT.md")
TITLE = "# Connectors benchmarks\n"


def write_section(name: str, body: str) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else TITLE
    if not text.startswith(TITLE):
        text = TITLE
    block = f"<!-- {name} -->\n{body.strip()}\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text, encoding="utf-8")
