"""Write simulator output as JSONL in the mention input schema (what `cauce ingest` reads).

Used to build reproducible benchmark files:

    python -m cauce.demo.export stream.jsonl --n 20000 --seed 7
    python -m cauce.demo.export burst.jsonl --n 10000 --seed 7 --burst
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from cauce.demo.stream import SimEvent, Simulator
from cauce.mentions.schemas import MentionIn

# A Monday afternoon in Bogotá business hours: fixed so benchmark files are byte-identical.
BENCH_START = datetime(2026, 1, 5, 19, 0, tzinfo=UTC)


def burst(n: int, seed: int = 7, *, brand: str = "conectel",
          window: timedelta = timedelta(minutes=5),
          start: datetime = BENCH_START) -> list[MentionIn]:
    """`n` crisis mentions about one brand within `window`, every id unique."""
    sim = Simulator(seed=seed, start=start, brands=[brand], crisis_brand=brand)
    return [event.mention for event in sim.crisis_burst(n, window)]


def stream(n: int, seed: int = 7, *, start: datetime = BENCH_START,
           **options: Any) -> list[MentionIn]:
    """The first `n` mentions of the simulated stream (metric re-emissions included)."""
    return [event.mention for event in Simulator(seed=seed, start=start, **options).events(n)]


def write_mentions(path_or_stream: str | Path | IO[str],
                   mentions: Iterable[MentionIn | SimEvent]) -> int:
    """Write one JSON object a line; "-" means stdout. Returns how many lines were written."""
    if isinstance(path_or_stream, str | Path):
        target = str(path_or_stream)
        context: Any = (nullcontext(sys.stdout) if target == "-"
                        else open(target, "w", encoding="utf-8"))  # noqa: SIM115
    else:
        context = nullcontext(path_or_stream)
    count = 0
    with context as out:
        for item in mentions:
            mention = item.mention if isinstance(item, SimEvent) else item
            out.write(mention.model_dump_json(exclude_none=True))
            out.write("\n")
            count += 1
    return count


def write_jsonl(path_or_stream: str | Path | IO[str], n: int, seed: int = 7, *,
                burst_mode: bool = False, **options: Any) -> int:
    """Write `n` simulated mentions (or an `n`-mention crisis burst) as JSONL."""
    if n < 0:
        raise ValueError("n no puede ser negativo")
    if burst_mode:
        return write_mentions(path_or_stream, burst(n, seed, **options))
    start = options.pop("start", BENCH_START)
    sim = Simulator(seed=seed, start=start, **options)
    return write_mentions(path_or_stream, sim.events(n))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Genera menciones simuladas en JSONL.")
    parser.add_argument("path", help="archivo de salida, o - para la salida estándar")
    parser.add_argument("--n", type=int, default=10_000, help="cantidad de menciones")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--burst", action="store_true", help="ráfaga de crisis de una marca")
    parser.add_argument("--brand", default="conectel", help="marca de la ráfaga")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n no puede ser negativo")
    try:
        options = {"brand": args.brand} if args.burst else {}
        count = write_jsonl(args.path, args.n, args.seed, burst_mode=args.burst, **options)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{count} menciones escritas en {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
