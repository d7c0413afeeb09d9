from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cauce.connectors import bluesky
from cauce.connectors.base import AuthExpired, NotSupported, PayloadError, PermanentError, RateLimited, TransientError
from cauce.connectors.bluesky import BlueskyConfig, BlueskyConnector, tid_for_key
from cauce.connectors.http import forget_rate_windows
from connectors.fakes.fake_bluesky import ME_DID, PASSWORD, FakeBluesky, Window, assert_atproto_rate_limited, profile
from connectors.fakes.serving import serve

ANA = "did:plc:ana"
LUIS = "did:plc:luis"


@pytest.fixture()
def fake_url() -> Iterator[tuple[FakeBluesky, str]]:
    fake = FakeBluesky()
    fake.profiles[ANA] = profile(ANA, "ana.bsky.social", "Ana Pérez", 1500)
    fake.profiles[LUIS] = profile(LUIS, "luis.bsky.social", "Luis", 12)
    with serve(fake.app()) as url:
        yield fake, url


def make(url: str, **extra: Any) -> BlueskyConnector:
    config = BlueskyConfig.model_validate(
        {
            "brand": "moviplus",
            "base_url": url,
            "identifier": "marca.bsky.social",
            "app_password": PASSWORD,
            "search_terms": [],
            **extra,
        }
    )
    return BlueskyConnector(config)


def test_notifications_mapping_with_counts_and_followers(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    root = fake.add_post(ME_DID, "Nuevo plan", notify=None)
    reply = fake.add_post(
        ANA, "@marca.bsky.social me cobraron doble", reply_to=root["uri"], notify="reply", likes=4, reposts=1, replies=2
    )
    fake.add_post(LUIS, "me gusta", notify="like")
    with make(url) as conn:
        result = conn.fetch({})
    [mention] = result.mentions
    assert mention.id == reply["uri"]
    assert mention.author.handle == "@ana.bsky.social" and mention.author.name == "Ana Pérez"
    assert mention.author.followers == 1500
    assert mention.in_reply_to == root["uri"] and mention.conversation_id == root["uri"]
    assert (mention.metrics.likes, mention.metrics.reposts, mention.metrics.replies) == (4, 1, 2)
    assert mention.url == f"https://bsky.app/profile/ana.bsky.social/post/{reply['uri'].rsplit('/', 1)[1]}"
    assert mention.extra_fields()["reason"] == "reply"


def test_sweep_resumes_mid_backlog_without_gaps_or_duplicates(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    fake.add_post(ANA, "primera")
    with make(url, page_limit=2) as conn:
        cursor = conn.fetch({}).cursor
        texts = [f"queja {i}" for i in range(5)]
        for text in texts:
            fake.add_post(ANA, text)
        seen: list[str] = []
        result = conn.fetch(cursor)
        # A restart before persisting: the same page again, then continue.
        assert [m.id for m in conn.fetch(cursor).mentions] == [m.id for m in result.mentions]
        seen += [m.text for m in result.mentions]
        fake.add_post(LUIS, "llega durante el barrido")
        while result.more:
            result = conn.fetch(result.cursor)
            seen += [m.text for m in result.mentions]
        assert sorted(seen) == sorted(texts)
        final = conn.fetch(result.cursor)
        assert [m.text for m in final.mentions] == ["llega durante el barrido"]
        assert conn.fetch(final.cursor).mentions == []


def test_search_posts_for_brand_terms(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    fake.add_post(LUIS, "MoviPlus sin señal otra vez", notify=None, likes=9)
    with make(url, search_terms=["moviplus"]) as conn:
        result = conn.fetch({})
        [mention] = result.mentions
        assert mention.metrics.likes == 9 and mention.author.followers == 12
        fake.add_post(LUIS, "moviplus responde por favor", notify=None)
        assert [m.text for m in conn.fetch(result.cursor).mentions] == ["moviplus responde por favor"]


def test_session_reused_and_refreshed(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    stored: list[dict[str, Any]] = []
    conn = make(url)
    conn._on_session = stored.append
    assert conn.test_connection() == "marca.bsky.social"
    conn.fetch({})
    conn.fetch({})
    make(url).fetch({})  # another connector for the same account in this process
    assert fake.sessions_created == 1
    fake.expire_access()
    conn.fetch({})
    assert fake.sessions_created == 1 and fake.refreshes == 1
    # A persisted session is reused by a new process: no createSession at all.
    again = BlueskyConnector(conn.config, session=stored[-1])
    again.fetch({})
    assert fake.sessions_created == 1
    # Both tokens dead: one new session, not a loop.
    fake.expire_access()
    fake.valid_refresh.clear()
    again.fetch({})
    assert fake.sessions_created == 2


def test_reply_uses_root_and_parent_refs_and_is_idempotent(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    root = fake.add_post(ME_DID, "Anuncio", notify=None)
    complaint = fake.add_post(ANA, "no funciona", reply_to=root["uri"])
    with make(url) as conn:
        assert conn.find_existing_reply(complaint["uri"], "key-1") is None
        sent = conn.send_reply(in_reply_to=complaint["uri"], text="Hola Ana, lo vemos. Sofía", idempotency_key="key-1")
        # A retry with the same key cannot post twice: the PDS refuses the taken rkey with HTTP 500
        # (as the reference PDS does), and the outbox then finds the first post by its key.
        with pytest.raises(TransientError):
            conn.send_reply(in_reply_to=complaint["uri"], text="Hola Ana, lo vemos. Sofía", idempotency_key="key-1")
        assert conn.find_existing_reply(complaint["uri"], "key-1") == sent
    posts = [(k, r) for k, r in fake.records.items() if k[0] == "app.bsky.feed.post"]
    assert len(posts) == 1
    (_, rkey), record = posts[0]
    assert rkey == tid_for_key("key-1") and len(rkey) == 13
    assert record["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert record["reply"]["parent"] == {"uri": complaint["uri"], "cid": complaint["cid"]}


def test_dm_goes_through_chat_proxy(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    with make(url) as conn:
        sent = conn.send_private(recipient="@ana.bsky.social", text="¿Tu número de contrato?", idempotency_key="d")
    assert fake.messages == [{"convoId": f"convo-{ANA}", "message": {"text": "¿Tu número de contrato?"}}]
    assert sent.external_id.startswith(f"convo-{ANA}:")
    chat_calls = [h for nsid, h in fake.requests if nsid.startswith("chat.")]
    assert chat_calls and all(h["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat" for h in chat_calls)


def test_block_mute_and_hidden_replies(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    root = fake.add_post(ME_DID, "Anuncio", notify=None)
    troll = fake.add_post(LUIS, "insulto", reply_to=root["uri"])
    other_root = fake.add_post(ANA, "hilo ajeno", notify=None)
    elsewhere = fake.add_post(LUIS, "x", reply_to=other_root["uri"])
    with make(url) as conn:
        conn.moderate(action="block", target="luis.bsky.social")
        conn.moderate(action="mute", target=LUIS)
        conn.moderate(action="hide", target=troll["uri"])
        rkey = root["uri"].rsplit("/", 1)[1]
        gate = fake.records[("app.bsky.feed.threadgate", rkey)]
        assert gate["post"] == root["uri"] and gate["hiddenReplies"] == [troll["uri"]]
        conn.moderate(action="unhide", target=troll["uri"])
        assert fake.records[("app.bsky.feed.threadgate", rkey)]["hiddenReplies"] == []
        with pytest.raises(PermanentError, match="propia cuenta"):
            conn.moderate(action="hide", target=elsewhere["uri"])
        with pytest.raises(NotSupported):
            conn.moderate(action="ban", target=LUIS)
    blocks = [r for k, r in fake.records.items() if k[0] == "app.bsky.graph.block"]
    assert [b["subject"] for b in blocks] == [LUIS] and fake.mutes == [LUIS]


def test_metrics_refresh(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    post = fake.add_post(ANA, "x", likes=1)
    with make(url) as conn:
        post["likeCount"] = 30
        assert conn.refresh_metrics([post["uri"]])[post["uri"]].likes == 30
        assert conn.followers(ANA) == 1500


def test_errors_are_typed(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    with make(url, read_dms=False) as conn:  # one source: its failure is the cycle's
        conn.test_connection()
        # The reference PDS's 429 (RateLimit-Reset is epoch seconds); without Retry-After the reset decides.
        reset = str(int(time.time()) + 30)
        fake.fail_next.append((429, {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset,
                                     "RateLimit-Policy": "3000;w=300"},
                               {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}))
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert 28 <= limited.value.retry_after_s <= 30
        forget_rate_windows()
        fake.fail_next.append((502, {}, {"error": "UpstreamFailure"}))
        with pytest.raises(TransientError):
            conn.fetch({})
        fake.fail_next.append((200, {}, {"notifications": "nope"}))
        with pytest.raises(PayloadError):
            conn.fetch({})
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="https://not-an-at-uri", text="x", idempotency_key="k")
    bad = BlueskyConnector(
        BlueskyConfig.model_validate({"brand": "b", "base_url": url, "identifier": "marca", "app_password": "wrong"})
    )
    with pytest.raises(AuthExpired):
        bad.fetch({})
    assert "wrong" not in repr(bad) and "wrong" not in repr(bad.config)


def test_reply_text_checks_and_link_facets(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    post = fake.add_post(ANA, "hola")
    with make(url) as conn:
        with pytest.raises(PermanentError, match="300"):
            conn.send_reply(in_reply_to=post["uri"], text="a" * 301, idempotency_key="long")
        with pytest.raises(PermanentError, match="vacío"):
            conn.send_reply(in_reply_to=post["uri"], text="  ", idempotency_key="empty")
        # 300 family emoji (several code points each) are 300 graphemes: accepted.
        conn.send_reply(in_reply_to=post["uri"], text="👨‍👩‍👧" * 100, idempotency_key="emoji")
        conn.send_reply(
            in_reply_to=post["uri"], text="Ñandú, mira https://ayuda.example/caso?id=7.", idempotency_key="link"
        )
    record = fake.records[("app.bsky.feed.post", tid_for_key("link"))]
    # The customer is named first, as a mention facet; then the link. Offsets are UTF-8 bytes.
    assert record["text"] == "@ana.bsky.social Ñandú, mira https://ayuda.example/caso?id=7."
    mention, link = record["facets"]
    assert mention["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": ANA}]
    start, end = mention["index"]["byteStart"], mention["index"]["byteEnd"]
    assert record["text"].encode()[start:end] == b"@ana.bsky.social"
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert record["text"].encode()[start:end] == b"https://ayuda.example/caso?id=7"
    assert link["features"][0]["uri"] == "https://ayuda.example/caso?id=7"
    # Too long with the @handle in front: sent as written (a reply notifies its parent's author anyway).
    assert not fake.records[("app.bsky.feed.post", tid_for_key("emoji"))]["text"].startswith("@")


def test_mention_facets_use_byte_offsets_and_skip_unknown_handles(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    post = fake.add_post(ANA, "hola")
    text = "Ñoño ¿@luis.bsky.social? y @nadie.example, escríbenos (@ana.bsky.social). correo: a@b.co"
    with make(url) as conn:
        conn.send_reply(in_reply_to=post["uri"], text=text, idempotency_key="m")
    record = fake.records[("app.bsky.feed.post", tid_for_key("m"))]
    assert record["text"] == text  # Ana is named already: nothing is added
    raw = text.encode()
    found = [(raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(), f["features"][0]["did"])
             for f in record["facets"]]
    assert found == [("@luis.bsky.social", LUIS), ("@ana.bsky.social", ANA)]


def test_profile_lookup_fills_jetstream_authors(fake_url: tuple[FakeBluesky, str]) -> None:
    from cauce.connectors.jetstream import JetstreamFilter, ProfileLookup
    from cauce.connectors.terms import TermMatcher

    _, url = fake_url
    filt = JetstreamFilter(brand="moviplus", matcher=TermMatcher(["moviplus"]))
    event = {
        "did": ANA,
        "time_us": 1,
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "3abc",
            "record": {"text": "moviplus caído", "createdAt": "2026-11-23T08:00:00Z"},
        },
    }
    unknown = {**event, "did": "did:plc:nadie", "time_us": 2}
    mentions = [m for m in (filt.feed(json.dumps(e)) for e in (event, unknown)) if m]
    lookup = ProfileLookup(url)
    ana, nobody = lookup.fill(mentions)
    lookup.close()
    assert ana.author.handle == "@ana.bsky.social" and ana.author.followers == 1500
    assert ana.url == "https://bsky.app/profile/ana.bsky.social/post/3abc"
    assert nobody.author.handle == "did:plc:nadie"


def test_direct_messages_are_ingested_from_the_chat_log(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    fake.add_dm(ANA, "c1", "mensaje viejo, antes de conectar")
    with make(url) as conn:
        cursor = conn.fetch({}).cursor  # first cycle: positions at the end of the log
        fake.add_dm(ANA, "c1", "mi contrato es 555")
        fake.add_dm(ME_DID, "c1", "gracias, lo revisamos")  # our own message
        result = conn.fetch(cursor)
        [dm] = result.mentions
        assert dm.private and dm.text == "mi contrato es 555" and dm.author.handle == "@ana.bsky.social"
        assert dm.author.followers == 1500 and dm.conversation_id == "bskychat:c1"
        assert conn.fetch(result.cursor).mentions == []
        chat = [h for nsid, h in fake.requests if nsid == "chat.bsky.convo.getLog"]
        assert all(h["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat" for h in chat)
        # An app password without DM access: posts still flow, the problem is reported.
        fake.chat_scope = False
        fake.add_post(LUIS, "hola marca")
        sessions = fake.sessions_created
        degraded = conn.fetch(result.cursor)
        assert fake.sessions_created == sessions and fake.refreshes == 0  # no session churn
    assert [m.text for m in degraded.mentions] == ["hola marca"]
    assert "mensajes directos" in degraded.errors[0]


def test_one_failing_source_never_blocks_the_others(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    fake.chat_service = False  # as on a network without a chat service: chat.bsky.* answers 500
    complaint = fake.add_post(ANA, "@marca.bsky.social sin servicio", notify="mention")
    with make(url) as conn:  # read_dms is on by default
        result = conn.fetch({})
    assert [m.id for m in result.mentions] == [complaint["uri"]]
    assert len(result.errors) == 1 and "mensajes directos" in result.errors[0] and "500" in result.errors[0]
    assert "chat" not in result.cursor  # the failed source keeps its place; the others moved
    assert result.cursor["notifications"]


def test_a_rate_limited_source_asks_for_a_later_poll_while_the_others_deliver(
        fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    complaint = fake.add_post(ANA, "@marca.bsky.social sin servicio", notify="mention")
    with make(url) as conn:
        conn.test_connection()
        fake.fail_next.append((429, {"retry-after": "120"}, {"error": "RateLimitExceeded", "message": "slow"}))
        result = conn.fetch({})  # notifications are limited; the chat log still answers
        assert result.mentions == [] and result.retry_after_s == 120
        assert "notificaciones" in result.errors[0]
        assert [m.id for m in conn.fetch(result.cursor).mentions] == [complaint["uri"]]


def test_when_every_source_fails_the_cycle_fails(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    fake.chat_service = False
    with make(url) as conn:
        conn.test_connection()
        fake.fail_next.append((502, {}, {"error": "UpstreamFailure"}))
        with pytest.raises(TransientError):
            conn.fetch({})


def test_a_wrong_app_password_never_rides_on_a_cached_session(fake_url: tuple[FakeBluesky, str]) -> None:
    _, url = fake_url
    with make(url) as good:
        good.test_connection()
    wrong = BlueskyConnector(BlueskyConfig.model_validate(
        {"brand": "b", "base_url": url, "identifier": "marca.bsky.social", "app_password": "otra-clave"}))
    with pytest.raises(AuthExpired):
        wrong.test_connection()


def test_muting_is_left_to_cauce_on_bluesky_and_unmute_reaches_the_network(fake_url: tuple[FakeBluesky, str]) -> None:
    fake, url = fake_url
    with make(url) as conn:
        assert "mute" in conn.local_actions and "menciones" in conn.local_actions["mute"]
        conn.moderate(action="mute", target=ANA)
        assert fake.mutes == [ANA]
        conn.moderate(action="unmute", target=ANA)
    assert fake.mutes == []


def test_record_keys_decode_to_when_the_reply_was_written(fake_url: tuple[FakeBluesky, str]) -> None:
    from datetime import UTC, datetime

    fake, url = fake_url
    post = fake.add_post(ANA, "hola")
    written = datetime(2026, 12, 2, 15, 30, 12, 123456, tzinfo=UTC)
    rkey = tid_for_key("k-time", written)
    number = 0
    for char in rkey:
        number = number * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(char)
    assert datetime.fromtimestamp((number >> 10) / 1_000_000, UTC) == written
    assert tid_for_key("k-time", written) == rkey != tid_for_key("k-other", written)
    with make(url) as conn:
        sent = conn.send_reply(in_reply_to=post["uri"], text="Hola Ana", idempotency_key="k-time", created_at=written)
        assert sent.external_id.endswith("/" + rkey)
        assert conn.find_existing_reply(post["uri"], "k-time", created_at=written) == sent
        # A reply posted by the earlier code (key hash only) is still found, never posted twice.
        old = conn.send_reply(in_reply_to=post["uri"], text="Hola otra vez", idempotency_key="k-old")
        assert conn.find_existing_reply(post["uri"], "k-old", created_at=written) == old


def test_rate_limit_headers_pace_the_connector_before_the_429(fake_url: tuple[FakeBluesky, str]) -> None:
    """The PDS sends RateLimit-* on every answer of a limited route (createSession: 30 per 5 min);
    when one says nothing is left, the connector does not send the next request and waits for the
    reset, and the 429 it would have got has the real shape (status, headers, body)."""
    fake, url = fake_url
    fake.limits["com.atproto.server.createSession"] = Window(points=3, window_s=300)
    login = {"identifier": "marca", "password": PASSWORD}
    with httpx.Client(base_url=url) as raw:
        first = raw.post("/xrpc/com.atproto.server.createSession", json=login)
        assert first.status_code == 200 and first.headers["ratelimit-remaining"] == "2"
        raw.post("/xrpc/com.atproto.server.createSession", json=login)
        with make(url, read_dms=False) as conn:
            conn.test_connection()  # the third and last session of the window: Remaining 0
        bluesky._SESSIONS.clear()
        sent = len(fake.requests)
        with make(url, read_dms=False) as conn, pytest.raises(RateLimited) as limited:
            conn.test_connection()
        assert len(fake.requests) == sent  # not sent: the server had said 0 remaining
        assert 290 <= limited.value.retry_after_s <= 300
        refused = raw.post("/xrpc/com.atproto.server.createSession", json=login)
    assert_atproto_rate_limited(refused.status_code, refused.headers, refused.json(), points=3, window_s=300)
    forget_rate_windows()  # a connector that did not see the window gets the real 429 and its wait
    with make(url, read_dms=False) as conn, pytest.raises(RateLimited) as limited:
        conn.test_connection()
    assert 290 <= limited.value.retry_after_s <= 300
