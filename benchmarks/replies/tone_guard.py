"""Measure the tone guard on the labelled reply set and the drafts on demo-like contexts.

Run:  .venv/bin/python benchmarks/replies/tone_guard.py [--split test] [--sweep] [--no-report]
Writes benchmarks/replies/REPORT.md (test split by default; tune only on dev).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from itertools import combinations, product
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz

from cauce.demo.phrases import COMPLAINTS
from cauce.replies.drafts import INTENTS, CaseFacts, DraftContext, draft
from cauce.replies.drafts.service import guard_context
from cauce.replies.tone import RULE_IDS, GuardContext, check_reply
from cauce.replies.tone import automatic as auto

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "replies" / "labelled_replies.jsonl"
REPORT = Path(__file__).resolve().parent / "REPORT.md"
CHANNELS = ("twitter", "bluesky", "mastodon", "threads", "instagram", "facebook", "email")
BRANDS = (("Conectel", "CO", "telecom"), ("Lumina Cosméticos", "ES", "cosmetics"),
          ("Banco Andino", "MX", "bank"), ("Rapidito", "AR", "delivery"),
          ("Alcaldía de San Telmo", "CO", "cityhall"))
NAMES = ("Ana María Ruiz", "Pedro Gómez", "Lucía Fernández", "Juan Carlos Díaz", "Camila Rojas",
         "Diego Herrera", "Valeria Sánchez", "Andrés Castro", "Sofía Morales", "Mateo Vargas")


def load(split: str | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split in (None, "all") or r["split"] == split]


def pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    per_rule: dict[str, Counter[str]] = {r: Counter() for r in RULE_IDS}
    confusion: Counter[tuple[str, str]] = Counter()
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        ctx = GuardContext(**row["context"])
        start = time.perf_counter()
        verdict = check_reply(row["text"], ctx)
        latencies.append((time.perf_counter() - start) * 1000)
        got, want = set(verdict.rules), set(row["expected_rules"])
        for rule in RULE_IDS:
            key = ("tp" if rule in got and rule in want else "fp" if rule in got else
                   "fn" if rule in want else "tn")
            per_rule[rule][key] += 1
        confusion[(row["expected_verdict"], verdict.verdict)] += 1
        if verdict.verdict != row["expected_verdict"] or got != want:
            errors.append({"id": row["id"], "note": row["note"], "want": row["expected_verdict"],
                           "got": verdict.verdict, "want_rules": sorted(want), "got_rules": sorted(got),
                           "text": row["text"][:160]})
    return {"per_rule": per_rule, "confusion": confusion, "latencies": latencies, "errors": errors,
            "n": len(rows)}


def latency_with_history(rows: list[dict[str, Any]], history: int = 50) -> tuple[float, float]:
    """Mean ms per reply when the brand has `history` recent replies to others: cold, then warm."""
    recent = [r["text"] for r in load("all") if r["expected_verdict"] == "ok"][-history:]
    times: list[list[float]] = [[], []]
    auto._strip_other.cache_clear()  # first pass starts cold
    for attempt in range(2):
        for row in rows:
            ctx = GuardContext(**{**row["context"], "recent_replies_to_others": recent})
            start = time.perf_counter()
            check_reply(row["text"], ctx)
            times[attempt].append((time.perf_counter() - start) * 1000)
    return statistics.mean(times[0]), statistics.mean(times[1])


def flag_scores(confusion: Counter[tuple[str, str]], positive: set[str]) -> tuple[float, float]:
    tp = sum(n for (w, g), n in confusion.items() if w in positive and g in positive)
    fp = sum(n for (w, g), n in confusion.items() if w not in positive and g in positive)
    fn = sum(n for (w, g), n in confusion.items() if w in positive and g not in positive)
    return pr(tp, fp, fn)


def sweep(rows: list[dict[str, Any]]) -> list[tuple[int, float, float]]:
    """Near-duplicate threshold sweep on the rows that carry recent replies (dev only)."""
    scored = []
    for row in rows:
        ctx = GuardContext(**row["context"])
        if not ctx.recent_replies_to_others:
            continue
        score, _ = auto.closest_duplicate(row["text"], ctx)
        scored.append((score, "looks-automatic" in row["expected_rules"] and row["note"] == "bad:near-duplicate"))
    out = []
    for threshold in range(60, 100, 2):
        tp = sum(1 for s, y in scored if s >= threshold and y)
        fp = sum(1 for s, y in scored if s >= threshold and not y)
        fn = sum(1 for s, y in scored if s < threshold and y)
        p, r = pr(tp, fp, fn)
        out.append((threshold, p, r))
    return out


def demo_contexts() -> list[tuple[str, DraftContext]]:
    out = []
    i = 0
    voices: tuple[Literal["tu", "usted"], ...] = ("tu", "usted")
    for (brand, country, sector), voice in product(BRANDS, voices):
        for category, texts in COMPLAINTS[sector].items():
            text = texts[i % len(texts)].format(amount="$120.000", days=4, hours=3, order="#A-1029", brand=brand)
            name = NAMES[i % len(NAMES)]
            out.append((sector, DraftContext(
                brand_name=brand, voice=voice, country=country, channel="twitter", recipient_name=name,
                recipient_handle="@" + name.split()[0].lower() + str(i), agent_name="Laura Pérez",
                mention_text=text, facts=CaseFacts(category=category, reference=f"PQR-{1000 + i}",
                                                   area="facturación" if category == "cobro" else "operaciones"))))
            i += 1
    return out


def draft_checks() -> dict[str, Any]:
    contexts = demo_contexts()
    total = ok = 0
    failures: list[str] = []
    latencies: list[float] = []
    for (_, ctx), intent, channel in product(contexts, INTENTS, CHANNELS):
        c = ctx.model_copy(update={"channel": channel})
        start = time.perf_counter()
        d = draft(c, intent, use_llm=False)
        latencies.append((time.perf_counter() - start) * 1000)
        verdict = check_reply(d.text, guard_context(c, d.visibility, intent))
        total += 1
        if verdict.verdict == "ok":
            ok += 1
        elif len(failures) < 10:
            failures.append(f"{intent}/{channel}/{c.voice}: {verdict.rules} — {d.text[:120]}")
    # distinctness: 20 drafts of one intent to 20 people, each seeing the brand's previous replies
    distinct: dict[str, tuple[float, float, int]] = {}
    for intent in INTENTS:
        recent: list[str] = []
        for k in range(20):
            _, base = contexts[k % len(contexts)]
            c = base.model_copy(update={"recent_replies": list(recent), "recipient_name": NAMES[k % 10],
                                        "recipient_handle": f"@persona{k}"})
            recent.append(draft(c, intent, use_llm=False).text)
        scores = [max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) for a, b in combinations(recent, 2)]
        dup = sum(1 for s in scores if s >= auto.DUPLICATE_THRESHOLD)
        distinct[intent] = (statistics.mean(scores), max(scores), dup)
    return {"total": total, "ok": ok, "failures": failures, "distinct": distinct,
            "latency_ms": statistics.mean(latencies)}


def render(split: str, result: dict[str, Any], drafts: dict[str, Any], sweep_rows: list[tuple[int, float, float]],
           dev_result: dict[str, Any]) -> str:
    lines = [
        "# Tone guard and drafts — benchmark report", "",
        f"Generated by `benchmarks/replies/tone_guard.py` on `{DATA.relative_to(ROOT)}` "
        f"(split **{split}**, {result['n']} replies; dev has {dev_result['n']}). Lexicon and thresholds "
        "were tuned on dev only; test fault phrasings are disjoint from dev ones.", "",
        "## Overall (verdict level)", "", "| positive class | precision | recall |", "|---|---|---|",
    ]
    for label, positive in (("block", {"block"}), ("warn or block vs ok", {"warn", "block"})):
        p, r = flag_scores(result["confusion"], positive)
        dp, dr = flag_scores(dev_result["confusion"], positive)
        lines.append(f"| {label} | {p:.3f} (dev {dp:.3f}) | {r:.3f} (dev {dr:.3f}) |")
    exact = sum(n for (w, g), n in result["confusion"].items() if w == g)
    lines += ["", f"Exact verdict match: {exact}/{result['n']} ({exact / result['n']:.1%}).", "",
              "Confusion (rows expected, columns got):", "", "| expected \\ got | ok | warn | block |",
              "|---|---|---|---|"]
    for want in ("ok", "warn", "block"):
        cells = " | ".join(str(result["confusion"][(want, g)]) for g in ("ok", "warn", "block"))
        lines.append(f"| {want} | {cells} |")
    lines += ["", "## Per rule", "", "| rule | support | precision | recall |", "|---|---|---|---|"]
    for rule, c in result["per_rule"].items():
        p, r = pr(c["tp"], c["fp"], c["fn"])
        lines.append(f"| `{rule}` | {c['tp'] + c['fn']} | {p:.3f} | {r:.3f} |")
    lat = sorted(result["latencies"])
    lines += ["", "## Guard latency", "",
              f"Mean {statistics.mean(lat):.2f} ms, p50 {lat[len(lat) // 2]:.2f} ms, "
              f"p95 {lat[int(len(lat) * 0.95)]:.2f} ms "
              f"per reply (one CPU core, recent-reply lists of 0–3).",
              "", f"With 50 recent replies to other people: {result['history_ms'][0]:.2f} ms per reply on the "
              f"first pass, {result['history_ms'][1]:.2f} ms once their folded forms are cached (the normal "
              "case: the same history is checked for every reply and every draft candidate). Measured on a "
              "shared 2-core machine under load."]
    lines += ["", "## Near-duplicate threshold (dev sweep, max of `ratio` and `token_sort_ratio`, name-stripped)", "",
              "| threshold | precision | recall |", "|---|---|---|"]
    lines += [f"| {t} | {p:.3f} | {r:.3f} |" for t, p, r in sweep_rows]
    lines += ["", f"Chosen: **{auto.DUPLICATE_THRESHOLD:.0f}**, the middle of the dev gap between copies "
              "(template reused, only the problem swapped) and honest replies to other people.", "",
              "## Drafts", "",
              f"Every intent × voice × channel over {len(demo_contexts())} demo-like contexts "
              f"(5 demo brands × 2 voices × 7 categories; 12 intents; {len(CHANNELS)} channels): "
              f"**{drafts['ok']}/{drafts['total']}** drafts pass the guard with verdict ok "
              f"(mean {drafts['latency_ms']:.1f} ms per draft).", ""]
    if drafts["failures"]:
        lines += ["Examples that did not pass:", ""] + [f"- {f}" for f in drafts["failures"]] + [""]
    lines += ["Distinctness: 20 drafts of the same intent to 20 people, each drafted with the previous ones as "
              "the brand's recent replies (pairwise max of `ratio` and `token_sort_ratio`):", "",
              "| intent | mean similarity | max | pairs ≥ threshold |", "|---|---|---|---|"]
    for intent, (mean, mx, dup) in drafts["distinct"].items():
        lines.append(f"| {intent} | {mean:.1f} | {mx:.0f} | {dup} |")
    lines += ["", "Pairs above the threshold come mostly from the private resolution intents when the case "
              "file lacks facts (explanation, URL, checklist): the drafter then fills in the same generic "
              "wording and warns the agent to complete it; the guard flags such a copy as `looks-automatic`.",
              "", "## Severity choices", "",
              "- Block: personal data asked in public, sarcasm/mockery, blame-shifting, public arguing, mocking "
              "emoji, second public reply to a confirmed troll, over the channel limit, empty reply, and a timid "
              "apology when the case is marked at fault (§5.2: timid apologies make it worse; the fix takes "
              "seconds, so stopping the send is cheap).",
              "- Warn: laughter (`jaja`), passive-aggressive phrasing, arguing in private, a single 👏 or 😂, "
              "missing greeting/signature/apology, timid apology when not at fault, looks automatic, public "
              "reply in a thread that should be private, tú/usted mixed.", ""]
    lines += ["", "## Remaining errors on this split", ""]
    notes = Counter(e["note"] for e in result["errors"])
    lines += [f"- {n}: {k}" for n, k in notes.most_common()] or ["- none"]
    lines += ["", "Examples:", ""]
    for e in result["errors"][:12]:
        lines.append(f"- `{e['id']}` {e['note']}: want {e['want']} {e['want_rules']}, got {e['got']} "
                     f"{e['got_rules']} — «{e['text']}»")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=("dev", "test", "all"))
    parser.add_argument("--sweep", action="store_true", help="print the dev threshold sweep")
    parser.add_argument("--errors", action="store_true", help="print every error on the split")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    dev_rows = load("dev")
    dev_result = evaluate(dev_rows)
    result = evaluate(load(args.split)) if args.split != "dev" else dev_result
    sweep_rows = sweep(dev_rows)
    result["history_ms"] = latency_with_history(load(args.split))
    if args.sweep:
        for t, p, r in sweep_rows:
            print(f"threshold {t}: precision {p:.3f} recall {r:.3f}")
    for positive in ({"block"}, {"warn", "block"}):
        p, r = flag_scores(result["confusion"], positive)
        print(f"{args.split} {sorted(positive)}: precision {p:.3f} recall {r:.3f}")
    if args.errors:
        for e in result["errors"]:
            print(json.dumps(e, ensure_ascii=False))
    if not args.no_report:
        drafts = draft_checks()
        print(f"drafts ok {drafts['ok']}/{drafts['total']}")
        REPORT.write_text(render(args.split, result, drafts, sweep_rows, dev_result), encoding="utf-8")
        print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
