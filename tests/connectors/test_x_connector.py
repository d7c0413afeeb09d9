from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from cauce.connectors.base import AuthExpired, NotSupported, PayloadError, PermanentError, RateLimited, SignatureError
from cauce.connectors.http import forget_rate_windows
from cauce.connectors.signing import b64_signature
from cauce.connectors.x import XConfig, XConnector
from connectors.fakes.fake_x import ME, TOKEN, FakeX, too_many_requests
from connectors.fakes.ratelimits import Windows
from connectors.fakes.serving import serve

SECRET = "consumer-secret"


@pytest.fixture()
def fake_x() -> Iterator[tuple[FakeX, str]]:
    fake = FakeX()
    fake.add_user("11", "ana_p", "Ana Pérez", 3200)
    fake.add_user("12", "luis", "Luis", 8)
    with serve(fake.app()) as url:
        yield fake, url


def make(url: str, **extra: object) -> XConnector:
    return XConnector(
        XConfig.model_validate(
            {
                "brand": "moviplus",
                "base_url": url,
                "access_token": TOKEN,
                "user_id": ME,
                "consumer_secret": SECRET,
                **extra,
            }
        )
    )


def test_mentions_mapping(fake_x: tuple[FakeX, str]) -> None:
    fake, url = fake_x
    root = fake.add_tweet(ME, "Nuevo plan", mention=False)
    reply = fake.add_tweet("11", "@marca me cobraron doble", reply_to=root["id"], likes=7)
    with make(url) as conn:
        [mention] = conn.fetch({}).mentions
    assert mention.id == reply["id"] and mention.author.handle == "@ana_p" and mention.author.followers == 3200
    assert mention.in_reply_to == root["id"] and mention.conversation_id == root["id"]
    assert (mention.metrics.likes, mention.metrics.reposts, mention.metrics.replies) == (7, 2, 2)
    assert mention.url == f"https://x.com/ana_p/status/{reply['id']}"


def test_sweep_resume_and_search(fake_x: tuple[FakeX, str]) -> None:
    fake, url = fake_x
    fake.add_tweet("11", "primera")
    with make(url, page_limit=10, brand_terms=["MoviPlus"]) as conn:
        cursor = conn.fetch({}).cursor
        texts = [f"queja {i}" for i in range(23)]
        for text in texts:
            fake.add_tweet("12", text)
        fake.add_tweet("12", "MoviPlus caído", mention=False)
        seen: list[str] = []
        result = conn.fetch(cursor)
        assert [m.id for m in conn.fetch(cursor).mentions] == [m.id for m in result.mentions]  # restart
        seen += [m.text for m in result.mentions]
        while result.more:
            result = conn.fetch(result.cursor)
            seen += [m.text for m in result.mentions]
        assert sorted(t for t in seen if t.startswith("queja")) == sorted(texts)
        assert seen.count("MoviPlus caído") == 1
        assert conn.fetch(result.cursor).mentions == []
    assert result.cursor["usage"]["month"] == datetime.now(UTC).strftime("%Y-%m")


def test_monthly_read_cap_stops_polling(fake_x: tuple[FakeX, str]) -> None:
    fake, url = fake_x
    fake.add_tweet("11", "vieja")
    with make(url, monthly_read_cap=25, page_limit=10) as conn:
        cursor: dict[str, object] = conn.fetch({}).cursor
        for i in range(40):
            fake.add_tweet("11", f"m{i}")
        total = 0
        for _ in range(6):
            result = conn.fetch(cursor)
            cursor, total = result.cursor, total + len(result.mentions)
        before = fake.reads
        result = conn.fetch(cursor)
    assert result.mentions == [] and "tope mensual" in result.errors[0]
    assert fake.reads == before and cursor["usage"]["reads"] >= 25  # type: ignore[index]
    assert 10 <= total < 40  # stopped before reading the whole backlog
    month = datetime.now(UTC).strftime("%Y-%m")
    assert XConnector._usage({"usage": {"month": "1999-01", "reads": 10**6}}) == {"month": month, "reads": 0}


def test_reply_dm_hide_mute_block(fake_x: tuple[FakeX, str]) -> None:
    fake, url = fake_x
    tweet = fake.add_tweet("11", "ayuda")
    with make(url) as conn:
        assert conn.test_connection() == "@marca"
        assert conn.find_existing_reply(tweet["id"], "k") is None
        sent = conn.send_reply(
            in_reply_to=tweet["id"], text="Hola Ana, te escribimos por DM. Sofía", idempotency_key="k"
        )
        dm = conn.send_private(recipient="11", text="¿Número de cliente?", idempotency_key="p")
        conn.moderate(action="hide", target=tweet["id"])
        conn.moderate(action="unhide", target=tweet["id"])
        conn.moderate(action="mute", target="12")
        conn.moderate(action="block", target="12")
        assert conn.find_existing_reply(tweet["id"], "k") == sent
        with pytest.raises(NotSupported):
            conn.moderate(action="ban", target="12")
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="123/../../x", text="x", idempotency_key="z")
        tweet["public_metrics"]["like_count"] = 99
        assert conn.refresh_metrics([tweet["id"]])[tweet["id"]].likes == 99
    assert fake.posted[0] == {
        "text": "Hola Ana, te escribimos por DM. Sofía",
        "reply": {"in_reply_to_tweet_id": tweet["id"]},
    }
    assert fake.tweets[-1]["referenced_tweets"] == [{"type": "replied_to", "id": tweet["id"]}]
    assert sent.external_id == fake.tweets[-1]["id"] and dm.external_id == f"{ME}-11:1582838"
    moderation = [(m, p, b) for m, p, b in fake.calls if p.endswith(("hidden", "muting", "blocking"))]
    assert moderation == [
        ("PUT", f"/2/tweets/{tweet['id']}/hidden", {"hidden": True}),
        ("PUT", f"/2/tweets/{tweet['id']}/hidden", {"hidden": False}),
        ("POST", f"/2/users/{ME}/muting", {"target_user_id": "12"}),
        ("POST", f"/2/users/{ME}/blocking", {"target_user_id": "12"}),
    ]


def test_errors(fake_x: tuple[FakeX, str]) -> None:
    fake, url = fake_x
    with make(url) as conn:
        fake.fail_next.append(too_many_requests(90))
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert 85 <= limited.value.retry_after_s <= 91
        forget_rate_windows()  # (pacing after a 429 is tested on its own)
        fake.fail_next.append((200, {}, {"data": "nope"}))
        with pytest.raises(PayloadError):
            conn.fetch({})
    with pytest.raises(AuthExpired):
        make(url, access_token="old").fetch({})


def test_webhook_crc_and_signature(fake_x: tuple[FakeX, str]) -> None:
    conn = make(fake_x[1])
    assert conn.crc_response("challenge123") == {"response_token": b64_signature(SECRET, b"challenge123")}
    event = {
        "for_user_id": ME,
        "tweet_create_events": [
            {
                "created_at": "Mon Nov 23 08:00:00 +0000 2026",
                "id_str": "1900",
                "text": "@marca sin señal",
                "in_reply_to_status_id_str": None,
                "favorite_count": 1,
                "retweet_count": 0,
                "user": {"id_str": "11", "screen_name": "ana_p", "name": "Ana", "followers_count": 3200},
            }
        ],
        "direct_message_events": [
            {
                "type": "message_create",
                "id": "555",
                "created_timestamp": "1763884800000",
                "message_create": {
                    "target": {"recipient_id": ME},
                    "sender_id": "12",
                    "message_data": {"text": "mi cuenta es 987"},
                },
            }
        ],
        "users": {"12": {"id": "12", "screen_name": "luis", "name": "Luis", "followers_count": 8}},
    }
    body = json.dumps(event).encode()
    tweet, dm = conn.parse_webhook({"X-Twitter-Webhooks-Signature": b64_signature(SECRET, body)}, body)
    assert tweet.id == "1900" and tweet.author.followers == 3200 and tweet.created_at.year == 2026
    assert dm.private and dm.author.handle == "@luis" and dm.text == "mi cuenta es 987"
    with pytest.raises(SignatureError):
        conn.parse_webhook({"x-twitter-webhooks-signature": b64_signature("otro", body)}, body)
    with pytest.raises(SignatureError):
        conn.parse_webhook({}, body)
    bad = b'{"tweet_create_events": [{"id_str": "1"}]}'
    with pytest.raises(PayloadError):
        conn.parse_webhook({"x-twitter-webhooks-signature": b64_signature(SECRET, bad)}, bad)
    with pytest.raises(SignatureError):
        make(fake_x[1], consumer_secret=None).crc_response("abc")


def test_each_endpoint_is_paced_by_its_own_rate_limit_headers(fake_x: tuple[FakeX, str]) -> None:
    """X limits each endpoint per user and says so on every answer (x-rate-limit-*, reset in epoch
    seconds): when the mentions timeline says 0 remaining, the next cycle does not call it (it
    would be a 429) but the recent search, another endpoint, still runs."""
    fake, url = fake_x
    fake.add_tweet("11", "@marca sin señal")
    fake.limits[f"GET /2/users/{ME}/mentions"] = Windows(limit=1, period_s=900)
    with httpx.Client(base_url=url) as raw:
        answer = raw.get("/2/users/me", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.headers["x-rate-limit-limit"] == "900" and answer.headers["x-rate-limit-remaining"] == "899"
    assert int(answer.headers["x-rate-limit-reset"]) > time.time()
    with make(url, search_query="moviplus -is:retweet") as conn:
        first = conn.fetch({})
        mentions_calls = sum(1 for c in fake.calls if c[1] == f"/2/users/{ME}/mentions")
        searches = sum(1 for c in fake.calls if c[1] == "/2/tweets/search/recent")
        second = conn.fetch(first.cursor)
    assert sum(1 for c in fake.calls if c[1] == f"/2/users/{ME}/mentions") == mentions_calls  # not sent
    assert sum(1 for c in fake.calls if c[1] == "/2/tweets/search/recent") == searches + 1
    assert second.retry_after_s is not None and 0 < second.retry_after_s <= 900
    assert any("menciones" in e and "no se envía" in e for e in second.errors)
