"""Speed of `cauce triage`: throughput on 20,000 mentions, streaming latency, load time, peak RSS,
and where the time goes."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CAUCE = Path(sys.executable).with_name("cauce")

_LOAD_SCRIPT = """
import json, time
started = time.perf_counter()
from cauce.triage.pipeline import load_default
from cauce.triage.schemas import History
from cauce.mentions.schemas import MentionIn
pipeline = load_default()
loaded = time.perf_counter()
pipeline.assess(MentionIn.model_validate({"id": "1", "created_at": "2026-01-01T00:00:00Z", "channel": "x",
    "brand": "b", "author": {"handle": "a"}, "text": "hola, llevo 3 días sin internet"}), History())
print(json.dumps({"import_and_load_s": loaded - started, "first_assessment_s": time.perf_counter() - loaded}))
"""


def throughput(lines: list[str], workdir: Path) -> dict[str, Any]:
    """`cauce triage` as a user runs it, in its own process (includes start-up and model load)."""
    source, target = workdir / "mentions.jsonl", workdir / "results.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([str(CAUCE), "triage", "--input", str(source), "--output", str(target)], check=True,
                   stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    results = target.read_text(encoding="utf-8").splitlines()
    errors = sum(1 for r in results if "error" in json.loads(r))
    return {"mentions": len(lines), "outputs": len(results), "errors": errors, "seconds": round(elapsed, 2),
            "per_second": round(len(lines) / elapsed, 1), "cpu_seconds": round(cpu, 2),
            # Independent of how busy the shared machine is: mentions per second of CPU time used.
            "per_cpu_second": round(len(lines) / cpu, 1), "peak_rss_mb": round(peak_kb / 1024, 1)}


def load_time() -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT], check=True, capture_output=True, text=True)
    return {k: round(v, 3) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def streaming_latency(lines: list[str]) -> dict[str, Any]:
    """One line at a time (an interactive stream): per-message latency percentiles, in ms."""
    from cauce.triage.pipeline import load_default
    from cauce.triage.stream import StreamTriage

    engine = StreamTriage(load_default())
    engine.process(lines[:20])  # warm-up: lazy loads are measured by `load_time`
    latencies = []
    for line in lines[20:]:
        started = time.perf_counter()
        engine.process([line])
        latencies.append((time.perf_counter() - started) * 1000)
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"messages": len(ordered), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1], 2)}


def profile(lines: list[str], batch: int = 256) -> dict[str, Any]:
    """Seconds per pipeline component (and parsing + history) on batched input."""
    from cauce.triage.pipeline import load_default
    from cauce.triage.stream import StreamTriage

    pipeline = load_default()
    engine = StreamTriage(pipeline)
    engine.process(lines[:5])
    pipeline.timings.clear()
    started = time.perf_counter()
    for index in range(0, len(lines), batch):
        engine.process(lines[index:index + batch])
    total = time.perf_counter() - started
    components = {name: round(seconds, 3) for name, seconds in pipeline.timings.items()}
    components["parse + history + output"] = round(total - sum(pipeline.timings.values()), 3)
    return {"messages": len(lines), "seconds": round(total, 3), "per_second": round(len(lines) / total, 1),
            "components_s": components}
