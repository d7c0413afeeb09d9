"""A reproducible stream of mentions for the speed benchmark, built from the corpus texts."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cauce.triage.corpus import load_corpus

SUFFIXES = ("", "#{n}", "pedido {n}", "@amigo{n}", "!!", "😡", "🙏", "ref {n}", "cc @soporte{n}", "https://t.co/{n}")
CHANNELS = ("twitter", "facebook", "instagram", "mastodon", "bluesky", "youtube")


def mention_lines(corpus_dir: Path, count: int, *, seed: int = 7) -> list[str]:
    """`count` JSONL mentions: corpus texts, ~3,000 authors (so histories build up), growing metrics."""
    corpus = load_corpus(corpus_dir)
    texts = [m.text for m in corpus.messages] or ["Llevo 3 días sin internet"]
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    authors = max(10, count // 7)
    lines = []
    for index in range(count):
        author = rng.randrange(authors)
        followers = int(10 ** rng.uniform(1, 6))
        record = {
            "id": f"bench-{index}", "created_at": (start + timedelta(seconds=3 * index)).isoformat(),
            "channel": rng.choice(CHANNELS), "brand": rng.choice(("Conectel", "Compralia", "Banco Andino")),
            "author": {"handle": f"user{author}", "name": f"Usuario {author}", "followers": followers},
            # Varied so per-text caches do not flatter the numbers: real streams rarely repeat a post.
            "text": f"{rng.choice(texts)} {rng.choice(SUFFIXES).format(n=rng.randrange(10**6))}".strip(),
            "in_reply_to": f"bench-{rng.randrange(index)}" if index and rng.random() < 0.2 else None,
            "metrics": {"likes": rng.randrange(50), "reposts": rng.randrange(10), "replies": rng.randrange(10)},
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines
