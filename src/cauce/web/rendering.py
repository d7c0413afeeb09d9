"""The Jinja environment of the web app and `render()`, which every page and fragment uses.

Autoescaping is on for every template: user text (mentions, names, bios) is always escaped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_compact_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from cauce.db import utcnow
from cauce.web.i18n import LANG_COOKIE, LANGUAGES, pick_language, translations
from cauce.web.reasons import reason_filter
from cauce.web.vendor import vendor_ready

TEMPLATE_DIR = Path(__file__).parent / "templates"
ROLE_LABELS = {"agent": "Agente", "supervisor": "Supervisión", "admin": "Administración"}


def duration(seconds: float | None) -> str:
    """Compact time left/overdue: '45 min', '3 h 10 min', '2 d 4 h'."""
    if seconds is None:
        return "—"
    s = abs(int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        text = f"{minutes} min"
    return f"−{text}" if seconds < 0 else text


@pass_context
def compact(context: Any, number: int | None) -> str:
    """Follower counts as people read them in the page's language (babel): 870, 12,3 mil, 1,2 M
    in Spanish; 870, 12.3K, 1.2M in English."""
    return compact_number(number, context.get("lang") or "es")


def compact_number(number: int | None, language: str) -> str:
    return str(format_compact_decimal(int(number or 0), locale=language, fraction_digits=1))


@pass_context
def when(context: Any, value: datetime) -> str:
    """A date and time in the page's language (babel), in the value's own time zone: «3 dic 2026, 08:25»."""
    return str(format_datetime(value, "d MMM y, HH:mm", tzinfo=value.tzinfo, locale=context.get("lang") or "es"))


def local(value: datetime | None, tz: str = "America/Bogota", fmt: str = "%d/%m %H:%M") -> str:
    if value is None:
        return "—"
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def first_line(text: str | None, limit: int = 160) -> str:
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    return line[: limit - 1] + "…" if len(line) > limit else line


LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_INVISIBLE = str.maketrans("", "", "\t\n\r")


def safe_url(value: str | None) -> str | None:
    """The URL to put in an href, or None when it must be shown as plain text.

    URLs from mentions and profiles come from the network: only http(s) and mailto links are
    rendered (never javascript:, data:, vbscript:… nor a relative path into this app). Browsers
    drop tabs and newlines inside a URL and trim control characters and spaces around it, so the
    scheme is read the way they will read it.
    """
    if not value:
        return None
    cleaned = value.translate(_INVISIBLE).strip("".join(chr(c) for c in range(0x21)))
    scheme, colon, rest = cleaned.partition(":")
    if not colon or scheme.lower() not in LINK_SCHEMES:
        return None
    if scheme.lower() != "mailto" and not rest.startswith("//"):
        return None
    return cleaned


env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)
env.tests["datetime"] = lambda v: isinstance(v, datetime)
env.filters.update(reason=reason_filter, when=when)
env.filters.update(duration=duration, compact=compact, local=local, iso=iso, first_line=first_line, safe_url=safe_url,
                   tojson_attr=lambda v: json.dumps(v, ensure_ascii=False))


def language_of(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page or fragment with the request's language and the signed-in user (if any)."""
    language = language_of(request)
    catalogue = translations(language)
    values: dict[str, Any] = {
        "request": request, "lang": language, "languages": LANGUAGES, "_": catalogue.gettext,
        "ngettext": catalogue.ngettext, "now": utcnow(), "user": getattr(request.state, "web_user", None),
        "csrf_token": getattr(request.state, "csrf_token", None), "path": request.url.path, "vendor_ok": vendor_ready(),
        "role_labels": ROLE_LABELS,
    }
    values.update(context or {})
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def gettext_for(request: Request) -> Any:
    return translations(language_of(request)).gettext
