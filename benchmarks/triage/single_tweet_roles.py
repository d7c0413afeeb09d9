"""Author roles on real tweets we did not write: one tweet, one author, no history.

    .venv/bin/python -m benchmarks.triage.single_tweet_roles

Runs the shipped author-role path over the HatEval 2019 ES and EmoEvent ES test tweets (each
tweet as a separate author with no history) and counts the roles. One tweet is never enough to
call anyone a troll (PLAYBOOK §7), so `troll` should be ~0 even on aggressive or offensive
tweets; `model_troll_above_threshold` counts the tweets the role model alone would have pushed
past the troll threshold, which the rule gates held back. Evaluation only: the datasets are
non-commercial and are never used to train.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.triage.anchors import DATA, _tsv
from cauce.triage.evaluation import BATCH, as_mention
from cauce.triage.pipeline import MODELS_DIR, load_default
from cauce.triage.schemas import History


def _roles(texts: list[str], hard: list[bool], threshold: float) -> dict[str, Any]:
    pipeline = load_default()
    items = [(as_mention(text, f"t{i}"), History()) for i, text in enumerate(texts)]
    out = []
    for start in range(0, len(items), BATCH):
        out.extend(pipeline.assess_many(items[start:start + BATCH]))
    roles = Counter(a.author_role for a in out)
    return {
        "tweets": len(texts),
        "roles": dict(sorted(roles.items())),
        "troll": roles.get("troll", 0),
        "troll_among_aggressive_or_offensive": sum(1 for a, h in zip(out, hard, strict=True)
                                                    if h and a.author_role == "troll"),
        "aggressive_or_offensive": sum(hard),
        "model_troll_above_threshold": sum(1 for a in out if a.extra.get("p_role_troll", 0.0) >= threshold),
    }


def main(root: Path = DATA) -> dict[str, Any]:
    meta = json.loads((MODELS_DIR / "meta.json").read_text(encoding="utf-8"))
    threshold = float(meta["thresholds"]["troll"])
    report: dict[str, Any] = {"model": meta["version"], "troll_threshold": threshold}
    hateval = root / "hateval2019_es" / "test_es.tsv"
    if hateval.is_file():
        rows = _tsv(hateval)
        report["hateval_es_test"] = _roles([r["text"] for r in rows], [r["AG"] == "1" for r in rows], threshold)
    emoevent = root / "emoevent" / "splits" / "es" / "test_repaired.tsv"
    if emoevent.is_file():
        rows = _tsv(emoevent)
        report["emoevent_es_test"] = _roles([r["tweet"] for r in rows], [r["offensive"] == "OFF" for r in rows],
                                            threshold)
    return report


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
