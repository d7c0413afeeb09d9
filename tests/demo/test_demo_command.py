"""`cauce demo` starts a fresh database, prints where to look, and its queue keeps growing."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

CAUCE = str(Path(sys.executable).parent / "cauce")


def _count_mentions(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM mentions").fetchone()[0])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serves_and_the_queue_grows(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [CAUCE, "demo", "--port", str(port), "--rate", "120", "--data-dir", str(tmp_path / "demo")],
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Ctrl+C" in line or proc.poll() is not None:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in output
        assert "admin@cauce.demo" in output and "demo-clave-2026" in output
        client = httpx.Client(base_url=base, timeout=10)
        for _ in range(100):
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        token_login = client.post("/api/v1/tokens", auth=None)
        assert token_login.status_code == 401  # the API needs credentials
        # Log in through the API with a token made by the CLI against the demo database.
        env = {**os.environ, "CAUCE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo' / 'demo.db'}"}
        token = subprocess.run([CAUCE, "users", "token", "supervisora@cauce.demo"], env=env, capture_output=True,
                               text=True, check=True).stdout.strip().splitlines()[-1]
        headers = {"Authorization": f"Bearer {token}"}
        first = client.get("/api/v1/cases?limit=50", headers=headers).json()
        assert len(first) > 5  # the backlog of the last hour
        assert all(c["priority_reasons"] for c in first[:10])
        assert {c["sla_state"] for c in first} <= {"ok", "warning", "breached"}
        # The simulator keeps feeding the real ingest path: mentions (and cases) keep arriving.
        db_path = tmp_path / "demo" / "demo.db"
        before = _count_mentions(db_path)
        time.sleep(6)
        assert _count_mentions(db_path) > before
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
