"""Business time on a brand's calendar, with national holidays from the `holidays` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cauce.brands.policy import BrandPolicy
from cauce.cases.calendar import BusinessCalendar, is_holiday


def cal(country: str = "CO", tz: str = "America/Bogota", **policy: object) -> BusinessCalendar:
    return BusinessCalendar(timezone=tz, country=country, policy=BrandPolicy.model_validate(policy))


@pytest.mark.parametrize(("country", "day"), [
    ("CO", date(2026, 7, 20)),   # Independence day
    ("MX", date(2026, 9, 16)),   # Independencia
    ("ES", date(2026, 10, 12)),  # Fiesta Nacional
    ("AR", date(2026, 7, 9)),    # Independencia
    ("CL", date(2026, 9, 18)),   # Fiestas Patrias
    ("PE", date(2026, 7, 28)),   # Fiestas Patrias
])
def test_national_holidays_come_from_the_library(country: str, day: date) -> None:
    assert is_holiday(country, day)
    assert not is_holiday(country, date(2026, 3, 4))  # an ordinary Wednesday


def test_minutes_inside_one_open_day() -> None:
    monday_9am = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert cal().add_business_minutes(monday_9am, 60) == monday_9am + timedelta(hours=1)


def test_after_hours_rolls_to_next_opening() -> None:
    friday_5_30pm_bogota = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    due = cal().add_business_minutes(friday_5_30pm_bogota, 60)
    # 30 minutes on Friday, then 30 minutes from Monday 08:00 Bogotá (13:00 UTC)
    assert due == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_holiday_is_skipped() -> None:
    # Friday 2026-07-17 17:00 Bogotá, Monday 20 July is a holiday in Colombia.
    start = datetime(2026, 7, 17, 22, 0, tzinfo=UTC)
    due = cal().add_business_minutes(start, 120)
    assert due == datetime(2026, 7, 21, 14, 0, tzinfo=UTC)  # 1 h Friday + 1 h Tuesday from 08:00


def test_business_minutes_between_matches_add() -> None:
    c = cal()
    start = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    due = c.add_business_minutes(start, 500)
    assert c.business_minutes_between(start, due) == pytest.approx(500)


def test_business_days_count_from_the_next_day_and_skip_weekends_and_holidays() -> None:
    # Received Wednesday 2026-07-15; Monday 20 July is a holiday.
    received = datetime(2026, 7, 15, 15, 0, tzinfo=UTC)
    due = cal().add_business_days(received, 3)
    assert due.astimezone(cal().tz).date() == date(2026, 7, 21)  # Thu 16, Fri 17, Tue 21


def test_a_calendar_with_no_open_hours_fails_clearly() -> None:
    with pytest.raises(ValueError, match="no tiene horas hábiles"):
        cal(business_hours={}).add_business_minutes(datetime(2026, 3, 2, tzinfo=UTC), 10)


def test_invalid_business_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="horario inválido"):
        BrandPolicy.model_validate({"business_hours": {"mon": "18:00-08:00"}})
