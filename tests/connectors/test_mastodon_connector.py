from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import httpx
import pytest

from cauce.connectors.backoff import Backoff
from cauce.connectors.base import AuthExpired, NotSupported, PayloadError, PermanentError, RateLimited, TransientError
from cauce.connectors.http import forget_rate_windows
from cauce.connectors.mastodon import MastodonConfig, MastodonConnector
from connectors.fakes.fake_mastodon import TOKEN, FakeMastodon, account, rate_limited
from connectors.fakes.serving import serve

ANA = account("ana@otra.example", id="501", name="Ana Pérez", followers=1234)
LUIS = account("luis", id="502", name="Luis", followers=7)


@pytest.fixture(scope="module")
def fake_and_url() -> Iterator[tuple[FakeMastodon, str]]:
    fake = FakeMastodon()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture()
def fake(fake_and_url: tuple[FakeMastodon, str]) -> FakeMastodon:
    fake = fake_and_url[0]
    for name in ("statuses", "idempotency", "stream_events"):
        getattr(fake, name).clear()
    for name in ("notifications", "posted", "actions", "requests", "fail_next", "stream_subscriptions"):
        getattr(fake, name).clear()
    fake.stream_connections = 0
    fake.limits.counts.clear()
    fake.limits.limit = 300
    return fake


def connector(url: str, **extra: object) -> MastodonConnector:
    config = MastodonConfig.model_validate(
        {"brand": "moviplus", "base_url": url, "access_token": TOKEN, "search_terms": [], **extra}
    )
    return MastodonConnector(config)


def test_mention_mapping_html_and_thread(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    root = fake.add_status(LUIS, "<p>hola</p>", notify=False)
    fake.add_status(
        ANA,
        '<p>@<span class="h-card"><a href="x">marca</a></span> me cobraron dos veces &amp; nadie responde'
        "<br>ayuda</p><script>alert(1)</script>",
        in_reply_to_id=root["id"],
        likes=3,
        reblogs=2,
        replies=1,
    )
    with connector(fake_and_url[1]) as conn:
        result = conn.fetch({})
    [mention] = result.mentions
    assert mention.author.handle == "@ana@otra.example"
    assert mention.author.name == "Ana Pérez"
    assert mention.author.followers == 1234
    assert mention.text == "@marca me cobraron dos veces & nadie responde\nayuda"
    assert mention.in_reply_to == root["id"]
    assert mention.url and mention.url.endswith(mention.id)
    assert (mention.metrics.likes, mention.metrics.reposts, mention.metrics.replies) == (3, 2, 1)
    assert mention.private is False
    assert mention.extra_fields()["author_id"] == "501"


def test_direct_message_is_private(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(ANA, "<p>mi pedido 123</p>", visibility="direct")
    with connector(fake_and_url[1]) as conn:
        assert conn.fetch({}).mentions[0].private is True


def test_pagination_cursor_resume_without_gaps_or_duplicates(
    fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]
) -> None:
    with connector(fake_and_url[1], page_limit=3) as conn:
        first = conn.fetch({})  # empty account: cursor stays empty
        assert first.mentions == [] and "notifications_min_id" not in first.cursor
        fake.add_status(ANA, "<p>cero</p>")
        cursor = conn.fetch({}).cursor
        texts = [f"queja {i}" for i in range(7)]
        for text in texts:
            fake.add_status(ANA, f"<p>{text}</p>")
        page1 = conn.fetch(cursor)
        # Crash before persisting page1's cursor: the same page comes again, nothing is lost.
        again = conn.fetch(cursor)
        assert [m.id for m in again.mentions] == [m.id for m in page1.mentions]
        seen = [m.text for m in page1.mentions]
        cursor, more = page1.cursor, page1.more
        while more:
            page = conn.fetch(cursor)
            seen += [m.text for m in page.mentions]
            cursor, more = page.cursor, page.more
        assert seen == texts
        assert conn.fetch(cursor).mentions == []


def test_search_brand_terms_with_own_cursor(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(LUIS, "<p>MoviPlus no tiene señal</p>", notify=False)
    with connector(fake_and_url[1], search_terms=["moviplus"]) as conn:
        result = conn.fetch({})
        assert [m.text for m in result.mentions] == ["MoviPlus no tiene señal"]
        assert result.mentions[0].extra_fields()["source"] == "search:moviplus"
        fake.add_status(LUIS, "<p>otra vez moviplus</p>", notify=False)
        second = conn.fetch(result.cursor)
    assert [m.text for m in second.mentions] == ["otra vez moviplus"]


def test_reply_round_trip_is_idempotent_and_threaded(
    fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]
) -> None:
    complaint = fake.add_status(ANA, "<p>no llega mi pedido</p>")
    with connector(fake_and_url[1]) as conn:
        assert conn.find_existing_reply(complaint["id"], "k1") is None
        sent = conn.send_reply(in_reply_to=complaint["id"], text="Hola Ana, lo revisamos. Sofía", idempotency_key="k1")
        retry = conn.send_reply(in_reply_to=complaint["id"], text="Hola Ana, lo revisamos. Sofía", idempotency_key="k1")
        found = conn.find_existing_reply(complaint["id"], "k1")
    assert retry == sent and found == sent
    [post] = fake.posted
    assert post["body"]["in_reply_to_id"] == complaint["id"]
    assert post["body"]["visibility"] == "public"
    assert post["body"]["status"].startswith("@ana@otra.example ")


def test_private_message_and_moderation(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(ANA, "<p>x</p>")
    with connector(fake_and_url[1]) as conn:
        conn.send_private(recipient="@ana@otra.example", text="¿Nos das tu número de pedido?", idempotency_key="p1")
        conn.moderate(action="block", target="501")
        conn.moderate(action="mute", target="@ana@otra.example")
        with pytest.raises(NotSupported):
            conn.moderate(action="hide", target="501")
    assert fake.posted[0]["body"]["visibility"] == "direct"
    assert fake.posted[0]["body"]["status"].startswith("@ana@otra.example ")
    assert [a[:2] for a in fake.actions] == [("block", "501"), ("mute", "501")]
    assert fake.muted_notifications == set()  # muted, but the brand still hears from them


def test_metrics_and_connection(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    status = fake.add_status(ANA, "<p>x</p>", likes=5)
    with connector(fake_and_url[1]) as conn:
        assert conn.test_connection() == "@marca@127.0.0.1"
        status["favourites_count"] = 40
        metrics = conn.refresh_metrics([status["id"], "999999"])
        assert conn.followers("501") == 1234
    assert list(metrics) == [status["id"]] and metrics[status["id"]].likes == 40


def test_http_errors_are_typed(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    with connector(fake_and_url[1]) as conn:
        fake.fail_next.append(rate_limited(90))  # Mastodon's own 429: only X-RateLimit-Reset, an ISO instant
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert limited.value.retry_after_s is not None and 80 <= limited.value.retry_after_s <= 91
        with pytest.raises(RateLimited) as limited:  # the window is still closed: nothing is sent
            conn.fetch({})
        assert 80 <= limited.value.retry_after_s <= 91 and "no se envía" in limited.value.reason
        forget_rate_windows()
        fake.fail_next.append((429, {"Retry-After": "17"}, {"error": "Too many requests"}))  # a proxy's 429
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert limited.value.retry_after_s == 17
        fake.fail_next.append((503, {}, {"error": "down"}))
        with pytest.raises(TransientError):
            conn.fetch({})
        fake.fail_next.append((200, {}, {"not": "a list"}))
        with pytest.raises(PayloadError):
            conn.fetch({})
        with pytest.raises(PermanentError, match="Record not found"):
            conn.send_reply(in_reply_to="424242", text="hola", idempotency_key="z")
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="../../admin", text="hola", idempotency_key="z")
    bad = MastodonConnector(MastodonConfig(brand="b", base_url=fake_and_url[1], access_token="wrong"))  # type: ignore[arg-type]
    with pytest.raises(AuthExpired):
        bad.fetch({})
    assert "wrong" not in repr(bad) and "wrong" not in repr(bad.config)


def test_malformed_statuses_are_reported_not_fatal(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(ANA, "<p>buena</p>")
    fake.notifications.append({"id": "99999", "type": "mention", "status": {"id": "1", "account": {}}})
    with connector(fake_and_url[1]) as conn:
        result = conn.fetch({})
    assert [m.text for m in result.mentions] == ["buena"]
    assert len(result.errors) == 1
    assert result.cursor["notifications_min_id"] == "99999"


def test_streaming_notifications_and_hashtags(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    mention = fake.add_status(ANA, "<p>@marca ayuda</p>", notify=False)
    tagged = fake.add_status(LUIS, "<p>#moviplus caído</p>", notify=False)
    fake.stream_events += [
        {
            "stream": ["user:notification"],
            "event": "notification",
            "payload": json.dumps({"id": "77", "type": "favourite", "account": LUIS, "status": mention}),
        },
        {"stream": ["user:notification"], "event": "notification", "payload": "{not json"},
        {
            "stream": ["user:notification"],
            "event": "notification",
            "payload": json.dumps({"id": "78", "type": "mention", "account": ANA, "status": mention}),
        },
        {"stream": ["hashtag", "moviplus"], "event": "update", "payload": json.dumps(tagged)},
    ]

    async def collect() -> list[str]:
        got = []
        async for item in connector(fake_and_url[1], hashtags=["#moviplus"]).stream(max_reconnects=0):
            got.append(item.text)
            if len(got) == 2:
                break
        return got

    assert asyncio.run(asyncio.wait_for(collect(), 10)) == ["@marca ayuda", "#moviplus caído"]
    assert fake.stream_subscriptions == [{"type": "subscribe", "stream": "hashtag", "tag": "moviplus"}]


def test_reply_to_a_direct_message_stays_private(fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    dm = fake.add_status(ANA, "<p>mi número es 300 123</p>", visibility="direct")
    with connector(fake_and_url[1]) as conn:
        conn.send_reply(in_reply_to=dm["id"], text="Gracias Ana", idempotency_key="dm-1")
    assert fake.posted[0]["body"]["visibility"] == "direct"


def test_streaming_reconnects_after_the_server_drops(
    fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]
) -> None:
    first = fake.add_status(ANA, "<p>antes del corte</p>", notify=False)
    second = fake.add_status(ANA, "<p>después del corte</p>", notify=False)
    fake.stream_events += [
        {
            "stream": ["user:notification"],
            "event": "notification",
            "payload": json.dumps({"id": "90", "type": "mention", "account": ANA, "status": first}),
        },
        "CLOSE",
        {
            "stream": ["user:notification"],
            "event": "notification",
            "payload": json.dumps({"id": "91", "type": "mention", "account": ANA, "status": second}),
        },
    ]

    async def collect() -> list[str]:
        got = []
        stream = connector(fake_and_url[1]).stream(max_reconnects=3, backoff=Backoff(base_s=0.01, cap_s=0.02))
        async for item in stream:
            got.append(item.text)
            if len(got) == 2:
                break
        return got

    assert asyncio.run(asyncio.wait_for(collect(), 10)) == ["antes del corte", "después del corte"]
    assert fake.stream_connections == 1


def test_a_failing_source_is_reported_and_the_others_deliver(
        fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(LUIS, "<p>moviplus otra vez caído</p>", notify=False)
    fake.fail_next.append((503, {}, {"error": "Service Unavailable"}))  # the notifications call
    with connector(fake_and_url[1], search_terms=["moviplus"]) as conn:
        result = conn.fetch({})
    assert [m.text for m in result.mentions] == ["moviplus otra vez caído"]
    assert len(result.errors) == 1 and "notificaciones" in result.errors[0]
    assert "notifications_min_id" not in result.cursor and result.cursor["search"]


def test_a_mute_keeps_the_persons_notifications_coming(
        fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]) -> None:
    fake.add_status(LUIS, "<p>@marca primera</p>")
    with connector(fake_and_url[1]) as conn:
        cursor = conn.fetch({}).cursor
        conn.moderate(action="mute", target=LUIS["id"])
        later = fake.add_status(LUIS, "<p>@marca sigo aquí</p>")
        assert [m.id for m in conn.fetch(cursor).mentions] == [later["id"]]  # muted, still heard
        conn.moderate(action="unmute", target=LUIS["id"])
    assert [(a[0], a[2]) for a in fake.actions] == [("mute", {"notifications": False}), ("unmute", {})]


def test_rate_limit_headers_on_successes_pace_the_connector(
    fake: FakeMastodon, fake_and_url: tuple[FakeMastodon, str]
) -> None:
    """Mastodon sends X-RateLimit-* on every API answer (Api::RateLimitHeaders); when a 200 says 0
    remaining, the next call is not sent (it would be rack-attack's 429) until X-RateLimit-Reset."""
    url = fake_and_url[1]
    with httpx.Client(base_url=url) as raw:
        answer = raw.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.headers["x-ratelimit-limit"] == "300"
    assert answer.headers["x-ratelimit-remaining"] == "299"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", answer.headers["x-ratelimit-reset"])  # iso8601(6)
    fake.limits.counts.clear()
    fake.limits.limit = 1
    with connector(url) as conn:
        conn.test_connection()  # the only call of the window: 200 with X-RateLimit-Remaining: 0
        sent = sum(fake.limits.counts.values())  # every request reaching the server, 429s included
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert sum(fake.limits.counts.values()) == sent  # not sent
        assert 0 < limited.value.retry_after_s <= 300
    forget_rate_windows()
    with connector(url) as conn, pytest.raises(RateLimited) as limited:
        conn.fetch({})  # sent anyway: rack-attack's own 429
    assert "Too many requests" in limited.value.reason and 0 < limited.value.retry_after_s <= 300
