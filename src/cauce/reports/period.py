"""The period and brand a report covers, parsed from a query string with Spanish errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cauce.cases.service import ALL_BRANDS, Scope
from cauce.errors import InvalidInput, NotFound

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Cases opened in [start, end) of the brand(s) in scope, with days counted in `timezone`."""

    first_day: date
    last_day: date  # inclusive
    timezone: str = "UTC"
    brand_id: int | None = None
    scope: Scope = ALL_BRANDS

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, self.zone).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    def query(self) -> dict[str, str]:
        """The query-string form (links to exports and the printable report keep the same filters)."""
        out = {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}
        if self.brand_id is not None:
            out["brand"] = str(self.brand_id)
        return out


def _day(value: str | None, what: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise InvalidInput(f"La fecha {what} no es válida ({value[:40]!r}); use AAAA-MM-DD.") from None


def _zone_name(name: str | None) -> str:
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def parse_period(*, start: str | None, end: str | None, brand: str | None, scope: Scope, timezone: str | None,
                 today: date | None = None) -> Period:
    """Validate the filters: dates in order, at most a year, and a brand the caller may see."""
    tz = _zone_name(timezone)
    today = today or datetime.now(ZoneInfo(tz)).date()
    last = _day(end, "final") or today
    first = _day(start, "inicial") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput("La fecha inicial es posterior a la final.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"El periodo es demasiado largo: como máximo {MAX_DAYS} días.")
    brand_id: int | None = None
    if brand is not None and brand.strip():
        try:
            brand_id = int(brand)
        except ValueError:
            raise InvalidInput(f"Marca inválida {brand[:40]!r}.") from None
        if not scope.allows(brand_id):
            raise NotFound(f"No existe la marca {brand_id}.")
    return Period(first, last, tz, brand_id, scope)
