"""Run every benchmark in turn (`make bench`); each writes its own report next to it.

Benchmarks are bounded in size and time and only talk to services on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (name, argv after the python executable); a missing script is reported, not fatal.
BENCHMARKS: list[tuple[str, list[str]]] = [
    ("core: ingest + route", ["-m", "benchmarks.core.ingest"]),
    ("core: cases list on 100,000 cases", ["-m", "benchmarks.core.cases_list", "--postgres"]),
    ("search on 100,000 cases", ["-m", "benchmarks.search.run"]),
    ("triage", ["-m", "benchmarks.triage.run"]),
    ("replies: tone guard", ["benchmarks/replies/tone_guard.py"]),
    ("playbook", ["benchmarks/playbook/run.py"]),
    ("connectors: Jetstream filter", ["benchmarks/connectors/jetstream_filter.py", "50000"]),
    ("connectors: polling overhead", ["benchmarks/connectors/polling_overhead.py", "200"]),
    ("reports", ["benchmarks/reports/run.py"]),
    ("web", ["benchmarks/web/bench_web.py"]),
    ("web: server RSS under a 300 MB chunked upload", ["benchmarks/web/body_limit_rss.py", "--mb", "300"]),
]


def main() -> int:
    failed = []
    for name, argv in BENCHMARKS:
        target = argv[1] if argv[0] == "-m" else argv[0]
        path = ROOT / (target.replace(".", "/") + ".py" if argv[0] == "-m" else target)
        if not path.exists():
            print(f"== {name}: not present ({path.relative_to(ROOT)})")
            continue
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, *argv], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(f"   ({time.perf_counter() - began:.0f}s, exit {result.returncode})", flush=True)
        if result.returncode:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
