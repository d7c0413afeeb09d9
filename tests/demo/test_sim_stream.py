"""Behaviour of the demo simulator's mention stream."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from cauce.demo.catalog import BRANDS, CHANNELS, brand_by_slug
from cauce.demo.people import DIALECTS, HOSTILE, INFLUENCER, JOURNALIST, TROLL
from cauce.demo.phrases import CATEGORIES
from cauce.demo.stream import SimEvent, Simulator
from cauce.mentions.schemas import MentionIn

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
N = 6000


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(seed=7, start=START)


@pytest.fixture(scope="module")
def events(sim: Simulator) -> list[SimEvent]:
    return list(sim.events(N))


def _new(events: list[SimEvent]) -> list[SimEvent]:
    return [e for e in events if not e.repeat]


def _names_brand(text: str, slug: str) -> bool:
    brand = brand_by_slug(slug)
    terms = (brand.name, *brand.handles.values(), *brand.hashtags, *brand.misspellings,
             *brand.search_terms)
    return any(term.lower() in text.lower() for term in terms)


def test_same_seed_gives_the_same_stream_and_another_seed_does_not() -> None:
    first = [(e.at, e.mention.model_dump_json()) for e in Simulator(3, START).events(1500)]
    again = [(e.at, e.mention.model_dump_json()) for e in Simulator(3, START).events(1500)]
    other = [(e.at, e.mention.model_dump_json()) for e in Simulator(4, START).events(1500)]
    assert first == again
    assert first != other


def test_every_event_is_a_valid_mention_in_time_order(events: list[SimEvent]) -> None:
    previous = START
    for event in events:
        assert event.at >= previous
        previous = event.at
        revalidated = MentionIn.model_validate(event.mention.model_dump())
        assert revalidated == event.mention
        assert MentionIn.model_validate_json(event.mention.model_dump_json()) == event.mention
        if not event.repeat:
            assert event.mention.created_at == event.at
        assert event.mention.private == (event.mention.channel in ("email", "telegram"))


def test_ids_are_unique_except_metric_re_emissions(events: list[SimEvent]) -> None:
    new_ids = [e.mention.id for e in _new(events)]
    assert len(new_ids) == len(set(new_ids))
    last_seen: dict[str, MentionIn] = {}
    repeats = 0
    for event in events:
        mention = event.mention
        if event.repeat:
            repeats += 1
            before = last_seen[mention.id]  # a re-emission always follows the original
            assert mention.text == before.text and mention.created_at == before.created_at
            assert mention.metrics.likes >= before.metrics.likes
            assert mention.metrics.reposts >= before.metrics.reposts
            assert mention.metrics.replies >= before.metrics.replies
            assert (mention.metrics.likes, mention.metrics.reposts, mention.metrics.replies) != (
                before.metrics.likes, before.metrics.reposts, before.metrics.replies)
            assert not mention.private
        last_seen[mention.id] = mention
    assert repeats > 100


def test_escalating_threads_chain_replies_and_grow_angrier(events: list[SimEvent]) -> None:
    by_id = {e.mention.id: e for e in _new(events)}
    threads: dict[str, list[SimEvent]] = defaultdict(list)
    for event in _new(events):
        if event.labels.scenario == "thread":
            threads[event.mention.conversation_id or event.mention.id].append(event)
    long_threads = [t for t in threads.values() if len(t) >= 4]
    assert len(long_threads) >= 5
    for thread in long_threads:
        root, *follow_ups = thread
        assert root.mention.in_reply_to is None
        for earlier, later in zip(thread, follow_ups, strict=False):
            assert later.mention.in_reply_to == earlier.mention.id
            assert later.mention.author.handle == root.mention.author.handle
            assert later.mention.conversation_id == root.mention.id
            assert later.at > earlier.at
        assert [e.labels.detail for e in thread] == [f"level{i}" for i in range(len(thread))]
        assert all(e.mention.in_reply_to in by_id for e in follow_ups)
    # Some ignored customers insult once, at the last step only.
    insulting = [t for t in long_threads if "abusive" in t[-1].labels.flags]
    assert insulting
    assert all("abusive" not in e.labels.flags for t in insulting for e in t[:-1])


def test_hostile_user_keeps_attacking_one_brand(events: list[SimEvent]) -> None:
    posts = [e for e in _new(events) if e.mention.author.handle == "@" + HOSTILE.handle]
    assert len(posts) >= 8
    assert {e.labels.role for e in posts} == {"hostil"}
    assert len({e.mention.brand for e in posts}) == 1
    assert posts[-1].at - posts[0].at > timedelta(minutes=30)
    texts = " ".join(e.mention.text.lower() for e in posts)
    assert "boicot" in texts
    assert len({e.mention.text for e in posts}) > len(posts) // 2


def test_troll_replies_to_other_peoples_complaints(events: list[SimEvent]) -> None:
    authors = {e.mention.id: e.mention.author.handle for e in _new(events)}
    replies = [e for e in _new(events) if e.mention.author.handle == "@" + TROLL.handle]
    assert len(replies) >= 8
    for reply in replies:
        assert reply.mention.in_reply_to in authors
        assert authors[reply.mention.in_reply_to] != "@" + TROLL.handle
    assert len({authors[r.mention.in_reply_to or ""] for r in replies}) >= 5
    assert sum("threat" in r.labels.flags for r in replies) == 1


def test_crisis_spike_is_many_times_the_base_rate(sim: Simulator,
                                                  events: list[SimEvent]) -> None:
    brand = sim.crisis_brand.slug
    new = [e for e in _new(events) if e.mention.brand == brand]
    assert events[-1].at > sim.crisis_end  # the sample covers the whole window
    before = [e for e in new if e.at < sim.crisis_start]
    during = [e for e in new if sim.crisis_start <= e.at < sim.crisis_end]
    base_rate = len(before) / ((sim.crisis_start - START).total_seconds() / 60)
    crisis_rate = len(during) / ((sim.crisis_end - sim.crisis_start).total_seconds() / 60)
    assert base_rate > 0
    assert crisis_rate >= 5 * base_rate
    # The crisis concerns one category, with a coordinated campaign and high-reach posts.
    crisis = [e for e in during if e.labels.scenario in ("crisis", "campaign")]
    assert {e.labels.category for e in crisis} == {"producto"}
    campaign = [e for e in during if e.labels.scenario == "campaign"]
    assert len({e.mention.author.handle for e in campaign}) >= 50
    stems = Counter(re.sub(r"[!.]", "", e.mention.text)[:60] for e in campaign)
    assert stems.most_common(1)[0][1] >= 0.8 * len(campaign)
    press = {e.mention.author.handle: e for e in during if e.labels.scenario == "press"}
    assert {"@" + JOURNALIST.handle, "@" + INFLUENCER.handle} <= set(press)
    assert all(e.mention.author.followers >= 100_000 for e in press.values())
    grown = [e for e in events if e.repeat and e.mention.author.handle in press]
    assert grown and max(e.mention.metrics.reposts for e in grown) > 100


def test_no_crisis_when_disabled() -> None:
    sim = Simulator(seed=7, start=START, crisis=False)
    labels = {e.labels.scenario for e in sim.events(3000)}
    assert not labels & {"crisis", "campaign", "press"}


def test_coverage_of_dialects_categories_channels_and_intents(events: list[SimEvent]) -> None:
    new = _new(events)
    assert {e.labels.dialect for e in new} >= set(DIALECTS)
    complaints = [e for e in new if e.labels.pqr_type in ("queja", "reclamo")]
    assert {e.labels.category for e in complaints} >= set(CATEGORIES)
    assert {e.mention.channel for e in new} == set(CHANNELS)
    assert {e.mention.brand for e in new} == {b.slug for b in BRANDS}
    assert {e.labels.pqr_type for e in new} >= {"peticion", "queja", "reclamo", "sugerencia",
                                                 "felicitacion", "otro"}
    assert any("legal_risk" in e.labels.flags for e in new)
    emails = [e for e in new if e.mention.channel == "email" and e.labels.scenario != "hostile_input"]
    assert all(e.mention.text.startswith("Asunto:") for e in emails)


def test_hostile_input_appears_and_stays_within_limits(events: list[SimEvent]) -> None:
    hostile = [e for e in _new(events) if e.labels.scenario == "hostile_input"]
    kinds = {e.labels.detail for e in hostile}
    assert kinds == {"html", "long", "rtl", "zalgo", "emoji_only", "invisible"}
    texts = [e.mention.text for e in hostile]
    assert any("<script>" in t or "onerror=" in t or "javascript:" in t for t in texts)
    assert any(len(t) > 20_000 for t in texts)
    assert any("\u202e" in t for t in texts)
    assert all(len(t) <= 100_000 for t in texts)
    emoji_only = [e.mention.text for e in hostile if e.labels.detail == "emoji_only"]
    assert emoji_only and not any(c.isalpha() for t in emoji_only for c in t)


def test_mentions_name_their_brand_and_rarely_repeat(events: list[SimEvent]) -> None:
    checked = [e for e in _new(events)
               if e.labels.scenario in ("ordinary", "crisis", "campaign", "hostile", "press")]
    missing = [e.mention.text for e in checked if not _names_brand(e.mention.text, e.mention.brand)]
    assert not missing
    complaints = [e.mention.text for e in _new(events)
                  if e.labels.scenario == "ordinary" and e.labels.pqr_type in ("queja", "reclamo")]
    assert len(set(complaints)) >= 0.9 * len(complaints)


def test_brand_filter_and_bad_options() -> None:
    sim = Simulator(seed=1, start=START, brands=["rapidito", "Banco Andino"])
    assert {e.mention.brand for e in sim.events(2000)} == {"rapidito", "banco-andino"}
    with pytest.raises(ValueError, match="desconocida"):
        Simulator(brands=["no-existe"])
    with pytest.raises(ValueError):
        Simulator(brands=[])
    with pytest.raises(ValueError):
        Simulator(rate_per_min=0)
    with pytest.raises(ValueError):
        Simulator(brands=["lumina"], crisis_brand="conectel")
    with pytest.raises(ValueError):
        list(Simulator().events(-1))


def test_naive_start_is_taken_as_utc_and_default_start_is_now() -> None:
    naive = Simulator(seed=2, start=datetime(2026, 3, 2, 15, 0))
    first = next(iter(naive.events(1)))
    assert first.at.tzinfo is not None and first.at >= START
    live = Simulator(seed=2)
    assert abs(live.start - datetime.now(UTC)) < timedelta(minutes=1)


def test_crisis_burst_is_one_brand_in_a_short_window_with_unique_ids() -> None:
    sim = Simulator(seed=5, start=START, brands=["alcaldia-san-telmo"])
    burst = sim.crisis_burst(3000, window=timedelta(minutes=2))
    assert len(burst) == 3000
    assert len({e.mention.id for e in burst}) == 3000
    assert {e.mention.brand for e in burst} == {"alcaldia-san-telmo"}
    assert all(START <= e.at <= START + timedelta(minutes=2) for e in burst)
    assert not any(e.repeat for e in burst)
    assert any("#SanTelmoSinAgua" in e.mention.text for e in burst)


def test_twenty_thousand_events_generate() -> None:
    count = sum(1 for _ in Simulator(seed=9, start=START, rate_per_min=120).events(20_000))
    assert count == 20_000
