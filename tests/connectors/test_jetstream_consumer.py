from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.server import serve

from cauce.connectors.backoff import Backoff
from cauce.connectors.base import PayloadError
from cauce.connectors.jetstream import JetstreamFilter, consume, subscribe_url
from cauce.connectors.terms import TermMatcher
from connectors.fakes.fake_jetstream import FakeJetstream, post_event


def make_filter(*terms: str) -> JetstreamFilter:
    return JetstreamFilter(brand="moviplus", matcher=TermMatcher(terms or ("MoviPlus", "Movi Plus")))


def test_filter_maps_matching_posts_and_tracks_cursor() -> None:
    filt = make_filter()
    root = {"uri": "at://did:plc:m/app.bsky.feed.post/r", "cid": "c1"}
    event = post_event(
        "did:plc:ana",
        100,
        "¡Pésimo servicio de #moviplus!",
        rkey="abc",
        reply={"root": root, "parent": {"uri": "at://did:plc:x/app.bsky.feed.post/p", "cid": "c2"}},
    )
    mention = filt.feed(json.dumps(event))
    assert mention is not None
    assert mention.id == "at://did:plc:ana/app.bsky.feed.post/abc"
    assert mention.author.handle == "did:plc:ana"
    assert mention.url == "https://bsky.app/profile/did:plc:ana/post/abc"
    assert mention.in_reply_to == "at://did:plc:x/app.bsky.feed.post/p"
    assert mention.conversation_id == root["uri"]
    assert mention.extra_fields()["matched_terms"] == ["MoviPlus"]
    assert filt.cursor == 100
    assert filt.feed(json.dumps(post_event("did:plc:b", 101, "nada que ver"))) is None
    assert filt.cursor == 101


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("MOVI PLUS caído", True),
        ("movíplus", True),
        ("movimiento plus", False),
        ("xmoviplus", False),
        ("@moviplus hola", True),
    ],
)
def test_filter_term_boundaries_and_accents(text: str, hit: bool) -> None:
    assert (make_filter().feed(json.dumps(post_event("did:plc:a", 5, text))) is not None) is hit


def test_filter_ignores_envelope_only_matches_deletes_and_other_collections() -> None:
    filt = make_filter("ana")
    assert filt.feed(json.dumps(post_event("did:plc:ana", 1, "hola"))) is None  # term only in the DID
    assert filt.feed(json.dumps(post_event("did:plc:z", 2, "ana", operation="delete"))) is None
    assert filt.feed(json.dumps(post_event("did:plc:z", 3, "ana", collection="app.bsky.feed.like"))) is None
    assert (
        filt.feed(json.dumps({"did": "did:plc:z", "time_us": 4, "kind": "identity", "identity": {"handle": "ana"}}))
        is None
    )
    with pytest.raises(PayloadError):
        filt.feed('{"time_us": 5, "text": "ana" ')
    with pytest.raises(PayloadError):
        filt.feed(json.dumps(post_event("did:plc:z", 6, "ana")).replace('"text": "ana"', '"text": 7, "x": "ana"'))
    assert filt.cursor == 6


def test_subscribe_url_asks_for_posts_from_cursor() -> None:
    assert subscribe_url("ws://h/subscribe", 42) == "ws://h/subscribe?wantedCollections=app.bsky.feed.post&cursor=42"


def test_stream_reconnects_from_cursor_without_loss_or_duplicates() -> None:
    fake = FakeJetstream(close_after=3)
    texts = ["moviplus 1", "otro", "moviplus 2", "nada", "moviplus 3"]
    fake.events = [json.dumps(post_event(f"did:plc:u{i}", 1000 + i, t)) for i, t in enumerate(texts)]

    async def run() -> list[str]:
        async with serve(fake.handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            filt = make_filter()
            got: list[str] = []
            async for mention in consume(
                filt, url=f"ws://127.0.0.1:{port}/subscribe", max_reconnects=3, backoff=Backoff(base_s=0.01, cap_s=0.02)
            ):
                got.append(mention.text)
                if len(got) == 3:
                    break
            return got

    assert asyncio.run(asyncio.wait_for(run(), 10)) == ["moviplus 1", "moviplus 2", "moviplus 3"]
    assert fake.connections[0]["wantedCollections"] == ["app.bsky.feed.post"]
    assert "cursor" not in fake.connections[0]
    assert fake.connections[1]["cursor"] == ["1002"]
