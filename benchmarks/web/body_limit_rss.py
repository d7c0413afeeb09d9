"""Server memory during a huge chunked upload, against a real `cauce serve` (uvicorn) on loopback.

Starts `cauce serve` on a fresh SQLite database, then for each path POSTs `--mb` megabytes with
Transfer-Encoding: chunked (64 KiB chunks, no Content-Length, no credentials) while sampling the
server's RSS every 20 ms. Prints one JSON line per path: status, MB the server accepted before
answering, and RSS before / peak / 2 s after. With the streaming body cap the peak stays flat;
without it the server buffers the whole body.

    python benchmarks/web/body_limit_rss.py --mb 300
    PYTHONPATH=/path/to/old/src python benchmarks/web/body_limit_rss.py   # the code before the cap
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHUNK = 64 * 1024
PATHS = ("/webhooks/generic/1", "/api/v1/mentions")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("cauce serve did not become ready")


def post_chunked(port: int, path: str, total: int) -> tuple[int | None, int]:
    """(status, bytes sent before the server answered or closed)."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    sock.sendall(head)
    chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
    sent = 0
    sock.setblocking(False)
    reply = b""
    try:
        while sent < total:
            try:  # an early answer (413) means the server stopped reading
                reply += sock.recv(65536)
                if reply:
                    break
            except BlockingIOError:
                pass
            sock.setblocking(True)
            sock.sendall(chunk)
            sock.setblocking(False)
            sent += CHUNK
        else:
            sock.setblocking(True)
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.setblocking(True)
    sock.settimeout(30)
    try:
        while b"\r\n" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    except OSError:
        pass
    sock.close()
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else None
    return status, sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cauce-rss-") as tmp:
        env = {**os.environ, "CAUCE_DATABASE_URL": f"sqlite:///{tmp}/cauce.db", "CAUCE_JOBS": "none",
               "CAUCE_DATA_DIR": tmp}
        cli = [sys.executable, "-c", "from cauce.cli import main; main()"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_ready(port)
            for path in PATHS:
                before = rss_mb(server.pid)
                peak = [before]
                done = threading.Event()

                def sample(peak: list[float] = peak, done: threading.Event = done) -> None:
                    while not done.is_set():
                        peak[0] = max(peak[0], rss_mb(server.pid))
                        time.sleep(0.02)

                sampler = threading.Thread(target=sample)
                sampler.start()
                began = time.perf_counter()
                status, sent = post_chunked(port, path, args.mb * 1_000_000)
                elapsed = time.perf_counter() - began
                time.sleep(2.0)
                done.set()
                sampler.join()
                print(json.dumps({"path": path, "body_mb": args.mb, "status": status,
                                  "sent_before_answer_mb": round(sent / 1e6, 1), "seconds": round(elapsed, 2),
                                  "rss_before_mb": round(before), "rss_peak_mb": round(peak[0]),
                                  "rss_after_mb": round(rss_mb(server.pid))}), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
