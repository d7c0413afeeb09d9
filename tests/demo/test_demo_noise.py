"""The demo gives Conectel homonyms, exclusions and categories, and its stream carries noise about it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from cauce.brands.models import Brand
from cauce.db import Database
from cauce.demo.relevance import TRIAGE_SETTINGS
from cauce.demo.seed import seed
from cauce.demo.stream import Simulator

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_the_stream_posts_a_homonym_sport_and_news_about_conectel() -> None:
    noise = [e for e in Simulator(seed=7, start=START).events(3000) if e.labels.scenario == "noise"]
    assert {e.labels.detail for e in noise} == {"homonym", "sport", "news"}
    assert all(e.mention.brand == "conectel" and not e.mention.private for e in noise)
    settings = TRIAGE_SETTINGS["conectel"]
    flagged = [t for t in (*settings["exclusion_terms"], *settings["homonyms"])]
    # Every noise post names an exclusion term or a homonym: what makes it noise for the relevance step.
    assert all(any(t.casefold() in e.mention.text.casefold() for t in flagged) for e in noise)
    # Noise never tags the brand: it is not addressed to it.
    assert not any("@conectel" in e.mention.text.casefold() for e in noise)


def test_seeding_gives_conectel_its_triage_settings(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        seed(s)
    with sqlite_db.session() as s:
        brand = s.scalars(select(Brand).where(Brand.slug == "conectel")).one()
        assert "Deportivo Conectel" in brand.triage_settings["homonyms"]
        assert "Conectel Arena" in brand.triage_settings["exclusion_terms"]
        assert len(brand.triage_settings["categories"]) == 6
        other = s.scalars(select(Brand).where(Brand.slug == "lumina")).one()
        assert other.triage_settings == {}
