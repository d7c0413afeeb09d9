"""Schema fuzzing of the whole HTTP API (schemathesis over /openapi.json, in process through ASGI).

Every operation gets CAUCE_FUZZ_EXAMPLES generated requests (default 5: the whole API in a couple
of minutes on 2 cores; nightly: CAUCE_FUZZ_EXAMPLES=30 or more, see README) as an authenticated
admin on a migrated SQLite database (PostgreSQL with CAUCE_FUZZ_POSTGRES=1) with two brands, users
and cases. Each response must
not be a 5xx and its status must be one the schema documents for that operation.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under xdist schemathesis' collection runs only a handful of cases; `make test` runs this file in a
    # pytest process of its own (see Makefile).
    pytest.skip("schema fuzzing runs without xdist (make test runs it separately)", allow_module_level=True)

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance, unsupported_method  # noqa: E402

from cauce.audit.service import SYSTEM  # noqa: E402
from cauce.auth import service as auth  # noqa: E402
from cauce.config import Settings  # noqa: E402
from cauce.db import Database, upgrade  # noqa: E402
from cauce.mentions.service import ingest  # noqa: E402
from cauce.web.app import create_app  # noqa: E402
from helpers import make_brand, mention, scripted_triage  # noqa: E402

EXAMPLES = int(os.environ.get("CAUCE_FUZZ_EXAMPLES", "5"))
# Fixed seed by default, so CI failures reproduce; the nightly run explores (CAUCE_FUZZ_RANDOM=1).
DERANDOMIZE = os.environ.get("CAUCE_FUZZ_RANDOM", "") in ("", "0")
# Survey mode (CAUCE_FUZZ_SURVEY=1) records every failure and keeps going, for a before/after count.
SURVEY = os.environ.get("CAUCE_FUZZ_SURVEY", "") not in ("", "0")
COUNTS: Counter[str] = Counter()
FOUND: set[str] = set()


# pytest 9 breaks schemathesis' fixture-based loader, so the app is built at import against a
# database file that the module fixture below migrates and seeds before the first request.
_DB_DIR = Path(tempfile.mkdtemp(prefix="cauce-fuzz-"))
atexit.register(shutil.rmtree, _DB_DIR, True)  # also when collected but not run
# CAUCE_FUZZ_POSTGRES=1: fuzz against a throw-away PostgreSQL database instead (stricter: NUL in
# text and integers over 2^31-1 are refused there, where SQLite stores them).
POSTGRES = os.environ.get("CAUCE_FUZZ_POSTGRES", "") not in ("", "0")
if POSTGRES:
    from conftest import PG_ADMIN_URL, _admin_connect

    _PG_NAME = f"cauce_fuzz_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connect() as _conn:  # type: ignore[attr-defined]
        _conn.execute(f'CREATE DATABASE "{_PG_NAME}"')

    def _drop() -> None:
        with _admin_connect() as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)')

    atexit.register(_drop)
    _DB = Database(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{_PG_NAME}")
else:
    _DB = Database(f"sqlite:///{_DB_DIR / 'cauce.db'}")
_APP = create_app(Settings(database_url=_DB.url), db=_DB, run_scheduler=False, check_migrations=False)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
AUTH: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def seeded(sqlite_template: Path, request: pytest.FixtureRequest) -> Iterator[None]:
    if POSTGRES:
        upgrade(_DB.url)
    else:
        shutil.copy(sqlite_template, _DB_DIR / "cauce.db")
    a = make_brand(_DB, name="Marca A")
    make_brand(_DB, name="Marca B")
    with _DB.session() as s:
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura",
                                 actor=SYSTEM)
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password="clave-segura",
                         brand_ids=[a.id], actor=SYSTEM)
        AUTH["Authorization"] = "Bearer " + auth.create_api_token(s, user_id=admin.id, name="fuzz", actor=SYSTEM)
    with scripted_triage():
        with _DB.session() as s:
            for n in range(1, 4):
                ingest(s, mention(n, brand="marca-a", handle=f"@u{n}"), actor=SYSTEM)
        yield
    _DB.dispose()
    summary = [f"schema fuzzing: {COUNTS['cases']} cases, {COUNTS['5xx']} 5xx, "
               f"{COUNTS['undocumented']} undocumented statuses", *(f"  {line}" for line in sorted(FOUND))]
    if os.environ.get("CAUCE_FUZZ_REPORT"):  # the nightly job keeps this file
        Path(os.environ["CAUCE_FUZZ_REPORT"]).write_text("\n".join(summary) + "\n", encoding="utf-8")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:  # shown with -s
        for line in ["", *summary]:
            terminal.write_line(line)


def _record(kind: str, case: Any, what: object) -> None:
    COUNTS[kind] += 1
    FOUND.add(f"{kind}: {case.method} {case.path} → {what}")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx_and_only_documented_statuses(case: Any) -> None:
    COUNTS["cases"] += 1
    try:
        # 60 s, not schemathesis' 10 s: a first call that loads a model on a busy 2-core CI box is slow, not broken.
        response = case.call(headers=AUTH, timeout=60)
    except Exception as exc:  # the test client re-raises what a server would answer with a 500
        _record("5xx", case, type(exc).__name__)
        if SURVEY:
            return
        raise
    if response.status_code >= 500:
        _record("5xx", case, response.status_code)
    try:
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance, unsupported_method])
    except BaseException:  # schemathesis' FailureGroup is a BaseExceptionGroup
        if response.status_code < 500:
            _record("undocumented", case, response.status_code)
        if not SURVEY:
            raise
