from __future__ import annotations

from collections.abc import Iterator

import pytest

from cauce.connectors.base import ConfigError, PayloadError, RateLimited
from cauce.connectors.rss import RssConfig, RssConnector
from connectors.fakes.fake_feeds import FakeFeeds
from connectors.fakes.serving import serve


@pytest.fixture()
def feeds() -> Iterator[tuple[FakeFeeds, str]]:
    fake = FakeFeeds()
    fake.add("a1", "MoviPlus sube tarifas", "<p>Los usuarios de <b>Movi Plus</b> se quejan</p><script>x()</script>", 2)
    fake.add("a2", "Receta de arepas", "nada de marcas", 3)
    with serve(fake.app()) as url:
        yield fake, url


def make(url: str, **extra: object) -> RssConnector:
    return RssConnector(
        RssConfig.model_validate(
            {"brand": "moviplus", "brand_terms": ["MoviPlus", "Movi Plus"], "base_url": url, **extra}
        )
    )


def test_rss_entries_matched_mapped_and_deduped(feeds: tuple[FakeFeeds, str]) -> None:
    fake, url = feeds
    with make(f"{url}/rss.xml") as conn:
        first = conn.fetch({})
        [mention] = first.mentions
        assert mention.id == "a1" and mention.channel == "rss"
        assert mention.text == "MoviPlus sube tarifas\n\nLos usuarios de Movi Plus se quejan"
        assert mention.url == "https://blog.example/a1"
        assert mention.created_at.day == 2 and mention.author.name == "Blog del Consumidor"
        assert mention.extra_fields()["matched_terms"] == ["Movi Plus", "MoviPlus"]
        # Unchanged feed: conditional GET answers 304 and nothing is repeated.
        again = conn.fetch(first.cursor)
        assert again.mentions == [] and fake.hits[-1] == ("rss", 304)
        fake.add("a3", "Otra caída de moviplus", "sin señal", 4)
        third = conn.fetch(again.cursor)
        assert [m.id for m in third.mentions] == ["a3"] and fake.hits[-1] == ("rss", 200)


def test_atom_and_match_all(feeds: tuple[FakeFeeds, str]) -> None:
    _, url = feeds
    with make(f"{url}/atom.xml", match_all=True) as conn:
        result = conn.fetch({})
    assert [m.id for m in result.mentions] == ["tag:alerts.example,2026:a1", "tag:alerts.example,2026:a2"]
    assert result.mentions[0].author.handle == "Noticias"


def test_broken_feed_and_errors(feeds: tuple[FakeFeeds, str]) -> None:
    fake, url = feeds
    with pytest.raises(PayloadError, match="no es un feed"):
        make(f"{url}/broken").fetch({})
    fake.fail_next.append(429)
    with pytest.raises(RateLimited) as limited:
        make(f"{url}/rss.xml").fetch({})
    assert limited.value.retry_after_s == 120
    # Several feeds: one broken one does not block the others, and keeps its cursor.
    conn = make(f"{url}/broken", feeds=[f"{url}/old-feed"])
    result = conn.fetch({"feeds": {f"{url}/broken": {"seen": ["x"]}}})
    assert [m.id for m in result.mentions] == ["a1"] and len(result.errors) == 1
    assert result.cursor["feeds"][f"{url}/broken"] == {"seen": ["x"]}
    with pytest.raises(ConfigError):
        RssConnector(RssConfig(brand="b", base_url="file:///etc/passwd"))
    assert make(f"{url}/rss.xml").test_connection() == "Blog del Consumidor"


def test_google_alerts_links_point_to_the_article(feeds: tuple[FakeFeeds, str]) -> None:
    fake, url = feeds
    fake.items.clear()
    fake.add("g1", "MoviPlus en las noticias", "nota")
    fake.items[0]["link"] = "https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://diario.example/nota-1&amp;ct=ga"
    with make(f"{url}/atom.xml") as conn:
        [mention] = conn.fetch({}).mentions
    assert mention.url == "https://diario.example/nota-1"
