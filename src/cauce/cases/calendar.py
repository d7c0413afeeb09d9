"""Business time: opening hours in the brand's time zone and national holidays.

Holidays come from the maintained `holidays` package (CO, MX, ES, AR, CL, PE and many more).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cauce.brands.policy import WEEKDAYS, BrandPolicy

if TYPE_CHECKING:
    import holidays as holidays_lib

_MAX_DAYS_SCANNED = 3 * 366  # a calendar with no open day at all must not loop forever
_MAX_REMEMBERED = 20_000


@lru_cache(maxsize=64)
def _country_holidays(country: str, year: int) -> holidays_lib.HolidayBase:
    import holidays as holidays_lib  # on first use: commands that only read cases never need it

    return holidays_lib.country_holidays(country, years=year)


@lru_cache(maxsize=16384)  # SLA clocks ask about the same few weeks for every new case
def is_holiday(country: str, day: date) -> bool:
    try:
        return day in _country_holidays(country.upper(), day.year)
    except NotImplementedError:
        return False


class BusinessCalendar:
    def __init__(self, *, timezone: str, country: str, policy: BrandPolicy) -> None:
        self.tz = ZoneInfo(timezone)
        self.country = country.upper()
        self.hours: dict[int, tuple[time, time]] = {}
        for day, span in policy.business_hours.items():
            start, _, end = span.partition("-")
            self.hours[WEEKDAYS.index(day)] = (time.fromisoformat(start), time.fromisoformat(end))
        # Every mention added to a case recomputes its due times from the same start: remember them.
        self._due: dict[tuple[str, datetime, float], datetime] = {}

    def _remembered(self, key: tuple[str, datetime, float], compute: Callable[[], datetime]) -> datetime:
        found = self._due.get(key)
        if found is None:
            if len(self._due) >= _MAX_REMEMBERED:
                self._due.clear()
            found = self._due[key] = compute()
        return found

    def is_business_day(self, day: date) -> bool:
        """A working day for legal terms: Monday–Friday and not a national holiday."""
        return day.weekday() < 5 and not is_holiday(self.country, day)

    def _open_span(self, day: date) -> tuple[datetime, datetime] | None:
        span = self.hours.get(day.weekday())
        if span is None or is_holiday(self.country, day):
            return None
        return (datetime.combine(day, span[0], self.tz), datetime.combine(day, span[1], self.tz))

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of opening time after `start` (UTC in, UTC out)."""
        return self._remembered(("minutes", start, minutes), lambda: self._add_business_minutes(start, minutes))

    def _add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        remaining = timedelta(minutes=minutes)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS_SCANNED):
            span = self._open_span(day)
            if span is not None:
                begin = max(span[0], local)
                if begin < span[1]:
                    available = span[1] - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("el calendario de atención no tiene horas hábiles; revise el horario de la marca")

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return -self.business_minutes_between(end, start) if end < start else 0.0
        total = timedelta()
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        day = local_start.date()
        while day <= local_end.date():
            span = self._open_span(day)
            if span is not None:
                begin, finish = max(span[0], local_start), min(span[1], local_end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day counted from the day after `start`.

        Ley 1755 de 2015 counts terms in working days from the day after the petition is received.
        """
        return self._remembered(("days", start, days), lambda: self._add_business_days(start, days))

    def _add_business_days(self, start: datetime, days: int) -> datetime:
        day = start.astimezone(self.tz).date()
        counted = 0
        for _ in range(_MAX_DAYS_SCANNED * 2):
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day, time(23, 59, 59), self.tz).astimezone(UTC)
        raise ValueError("no se pudo calcular el término legal")


def next_holidays(country: str, *, today: date, count: int = 6) -> list[tuple[date, str]]:
    """The country's next national holidays (the `holidays` package, as the SLA calendar uses)."""
    import holidays as holidays_lib

    try:
        calendar = holidays_lib.country_holidays(country, years=[today.year, today.year + 1], language="es")
    except (NotImplementedError, KeyError):
        return []
    return sorted((d, str(name)) for d, name in calendar.items() if d >= today)[:count]
