from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from cauce.connectors.base import AuthExpired, NotSupported, PayloadError, PermanentError, RateLimited, SignatureError
from cauce.connectors.telegram import TelegramConfig, TelegramConnector
from connectors.fakes.fake_telegram import BOT, GROUP, TOKEN, FakeTelegram, user
from connectors.fakes.serving import serve

ANA = user(501, "Ana", "ana_p")
LUIS = user(502, "Luis")
PRIVATE = {"id": 501, "type": "private", "first_name": "Ana", "username": "ana_p"}


@pytest.fixture()
def tg() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    with serve(fake.app()) as url:
        yield fake, url


def make(url: str, **extra: object) -> TelegramConnector:
    return TelegramConnector(
        TelegramConfig.model_validate(
            {
                "brand": "moviplus",
                "brand_terms": ["MoviPlus"],
                "base_url": url,
                "bot_token": TOKEN,
                "webhook_secret": "s3cret-token",
                **extra,
            }
        )
    )


def test_group_mentions_private_chats_and_offset(tg: tuple[FakeTelegram, str]) -> None:
    fake, url = tg
    fake.add_message(GROUP, LUIS, "hola a todos")  # ignored: not for the brand
    fake.add_message(GROUP, ANA, "@MarcaSoporteBot me cobraron doble")
    bot_msg = {"message_id": 3, "from": BOT, "chat": GROUP, "date": 1763884000, "text": "¿En qué te ayudo?"}
    fake.add_message(GROUP, LUIS, "no funciona", reply_to=bot_msg)
    fake.add_message(GROUP, LUIS, "MoviPlus otra vez caído")
    fake.add_message(PRIVATE, ANA, "mi contrato es 123")
    with make(url, page_limit=3) as conn:
        first = conn.fetch({})
        assert [m.text for m in first.mentions] == ["@MarcaSoporteBot me cobraron doble", "no funciona"]
        assert first.more
        group = first.mentions[0]
        assert group.id.startswith(f"{GROUP['id']}:") and group.extra_fields()["user_id"] == 501
        assert group.author.handle == "@ana_p" and group.author.name == "Ana"
        assert group.url == f"https://t.me/clientesmovi/{group.id.split(':')[1]}" and not group.private
        assert first.mentions[1].in_reply_to == f"{GROUP['id']}:3"
        assert first.mentions[1].author.handle == "tg:502"
        # Restart before the cursor was saved: Telegram has not forgotten these updates yet.
        assert [m.id for m in conn.fetch({}).mentions] == [m.id for m in first.mentions]
        second = conn.fetch(first.cursor)
        assert [m.text for m in second.mentions] == ["MoviPlus otra vez caído", "mi contrato es 123"]
        dm = second.mentions[1]
        assert dm.private and dm.conversation_id == "501"
        assert conn.fetch(second.cursor).mentions == []


def test_reply_private_and_moderation(tg: tuple[FakeTelegram, str]) -> None:
    fake, url = tg
    with make(url) as conn:
        sent = conn.send_reply(
            in_reply_to=f"{GROUP['id']}:42", text="Hola Ana, te escribo por privado. Sofía", idempotency_key="k"
        )
        assert sent.url and sent.external_id.startswith(f"{GROUP['id']}:")
        conn.send_private(recipient="tg:501", text="¿Número de contrato?", idempotency_key="p", in_reply_to="501:77")
        with pytest.raises(PermanentError, match="can't initiate"):
            conn.send_private(recipient="4040", text="hola", idempotency_key="q")
        conn.moderate(action="ban", target=f"{GROUP['id']}:502")
        conn.moderate(action="mute", target=f"{GROUP['id']}:503")
        with pytest.raises(NotSupported):
            conn.moderate(action="hide", target=f"{GROUP['id']}:502")
        with pytest.raises(PermanentError):
            conn.send_reply(in_reply_to="no-es-un-id", text="x", idempotency_key="z")
    assert fake.sent[0]["reply_parameters"] == {"message_id": 42, "allow_sending_without_reply": True}
    assert fake.sent[1] == {
        "chat_id": 501,
        "text": "¿Número de contrato?",
        "reply_parameters": {"message_id": 77, "allow_sending_without_reply": True},
    }
    calls = [c for c in fake.calls if c[0] in ("banChatMember", "restrictChatMember")]
    assert calls[0] == ("banChatMember", {"chat_id": GROUP["id"], "user_id": 502, "revoke_messages": False})
    assert calls[1][1]["permissions"] == {"can_send_messages": False}


def test_errors(tg: tuple[FakeTelegram, str]) -> None:
    fake, url = tg
    with make(url) as conn:
        assert conn.test_connection() == "@MarcaSoporteBot"
        fake.fail_next.append(
            (
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 7",
                    "parameters": {"retry_after": 7},
                },
            )
        )
        with pytest.raises(RateLimited) as limited:
            conn.fetch({})
        assert limited.value.retry_after_s == 7
        fake.fail_next.append((200, {"unexpected": True}))
        with pytest.raises(PayloadError):
            conn.fetch({})
    bad = make(url, bot_token="000:wrong")
    with pytest.raises(AuthExpired) as exc:
        bad.fetch({})
    assert "000:wrong" not in str(exc.value) and "wrong" not in repr(bad) and "wrong" not in repr(bad.config)


def test_webhook_secret_and_parsing(tg: tuple[FakeTelegram, str]) -> None:
    _, url = tg
    conn = make(url, bot_username="MarcaSoporteBot")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "from": ANA,
            "chat": PRIVATE,
            "date": 1763884800,
            "text": "<script>alert(1)</script> ayuda",
        },
    }
    body = json.dumps(update).encode()
    [mention] = conn.parse_webhook({"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}, body)
    assert mention.text == "<script>alert(1)</script> ayuda" and mention.private
    with pytest.raises(SignatureError):
        conn.parse_webhook({"X-Telegram-Bot-Api-Secret-Token": "nope"}, body)
    with pytest.raises(SignatureError):
        conn.parse_webhook({}, body)
    with pytest.raises(SignatureError):
        make(url, webhook_secret=None).parse_webhook({"X-Telegram-Bot-Api-Secret-Token": ""}, body)
    headers = {"x-telegram-bot-api-secret-token": "s3cret-token"}
    with pytest.raises(PayloadError):
        conn.parse_webhook(headers, b"{not json")
    with pytest.raises(PayloadError):
        conn.parse_webhook(headers, b"[1, 2]")
    with pytest.raises(PayloadError):
        conn.parse_webhook(headers, json.dumps({"update_id": 2, "message": {"text": "x"}}).encode())
    sticker = {"update_id": 3, "message": {"message_id": 6, "from": ANA, "chat": PRIVATE, "date": 1, "sticker": {}}}
    assert conn.parse_webhook(headers, json.dumps(sticker).encode()) == []


def test_bot_token_never_reaches_the_logs(tg: tuple[FakeTelegram, str], caplog: pytest.LogCaptureFixture) -> None:
    _, url = tg
    with caplog.at_level(logging.DEBUG):
        make(url).test_connection()
    assert any("getMe" in r.getMessage() for r in caplog.records)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_flood_control_holds_that_chat_only_for_the_retry_after_it_named(tg: tuple[FakeTelegram, str]) -> None:
    """A 429 from flood control names the wait in parameters.retry_after and concerns one chat:
    nothing more is sent to that chat until it passes (retrying early lengthens Telegram's ban),
    while another chat and getUpdates go on."""
    fake, url = tg
    fake.per_chat.limit = 1
    with make(url) as conn:
        conn.send_private(recipient="777", text="Hola", idempotency_key="a")
        with pytest.raises(RateLimited) as limited:
            conn.send_private(recipient="777", text="Otra", idempotency_key="b")
        assert 0 < limited.value.retry_after_s <= 60 and "retry after" in limited.value.reason
        calls = len(fake.calls)
        with pytest.raises(RateLimited) as held:
            conn.send_private(recipient="777", text="Otra", idempotency_key="b")
        assert len(fake.calls) == calls and "no se envía" in held.value.reason  # not sent again
        conn.send_private(recipient="888", text="Hola", idempotency_key="c")  # another chat
        conn.fetch({})
    assert [c[0] for c in fake.calls[calls:] if c[0] != "getMe"] == ["sendMessage", "getUpdates"]
