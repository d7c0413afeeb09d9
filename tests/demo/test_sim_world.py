"""The demo world (brands, people) and the JSONL export of simulated mentions."""

from __future__ import annotations

import io
import json
import statistics
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cauce.brands.policy import load_policy
from cauce.demo.catalog import BRANDS, brand_by_slug
from cauce.demo.export import BENCH_START, burst, main, write_jsonl
from cauce.demo.people import INFLUENCER, JOURNALIST, build_population
from cauce.mentions.schemas import MentionIn


def test_catalog_brands_are_complete_and_loadable() -> None:
    assert len(BRANDS) == 5
    assert len({b.slug for b in BRANDS}) == 5
    assert {b.sector for b in BRANDS} == {"telecom", "cosmetics", "bank", "delivery", "cityhall"}
    for brand in BRANDS:
        ZoneInfo(brand.timezone)  # raises on an unknown zone
        assert brand.voice in ("tu", "usted")
        assert len(brand.country) == 2 and brand.country.isupper()
        assert brand.handles and brand.search_terms and brand.hashtags and brand.misspellings
        assert len(brand.areas) >= 4
        assert all(a.investigation_hours > 0 for a in brand.areas)
        assert len({a.slug for a in brand.areas}) == len(brand.areas)
        load_policy(brand.policy)  # business hours in the policy's own format
    assert brand_by_slug("Conectel").slug == "conectel"
    with pytest.raises(ValueError):
        brand_by_slug("otra")


def test_population_has_unique_handles_and_a_heavy_tail() -> None:
    people = build_population(seed=7)
    assert len({p.handle for p in people}) == len(people)
    followers = sorted(p.followers for p in people)
    assert followers[-1] > 50 * statistics.median(followers)
    assert JOURNALIST.followers >= 100_000 and INFLUENCER.followers >= 100_000
    assert build_population(seed=7) == people
    assert build_population(seed=8) != people


def test_write_jsonl_is_reproducible_and_ingestible(tmp_path: Path) -> None:
    first, second = io.StringIO(), io.StringIO()
    assert write_jsonl(first, 800, seed=3) == 800
    write_jsonl(second, 800, seed=3)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert len(lines) == 800
    mentions = [MentionIn.model_validate_json(line) for line in lines]
    assert min(m.created_at for m in mentions) >= BENCH_START
    assert all(set(json.loads(line)) >= {"id", "created_at", "channel", "brand", "author", "text"}
               for line in lines)
    path = tmp_path / "stream.jsonl"
    assert write_jsonl(path, 50, seed=3) == 50
    assert path.read_text(encoding="utf-8").splitlines() == lines[:50]


def test_burst_writes_unique_crisis_mentions_for_one_brand(tmp_path: Path) -> None:
    mentions = burst(2000, seed=4, brand="lumina", window=timedelta(minutes=3))
    assert len({m.id for m in mentions}) == 2000
    assert {m.brand for m in mentions} == {"lumina"}
    span = max(m.created_at for m in mentions) - min(m.created_at for m in mentions)
    assert span <= timedelta(minutes=3)
    path = tmp_path / "burst.jsonl"
    assert main([str(path), "--n", "300", "--seed", "4", "--burst", "--brand", "rapidito"]) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300
    assert {MentionIn.model_validate_json(line).brand for line in lines} == {"rapidito"}


def test_export_cli_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "x.jsonl"), "--n", "5", "--burst", "--brand", "nadie"]) == 2
    assert "desconocida" in capsys.readouterr().err
    assert main([str(tmp_path / "missing-dir" / "x.jsonl"), "--n", "5"]) == 2
    assert main(["-", "--n", "3"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    with pytest.raises(ValueError):
        write_jsonl(io.StringIO(), -1)
