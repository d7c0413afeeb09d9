"""The labelled reply set is well-formed and the guard keeps its measured quality on dev."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from cauce.replies.tone import RULE_IDS, GuardContext, check_reply

DATA = Path(__file__).resolve().parents[2] / "data" / "replies" / "labelled_replies.jsonl"


def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_set_shape() -> None:
    data = rows()
    assert len(data) >= 300
    assert len({r["id"] for r in data}) == len(data)
    assert Counter(r["split"] for r in data).keys() == {"dev", "test"}
    assert Counter(r["expected_verdict"] for r in data).keys() == {"ok", "warn", "block"}
    for r in data:
        GuardContext(**r["context"])  # type: ignore[arg-type]
        assert set(r["expected_rules"]) <= set(RULE_IDS)  # type: ignore[arg-type]
        assert (r["expected_verdict"] == "ok") == (not r["expected_rules"])


def test_guard_quality_on_dev_does_not_regress() -> None:
    dev = [r for r in rows() if r["split"] == "dev"]
    flagged_right = flagged = positives = 0
    for r in dev:
        verdict = check_reply(str(r["text"]), GuardContext(**r["context"])).verdict  # type: ignore[arg-type]
        want_flag = r["expected_verdict"] != "ok"
        flagged += verdict != "ok"
        positives += want_flag
        flagged_right += want_flag and verdict != "ok"
    assert flagged_right / flagged >= 0.95
    assert flagged_right / positives >= 0.9
