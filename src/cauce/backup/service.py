"""Backup and restore of a PostgreSQL installation, with the audit anchors that prove the log intact.

A backup is a directory:
- `cauce.dump`: `pg_dump --format=custom` of the database, taken from an exported snapshot;
- `audit-anchors/`: the signed checkpoints (`checkpoint-NNNNNN.json`) that the dump's audit chain
  reaches — the copy of the evidence kept outside the database (`cauce.audit.anchor`);
- `manifest.json`: when, which schema revision, the row count of every table and the audit chain's
  head (seq, hash) *in that same snapshot*, and the dump's sha256.

The counts and the dump come from one snapshot (`pg_export_snapshot()` held open while `pg_dump
--snapshot` runs), so they agree exactly even while the service keeps writing. Checkpoints written
after the snapshot are left out (they would cover events the dump does not have).

Not in the backup, on purpose: the keys (`audit.key`, `audit-anchor.key`, `CAUCE_ENCRYPTION_KEY`).
They are secrets and must be backed up apart, to storage the database's administrators cannot
write; without the same chain key a restored chain cannot be verified.

`restore` loads the dump into an empty database with `pg_restore`, copies the checkpoints into the
anchor directory of the restored installation, and then checks the copy: every table's count and
the audit head must equal the manifest, and `cauce.audit.anchor.verify` must pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from cauce.audit import anchor, keys
from cauce.audit import service as audit
from cauce.db import Base, Database, current_revision, import_all_models, utcnow
from cauce.errors import CauceError

DUMP = "cauce.dump"
MANIFEST = "manifest.json"
ANCHORS = "audit-anchors"
FORMAT_VERSION = 1


class BackupError(CauceError):
    code = "backup_failed"
    status_code = 500


@dataclass
class RestoreReport:
    ok: bool
    counts_match: bool
    audit_head_match: bool
    audit: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pg_url(url: str) -> URL:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError("cauce backup/restore trabaja con PostgreSQL; con SQLite copie el archivo con "
                          "`sqlite3 cauce.db \".backup copia.db\"` y la carpeta audit-anchors.")
    return parsed


@contextlib.contextmanager
def _libpq(url: URL) -> Iterator[list[str]]:
    """Connection options for pg_dump/pg_restore. A password goes through a private passfile
    (libpq's `passfile` parameter), never the command line that `ps` shows."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    if not url.password:
        yield [*args, "--dbname", url.database or "postgres"]
        return
    with tempfile.TemporaryDirectory() as folder:
        passfile = Path(folder) / "pgpass"
        fields = [url.host or "127.0.0.1", str(url.port or 5432), url.database or "*", url.username or "*",
                  str(url.password)]
        passfile.write_text(":".join(f.replace("\\", "\\\\").replace(":", "\\:") for f in fields) + "\n")
        passfile.chmod(0o600)
        yield [*args, "--dbname", f"dbname={url.database or 'postgres'} passfile={passfile}"]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"Falta `{name}` (apt-get install postgresql-client).")
    return found


def _table_counts(connection: Any) -> dict[str, int]:
    import_all_models()
    return {table.name: int(connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one())
            for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name)}


def _audit_head(connection: Any) -> dict[str, Any]:
    row = connection.execute(text("SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL "
                                  "ORDER BY seq DESC LIMIT 1")).first()
    return {"seq": int(row[0]) if row else 0, "hash": str(row[1]) if row else ""}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(database_url: str, destination: Path, *, anchor_directory: Path | None = None) -> dict[str, Any]:
    """Write a backup directory (see the module docstring); returns its manifest."""
    url = _pg_url(database_url)
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise BackupError(f"La carpeta {destination} no está vacía: una copia por carpeta.")
    db = Database(database_url)
    try:
        snapshot_reader = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with _libpq(url) as args, snapshot_reader as connection, connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _table_counts(connection)
            head = _audit_head(connection)
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            # pg_dump reads the very snapshot the counts came from, while this transaction holds it.
            done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", "--file", str(destination / DUMP), *args],
                                  capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_dump falló: {done.stderr.strip()[:2000]}")
    finally:
        db.dispose()
    copied = _copy_anchors(anchor_directory or keys.anchor_dir(), destination / ANCHORS, up_to_seq=head["seq"])
    version = subprocess.run([_tool("pg_dump"), "--version"], capture_output=True, text=True, check=False)
    manifest = {
        "format": FORMAT_VERSION, "created_at": utcnow().isoformat(), "schema_revision": revision,
        "database": {"host": url.host, "port": url.port, "name": url.database},
        "pg_dump": version.stdout.strip(), "dump": DUMP, "dump_sha256": _sha256(destination / DUMP),
        "counts": counts, "audit_head": head, "checkpoints": copied,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _copy_anchors(source: Path, target: Path, *, up_to_seq: int) -> list[int]:
    """Checkpoints that cover at most `up_to_seq` (a later one would cover events the dump lacks)."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for number, path in sorted(anchor._files(source).items()):
        seq = int(json.loads(path.read_text(encoding="utf-8"))["seq"])
        if seq > up_to_seq:
            break
        shutil.copy2(path, target / path.name)
        copied.append(number)
    return copied


def _install_anchors(source: Path, target: Path) -> list[str]:
    """Copy the backup's checkpoints into the restored installation's anchor directory."""
    problems = []
    target.mkdir(parents=True, exist_ok=True)
    for _, path in sorted(anchor._files(source).items()):
        there = target / path.name
        if there.exists():
            if there.read_bytes() != path.read_bytes():
                problems.append(f"{there} ya existe y es distinto del de la copia: no se reemplaza.")
            continue
        shutil.copy2(path, there)
    return problems


def restore(backup_dir: Path, database_url: str, *, anchor_directory: Path | None = None) -> RestoreReport:
    """Load `backup_dir` into the empty database `database_url`, then verify it (counts, audit chain)."""
    url = _pg_url(database_url)
    manifest = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    dump = backup_dir / manifest["dump"]
    if _sha256(dump) != manifest["dump_sha256"]:
        raise BackupError(f"{dump} no coincide con el sha256 del manifiesto: la copia está dañada.")
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            tables = connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
        if tables:
            raise BackupError(f"La base {url.database} no está vacía ({tables} tablas): restaure en una base nueva.")
        with _libpq(url) as args:
            done = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                   "--single-transaction", *args, str(dump)], capture_output=True, text=True,
                                  check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_restore falló: {done.stderr.strip()[:2000]}")
        target_anchors = anchor_directory or keys.anchor_dir()
        problems = _install_anchors(backup_dir / ANCHORS, target_anchors)
        return _check(db, manifest, target_anchors, problems)
    finally:
        db.dispose()


def _check(db: Database, manifest: dict[str, Any], anchors: Path, problems: list[str]) -> RestoreReport:
    with db.engine.connect() as connection:
        counts = _table_counts(connection)
        head = _audit_head(connection)
        revision = current_revision(db.engine)
    if revision != manifest["schema_revision"]:
        problems.append(f"Revisión del esquema {revision}, la copia dice {manifest['schema_revision']}.")
    counts_match = counts == manifest["counts"]
    if not counts_match:
        differ = {t: (counts.get(t), n) for t, n in manifest["counts"].items() if counts.get(t) != n}
        problems.append(f"Las cuentas no coinciden (restaurada, copia): {differ}.")
    head_match = head == manifest["audit_head"]
    if not head_match:
        problems.append(f"La cabeza de la bitácora es {head}, la copia dice {manifest['audit_head']}.")
    with db.read_session() as session:
        report = anchor.verify(session, directory=anchors)
        sealed = audit.count(session)
    problems += report.problems
    return RestoreReport(ok=not problems, counts_match=counts_match, audit_head_match=head_match,
                         audit=report.as_dict() | {"events": sealed}, problems=problems)
