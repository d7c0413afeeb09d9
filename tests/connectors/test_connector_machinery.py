from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from cauce.connectors.backoff import Backoff
from cauce.connectors.base import (
    KINDS,
    AuthExpired,
    ConfigError,
    Connector,
    ConnectorConfig,
    PermanentError,
    RateLimited,
    TransientError,
    get_connector_class,
)
from cauce.connectors.html_text import html_to_text
from cauce.connectors.http import raise_for_status, retry_after_seconds
from cauce.connectors.sweep import Keyed, advance
from cauce.connectors.terms import TermMatcher


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    b = Backoff(base_s=1, cap_s=100)
    assert [b.delay(n, rand=lambda: 1.0) for n in range(8)] == [1, 2, 4, 8, 16, 32, 64, 100]
    assert b.delay(3, rand=lambda: 0.0) == 0.0
    assert b.delay(0, retry_after_s=30, rand=lambda: 0.0) == 30
    assert 30 <= b.delay(0, retry_after_s=30) <= 31
    assert b.delay(10_000, rand=lambda: 1.0) == 100
    with pytest.raises(ValueError):
        b.delay(-1)


def test_retry_after_formats() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds({"Retry-After": "12"}, now=now) == 12
    date = format_datetime(datetime.fromtimestamp(now + 90, UTC), usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(90, abs=1)
    assert retry_after_seconds({"x-rate-limit-reset": str(int(now) + 40)}, now=now) == 40  # X: epoch
    assert retry_after_seconds({"ratelimit-reset": str(int(now) + 5)}, now=now) == 5  # Bluesky: epoch
    iso = datetime.fromtimestamp(now + 300, UTC).isoformat()
    assert retry_after_seconds({"X-RateLimit-Reset": iso}, now=now) == pytest.approx(300)  # Mastodon: ISO
    assert retry_after_seconds({"Retry-After": "garbage"}, now=now, default=60) == 60


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthExpired), (429, RateLimited), (500, TransientError), (503, TransientError), (403, PermanentError)],
)
def test_status_mapping(status: int, error: type[Exception]) -> None:
    response = httpx.Response(status, json={"error": "motivo de la API"})
    with pytest.raises(error, match="motivo de la API"):
        raise_for_status(response, network="red")


def test_meta_style_error_reason() -> None:
    response = httpx.Response(400, json={"error": {"message": "(#100) Invalid parameter", "code": 100}})
    with pytest.raises(PermanentError, match="Invalid parameter"):
        raise_for_status(response, network="meta")


def test_html_to_text_is_safe() -> None:
    assert html_to_text("<p>Hola &lt;b&gt;</p><p>chau</p>") == "Hola <b>\n\nchau"
    assert html_to_text("<script>alert('x')</script><style>p{}</style>ok<br/>sí") == "ok\nsí"
    assert html_to_text("<p>" + "a" * 100_000 + "</p>") == "a" * 100_000
    assert html_to_text("<p unclosed") == "<p unclosed"  # an unfinished tag stays visible text
    assert html_to_text("texto plano") == "texto plano"


def test_term_matcher_words_accents_case() -> None:
    m = TermMatcher(["Banco Andino", "MoviPlus", "Café Montaña"])
    assert m.search("el BANCO   andino me robó")
    assert m.search("#moviplus caído") and m.search("@MoviPlus")
    assert m.search("cafe montana") and m.search("CAFÉ MONTAÑA")
    assert not m.search("movipluss") and not m.search("bancoandino")
    assert m.matches("moviplus y café montaña") == ["Café Montaña", "MoviPlus"]
    assert not TermMatcher([]) and not TermMatcher(["  "]).search("x")
    with pytest.raises(ValueError):
        TermMatcher(["x" * 101])


def test_sweep_state_machine() -> None:
    def page(*keys: str) -> list[Keyed[str]]:
        return [Keyed(k, k, k) for k in keys]

    first = advance({}, page("05", "04"), "tok")
    assert first.new == ["05", "04"] and not first.more and first.state["seen"] == "05"
    step = advance(first.state, page("09", "08"), "t1")
    assert step.new == ["09", "08"] and step.more and step.state["token"] == "t1"
    step = advance(step.state, page("07", "05"), "t2")  # reaches what was seen
    assert step.new == ["07"] and not step.more and step.state == {"seen": "09", "seen_ids": ["09"]}
    assert advance(step.state, page("09"), None).new == []


def test_registry_and_config_errors() -> None:
    cls = get_connector_class("mastodon")
    assert issubclass(cls, Connector) and cls.kind == "mastodon"
    with pytest.raises(KeyError):
        get_connector_class("myspace")
    with pytest.raises(ConfigError, match="access_token"):
        cls.config_class.from_dict({"brand": "x", "base_url": "https://m.example"})


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_registered_kind_loads_with_a_typed_config(kind: str) -> None:
    cls = get_connector_class(kind)
    assert cls.kind == kind
    assert issubclass(cls.config_class, ConnectorConfig)
    with pytest.raises(ConfigError):
        cls.config_class.from_dict({"brand": "x", "unknown_setting": 1})


def test_secrets_never_show_in_config_reprs() -> None:
    cls = get_connector_class("x")
    config = cls.config_class.from_dict(
        {"brand": "b", "access_token": "SUPERSECRETO", "user_id": "1", "consumer_secret": "OTROSECRETO"}
    )
    assert "SUPERSECRETO" not in repr(config) and "OTROSECRETO" not in str(config.model_dump())


def test_make_mention_truncates_huge_text_and_names_bad_items() -> None:
    from cauce.connectors.base import PayloadError, make_mention

    base = {"id": "1", "created_at": "2026-11-23T08:00:00Z", "channel": "rss", "brand": "b", "author": {"handle": "x"}}
    mention = make_mention({**base, "text": "ñ" * 150_000 + "\x00"}, network="rss")
    assert len(mention.text) == 100_000 and mention.extra_fields()["truncated"] is True
    odd = make_mention({**base, "text": "e\u0301 \ud83d z\u0300\u0301\u0302\u0303\u0304"}, network="rss")
    assert odd.text == "é \ufffd z\u0300\u0301\u0302"
    with pytest.raises(PayloadError, match="'1'"):
        make_mention({**base, "created_at": "ayer", "text": "x"}, network="rss")


def test_sweep_handles_items_sharing_the_boundary_timestamp() -> None:
    first = advance({}, [Keyed("t5", "a", "a"), Keyed("t5", "b", "b")], None)
    assert first.state == {"seen": "t5", "seen_ids": ["a", "b"]}
    # "c" was indexed in the same instant as a and b but arrived later: it is new, a and b are not.
    step = advance(first.state, [Keyed("t5", "c", "c"), Keyed("t5", "b", "b"), Keyed("t5", "a", "a")], None)
    assert step.new == ["c"] and step.state["seen_ids"] == ["a", "b", "c"]
    assert advance(step.state, [], None).state == step.state
