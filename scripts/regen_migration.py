"""Regenerate the initial schema migration (0001) from every feature's models.

Until the first release the schema is one migration: run this after changing any models.py
(`.venv/bin/python scripts/regen_migration.py`). Hand-written migrations (0002+) are kept.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from cauce.db import MIGRATIONS_DIR, _alembic_config

initial = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
saved = MIGRATIONS_DIR / "versions" / "_later"
later = [p for p in (MIGRATIONS_DIR / "versions").glob("*.py") if p != initial and not p.name.startswith("_")]
saved.mkdir(exist_ok=True)
for path in later:  # alembic must see an empty history to autogenerate from nothing
    path.rename(saved / path.name)
initial.unlink(missing_ok=True)
try:
    with tempfile.TemporaryDirectory() as tmp:
        command.revision(_alembic_config(f"sqlite:///{Path(tmp) / 'gen.db'}"), message="initial schema",
                         autogenerate=True, rev_id="0001")
    text = initial.read_text().replace("Revises: \n", "Revises:\n")
    initial.write_text(text)
    # Generated code follows the project's style too.
    ruff = Path(sys.executable).parent / "ruff"
    subprocess.run([str(ruff), "format", "--quiet", str(initial)], check=False)
    subprocess.run([str(ruff), "check", "--fix", "--quiet", str(initial)], check=False)
finally:
    for path in saved.glob("*.py"):
        path.rename(MIGRATIONS_DIR / "versions" / path.name)
    saved.rmdir()
print(f"regenerated {initial}")
