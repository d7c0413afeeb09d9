from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cauce.connectors.base import AuthExpired, NotSupported, PayloadError, PermanentError, RateLimited, SignatureError
from cauce.connectors.http import forget_rate_windows
from cauce.connectors.meta import MetaConfig, MetaConnector
from cauce.connectors.signing import hex_signature
from connectors.fakes.fake_meta import IG_ID, PAGE_ID, PAGE_TOKEN, FakeGraph
from connectors.fakes.serving import serve

APP_SECRET = "app-secret-123"

# Shapes as in Meta's webhook reference and examples.
PAGE_COMMENT = {
    "object": "page",
    "entry": [
        {
            "id": PAGE_ID,
            "time": 1763884800,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "from": {"id": "24242424", "name": "Ana Pérez"},
                        "post": {"status_type": "added_photos", "is_published": True},
                        "message": "Llevo 3 semanas sin internet",
                        "post_id": f"{PAGE_ID}_5555",
                        "comment_id": "5555_7777",
                        "parent_id": f"{PAGE_ID}_5555",
                        "created_time": 1763884790,
                        "item": "comment",
                        "verb": "add",
                    },
                }
            ],
        }
    ],
}
MESSENGER = {
    "object": "page",
    "entry": [
        {
            "id": PAGE_ID,
            "time": 1763884800000,
            "messaging": [
                {
                    "sender": {"id": "PSID-9"},
                    "recipient": {"id": PAGE_ID},
                    "timestamp": 1763884799000,
                    "message": {"mid": "m_abc", "text": "Mi pedido 123 no llegó"},
                },
                {
                    "sender": {"id": PAGE_ID},
                    "recipient": {"id": "PSID-9"},
                    "timestamp": 1763884799500,
                    "message": {"mid": "m_echo", "is_echo": True, "text": "eco"},
                },
                {
                    "sender": {"id": "PSID-9"},
                    "recipient": {"id": PAGE_ID},
                    "timestamp": 1763884799600,
                    "read": {"watermark": 1763884799000},
                },
            ],
        }
    ],
}
IG_COMMENT = {
    "object": "instagram",
    "entry": [
        {
            "id": IG_ID,
            "time": 1763884800,
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "from": {"id": "IGSID-1", "username": "luis_ok"},
                        "media": {"id": "1799", "media_product_type": "FEED"},
                        "id": "1801",
                        "parent_id": "1800",
                        "text": "Pésima atención",
                    },
                }
            ],
        }
    ],
}
IG_DM = {
    "object": "instagram",
    "entry": [
        {
            "id": IG_ID,
            "time": 1763884800,
            "messaging": [
                {
                    "sender": {"id": "IGSID-2"},
                    "recipient": {"id": IG_ID},
                    "timestamp": 1763884800000,
                    "message": {"mid": "aWdfZAG", "text": "hola, ¿me ayudan?"},
                }
            ],
        }
    ],
}


@pytest.fixture()
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    with serve(fake.app()) as url:
        yield fake, url + "/v21.0"


def make(url: str = "http://127.0.0.1:9/v21.0", token: str = PAGE_TOKEN) -> MetaConnector:
    return MetaConnector(
        MetaConfig.model_validate(
            {
                "brand": "moviplus",
                "base_url": url,
                "page_id": PAGE_ID,
                "page_access_token": token,
                "app_secret": APP_SECRET,
                "verify_token": "verifica-esto",
                "instagram_account_id": IG_ID,
            }
        )
    )


def signed(payload: object) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {"X-Hub-Signature-256": hex_signature(APP_SECRET, body)}, body


def test_subscription_handshake() -> None:
    conn = make()
    params = {"hub.mode": "subscribe", "hub.verify_token": "verifica-esto", "hub.challenge": "1158201444"}
    assert conn.verify_subscription(params) == "1158201444"
    for bad in (
        {**params, "hub.verify_token": "otro"},
        {**params, "hub.mode": "unsubscribe"},
        {**params, "hub.challenge": ""},
    ):
        with pytest.raises(SignatureError):
            conn.verify_subscription(bad)


def test_signature_is_checked_on_the_raw_body() -> None:
    conn = make()
    headers, body = signed(PAGE_COMMENT)
    assert len(conn.parse_webhook(headers, body)) == 1
    reformatted = json.dumps(PAGE_COMMENT, indent=2).encode()  # same JSON, different bytes
    with pytest.raises(SignatureError):
        conn.parse_webhook(headers, reformatted)
    with pytest.raises(SignatureError):
        conn.parse_webhook({}, body)
    with pytest.raises(SignatureError):
        conn.parse_webhook({"X-Hub-Signature-256": "sha1=" + "0" * 40}, body)
    with pytest.raises(SignatureError):
        conn.parse_webhook({"x-hub-signature-256": hex_signature("otro-secreto", body)}, body)


def test_page_comment_and_messenger_mapping() -> None:
    conn = make()
    [comment] = conn.parse_webhook(*signed(PAGE_COMMENT))
    assert comment.id == "5555_7777" and comment.channel == "facebook"
    assert comment.author.handle == "fb:24242424" and comment.author.name == "Ana Pérez"
    assert comment.in_reply_to == f"{PAGE_ID}_5555" and comment.conversation_id == f"{PAGE_ID}_5555"
    assert comment.url == f"https://www.facebook.com/{PAGE_ID}_5555?comment_id=7777" and not comment.private
    [dm] = conn.parse_webhook(*signed(MESSENGER))  # echo and read receipt skipped
    assert dm.id == "fbdm:m_abc" and dm.private and dm.author.handle == "fb:PSID-9"
    assert dm.created_at.timestamp() == 1763884799


def test_instagram_comment_and_dm_mapping() -> None:
    conn = make()
    [comment] = conn.parse_webhook(*signed(IG_COMMENT))
    assert comment.id == "ig:1801" and comment.channel == "instagram" and comment.author.handle == "@luis_ok"
    assert comment.in_reply_to == "ig:1800" and comment.conversation_id == "igmedia:1799"
    [dm] = conn.parse_webhook(*signed(IG_DM))
    assert dm.id == "igdm:aWdfZAG" and dm.private and dm.author.handle == "ig:IGSID-2"


def test_malformed_payloads() -> None:
    conn = make()
    for payload in (
        {"object": "page"},
        {"object": "whatsapp_business_account", "entry": []},
        {"object": "page", "entry": [{"changes": [{"field": "feed", "value": {"item": "comment", "verb": "add"}}]}]},
        [1],
    ):
        with pytest.raises(PayloadError):
            conn.parse_webhook(*signed(payload))
    headers = {"X-Hub-Signature-256": hex_signature(APP_SECRET, b"{oops")}
    with pytest.raises(PayloadError):
        conn.parse_webhook(headers, b"{oops")
    own = json.loads(json.dumps(PAGE_COMMENT))
    own["entry"][0]["changes"][0]["value"]["from"]["id"] = PAGE_ID
    assert conn.parse_webhook(*signed(own)) == []


def test_replies_private_replies_and_hide(graph: tuple[FakeGraph, str]) -> None:
    fake, url = graph
    with make(url) as conn:
        assert conn.test_connection() == "Marca Oficial"
        assert conn.find_existing_reply("5555_7777", "k") is None
        sent = conn.send_reply(in_reply_to="5555_7777", text="Hola Ana, lo revisamos. Sofía", idempotency_key="k")
        assert conn.find_existing_reply("5555_7777", "k") == sent
        sent_ig = conn.send_reply(in_reply_to="ig:1801", text="Hola Luis", idempotency_key="k2")
        assert conn.find_existing_reply("ig:1801", "k2") == sent_ig and sent_ig.external_id.startswith("ig:")
        conn.send_private(
            recipient="fb:24242424", text="¿Nos das tu número?", idempotency_key="p", in_reply_to="5555_7777"
        )
        conn.send_private(recipient="fb:PSID-9", text="Gracias", idempotency_key="p2", in_reply_to="fbdm:m_abc")
        conn.send_private(recipient="ig:IGSID-1", text="Escríbenos", idempotency_key="p3", in_reply_to="ig:1801")
        conn.moderate(action="hide", target="5555_7777")
        conn.moderate(action="unhide", target="ig:1801")
        with pytest.raises(NotSupported):
            conn.moderate(action="block", target="5555_7777")
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="fbdm:m_abc", text="x", idempotency_key="z")
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="../me", text="x", idempotency_key="z")
    posts = [(path, body) for method, path, body in fake.calls if method == "POST"]
    assert posts[0] == ("5555_7777/comments", {"message": "Hola Ana, lo revisamos. Sofía"})
    assert posts[1] == ("1801/replies", {"message": "Hola Luis"})
    assert posts[2] == (
        f"{PAGE_ID}/messages",
        {
            "recipient": {"comment_id": "5555_7777"},
            "messaging_type": "RESPONSE",
            "message": {"text": "¿Nos das tu número?"},
        },
    )
    assert posts[3][1]["recipient"] == {"id": "PSID-9"}
    assert posts[4][0] == f"{IG_ID}/messages" and posts[4][1]["recipient"] == {"comment_id": "1801"}
    assert posts[5] == ("5555_7777", {"is_hidden": "true"}) and posts[6] == ("1801", {"hide": "false"})


def test_graph_errors(graph: tuple[FakeGraph, str]) -> None:
    fake, url = graph
    with pytest.raises(AuthExpired):
        make(url, token="expired").send_reply(in_reply_to="5555_7777", text="x", idempotency_key="k")
    with make(url) as conn:
        fake.fail_next.append((400, {"error": {"message": "(#4) Application request limit reached", "code": 4}}))
        with pytest.raises(RateLimited):
            conn.send_reply(in_reply_to="5555_7777", text="x", idempotency_key="k")
        fake.fail_next.append((400, {"error": {"message": "(#100) comment deleted", "code": 100}}))
        with pytest.raises(PermanentError, match="comment deleted"):
            conn.send_reply(in_reply_to="5555_7777", text="x", idempotency_key="k")
        fake.objects["5555_7777"] = {"id": "5555_7777", "like_count": 12, "comment_count": 3}
        metrics = conn.refresh_metrics(["5555_7777", "fbdm:m_abc", "404_404"])
    assert list(metrics) == ["5555_7777"] and metrics["5555_7777"].likes == 12


def test_business_use_case_usage_paces_the_page_and_its_throttle_waits_the_estimate(
    graph: tuple[FakeGraph, str],
) -> None:
    """A Page token is under the Pages Business Use Case limit: every answer carries
    X-Business-Use-Case-Usage (percentages); at 100 % no call is sent, and Graph's own throttling
    error (HTTP 400, code 80001, no Retry-After) waits estimated_time_to_regain_access minutes."""
    fake, url = graph
    fake.buc.limit = 2
    with make(url) as conn:
        assert conn.test_connection() == "Marca Oficial"  # 50 %
        conn.test_connection()  # 100 %: the budget is used up
        sent = sum(fake.buc.counts.values())  # every request reaching the server, throttled ones included
        with pytest.raises(RateLimited) as limited:
            conn.test_connection()
        assert sum(fake.buc.counts.values()) == sent and 295 <= limited.value.retry_after_s <= 300
    forget_rate_windows()
    with make(url) as conn, pytest.raises(RateLimited) as limited:
        conn.test_connection()  # sent: Graph answers 400 / 80001 with the estimate (19 min)
    assert limited.value.retry_after_s == 19 * 60 and "80001" in limited.value.reason
