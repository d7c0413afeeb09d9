"""Impact and priority: reach, velocity, severity, and Spanish reasons that explain the number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_helpers import T0, history, mention

from cauce.triage.impact import engagement_per_hour, reach, velocity
from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.priority import format_count
from cauce.triage.schemas import History, MetricPoint


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


@pytest.mark.parametrize("value,text", [(950, "950"), (2500, "2,5 k"), (120_000, "120 k"), (1_500_000, "1,5 M")])
def test_format_count(value: int, text: str) -> None:
    assert format_count(value) == text


def test_reach_grows_with_followers_and_own_page() -> None:
    assert reach(10, on_own_page=False, verified=False) < reach(10_000, on_own_page=False, verified=False)
    assert reach(10_000, on_own_page=False, verified=False) < reach(10_000, on_own_page=True, verified=False)
    assert reach(10**9, on_own_page=True, verified=True) == 1.0


def test_velocity_from_snapshots() -> None:
    snapshots = (MetricPoint(observed_at=T0, likes=10), MetricPoint(observed_at=T0 + timedelta(minutes=30), likes=30))
    per_hour = engagement_per_hour(History(metric_snapshots=snapshots), T0 - timedelta(hours=1))
    assert per_hour == pytest.approx(40.0)
    assert 0.0 < velocity(per_hour) < velocity(1000.0) == 1.0


def test_priority_orders_threats_and_big_angry_authors_first(pipeline: Pipeline) -> None:
    calm = pipeline.assess(mention("¿A qué hora abren mañana?"), History())
    complaint = pipeline.assess(mention("Llevo 3 días sin internet y nadie me responde"), History())
    big = pipeline.assess(mention("Llevo 3 días sin internet y nadie me responde", followers=120_000),
                          history("Mi línea 5512 sigue sin servicio", "¿Alguien me responde?", "Van 3 días"))
    threat = pipeline.assess(mention("Sé dónde vives, cuídate"), History())
    assert calm.priority < complaint.priority < big.priority
    assert threat.priority > complaint.priority
    assert "autor con 120 k seguidores" in big.reasons
    assert "3 mensajes sin respuesta" in big.reasons
    assert big.impact is not None and big.impact.followers == 120_000
