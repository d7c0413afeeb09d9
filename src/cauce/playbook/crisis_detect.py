"""Crisis signals, as pure functions over recent complaints (no database): spikes and campaigns.

Spike: per brand and category (and over all categories), the number of distinct people
complaining in the last window against the
baseline rate of the previous hours — or, when there are weeks of history, the same hour-of-week —
tested with a one-sided Poisson tail and guarded by a minimum count and a minimum ratio.
Campaign: many distinct accounts posting near-identical text within a short window (rapidfuzz).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from rapidfuzz import fuzz, process

from cauce.playbook.policy import CrisisPolicy

MIN_BASELINE_MINUTES = 30  # less known history than this before the window: no spike verdict
MIN_RATE_PER_HOUR = 0.5  # a silent baseline still expects some complaints: no alarm on 2 posts
MAX_CAMPAIGN_TEXTS = 400
CAMPAIGN_MIN_SHARE = 0.1
MAX_COMPARED_CHARS = 240  # campaign copies are short; long posts are compared on their opening
_NOISE = re.compile(r"https?://\S+|@\w+|\d+")


@dataclass(frozen=True)
class Complaint:
    at: datetime
    category: str | None
    author: str
    text: str = ""
    mention_id: int | None = None


@dataclass(frozen=True)
class Signal:
    kind: str  # spike | campaign
    category: str | None  # None: all categories together
    count: int
    expected: float
    p_value: float
    window_minutes: int
    started_at: datetime
    accounts: int = 0
    seasonal: bool = False
    examples: tuple[str, ...] = ()
    mention_ids: tuple[int, ...] = field(default=(), repr=False)

    @property
    def strength(self) -> float:
        return -math.log10(max(self.p_value, 1e-300))

    def summary(self) -> str:
        what = f"«{self.category}»" if self.category else "todas las categorías"
        if self.kind == "campaign":
            return (f"Campaña coordinada: {self.accounts} cuentas con textos casi idénticos en "
                    f"{self.window_minutes} min.")
        return (f"Pico de quejas en {what}: {self.count} en {self.window_minutes} min "
                f"(lo esperado: {self.expected:.1f}{', estacional' if self.seasonal else ''}).")


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), summed from k upward (accurate for tiny tails)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_term = -lam + k * math.log(lam) - math.lgamma(k + 1)
    total = 0.0
    i = k
    term = math.exp(log_term)
    limit = k + 50 + int(20 * math.sqrt(lam + k))
    while i < limit:
        total += term
        i += 1
        term *= lam / i
        if term < total * 1e-16:
            break
    return min(1.0, total)


def detect_spikes(complaints: Sequence[Complaint], *, now: datetime, policy: CrisisPolicy,
                  seasonal_counts: dict[tuple[str | None, int], list[int]] | None = None,
                  history_start: datetime | None = None) -> list[Signal]:
    """The strongest spike per category (and overall), if any.

    `complaints` must cover at least [now - window - baseline, now]. `seasonal_counts` maps
    (category, window minutes) to the counts of the same window in previous weeks.
    `history_start` (the brand's first mention) keeps a young brand's baseline honest: the rate
    is measured over the history that exists, not over 12 hours of which most are empty.
    """
    full_baseline = policy.baseline_hours * 60
    by_cat: dict[str | None, list[Complaint]] = defaultdict(list)
    for c in complaints:
        if c.at <= now:
            by_cat[c.category].append(c)
            by_cat[None].append(c)
    out: list[Signal] = []
    for category, items in by_cat.items():
        best: Signal | None = None
        for window in sorted({policy.short_window_minutes, policy.window_minutes}):
            start = now - timedelta(minutes=window)
            baseline_minutes = full_baseline
            if history_start is not None:
                known = (start - history_start).total_seconds() / 60
                if known < MIN_BASELINE_MINUTES:
                    continue  # no baseline yet (a brand just connected): nothing to compare against
                baseline_minutes = int(min(full_baseline, known))
            base_start = start - timedelta(minutes=baseline_minutes)
            current = [c for c in items if c.at > start]
            base = sum(1 for c in items if base_start < c.at <= start)
            rate = max(base / baseline_minutes, MIN_RATE_PER_HOUR / 60)
            expected = rate * window
            seasonal = False
            weeks = (seasonal_counts or {}).get((category, window))
            if weeks:
                # Hour-of-week seasonality: a Monday-morning peak that happens every week is no crisis.
                seasonal_expected = sum(weeks) / len(weeks)
                if seasonal_expected > expected:
                    expected, seasonal = seasonal_expected, True
            # People, not posts: one angry person's barrage is a hostile user (§6), not a crisis.
            count = len({c.author for c in current})
            if count < policy.min_count or count < policy.min_ratio * expected:
                continue
            p = poisson_sf(count, expected)
            if p >= policy.p_value:
                continue
            signal = Signal("spike", category, count, round(expected, 3), p, window,
                            min(c.at for c in current), seasonal=seasonal,
                            examples=tuple(c.text[:200] for c in current[-3:] if c.text),
                            mention_ids=tuple(c.mention_id for c in current if c.mention_id is not None))
            if best is None or signal.strength > best.strength:
                best = signal
        if best is not None:
            out.append(best)
    return out


@lru_cache(maxsize=8192)
def _normalise(text: str) -> str:
    """Lower case, no accents, handles, links or numbers; tokens sorted (token_sort_ratio, computed once)."""
    text = unicodedata.normalize("NFKD", text[:MAX_COMPARED_CHARS].casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(sorted(_NOISE.sub(" ", text).split()))


def detect_campaign(mentions: Sequence[Complaint], *, now: datetime, policy: CrisisPolicy) -> Signal | None:
    """Many distinct accounts posting near-identical text within the campaign window.

    Feed it complaints and flagged (abusive, threatening, legal-risk) mentions: a campaign is an
    attack on the brand; friendly chatter and spam repeating a template are not a crisis.
    """
    start = now - timedelta(minutes=policy.campaign_window_minutes)
    recent = [m for m in mentions if start < m.at <= now][-MAX_CAMPAIGN_TEXTS:]
    texts = [_normalise(m.text) for m in recent]
    keep = [i for i, t in enumerate(texts) if len(t) >= 20]
    authors = len({recent[i].author for i in keep})
    # Templated chatter repeats too: a campaign must also be a visible share of who is talking.
    needed = max(policy.campaign_min_accounts, math.ceil(CAMPAIGN_MIN_SHARE * authors))
    if authors < needed:
        return None
    # Identical copies collapse first; the distinct texts are compared pairwise (tokens pre-sorted,
    # so plain `ratio` equals rapidfuzz's token_sort_ratio at a fraction of the cost).
    unique = sorted({texts[i] for i in keep})
    index = {t: n for n, t in enumerate(unique)}
    scores = process.cdist(unique, unique, scorer=fuzz.ratio, score_cutoff=policy.campaign_similarity,
                           workers=1)
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = scores.nonzero()
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        if a < b:
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in keep:
        groups[find(index[texts[i]])].append(i)
    best = max(groups.values(), key=lambda g: len({recent[i].author for i in g}))
    accounts = len({recent[i].author for i in best})
    if accounts < needed:
        return None
    members = [recent[i] for i in best]
    cats = {m.category for m in members}
    return Signal("campaign", cats.pop() if len(cats) == 1 else None, len(members), 0.0, 0.0,
                  policy.campaign_window_minutes, min(m.at for m in members), accounts=accounts,
                  examples=(members[0].text[:280],),
                  mention_ids=tuple(m.mention_id for m in members if m.mention_id is not None))
