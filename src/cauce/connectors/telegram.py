"""Telegram bot: long polling (getUpdates) and webhook updates, group mentions and private chats.

Bot API: https://core.telegram.org/bots/api . In groups the bot keeps only messages that
mention it, answer it, or name a brand term (with privacy mode on, Telegram already sends only
those); every private chat message is kept. Ids are `chat_id:message_id` (message ids are per chat).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from cauce.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorConfig,
    FetchResult,
    ModerationAction,
    NotSupported,
    PayloadError,
    PermanentError,
    RateLimited,
    SentItem,
    SignatureError,
    TransientError,
    make_mention,
    secret,
)
from cauce.connectors.http import HttpClient, account_key, held, hold, parse_json
from cauce.connectors.terms import TermMatcher
from cauce.mentions.schemas import MentionIn

NETWORK = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_WEBHOOK_BYTES = 1_000_000
# Flood control (Bot API FAQ: about one message per second in a chat, 20 per minute in a group):
# a 429 names the wait in parameters.retry_after and applies to that chat. Until it passes, nothing
# more is sent to the chat (Telegram lengthens the wait of a bot that keeps trying), while the
# other chats and getUpdates go on.


class TelegramConfig(ConnectorConfig):
    base_url: str = "https://api.telegram.org"
    bot_token: SecretStr
    bot_username: str | None = None  # looked up with getMe when absent
    webhook_secret: SecretStr | None = None
    poll_timeout_s: int = 0  # >0: long polling inside fetch()
    page_limit: int = 100


class TelegramConnector(Connector):
    kind = "telegram"
    config_class = TelegramConfig

    def __init__(self, config: TelegramConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.matcher = TermMatcher(config.brand_terms)
        self._username = (config.bot_username or "").removeprefix("@").lower() or None
        self._bot_id: int | None = None
        self.http = HttpClient(
            config.base_url,
            network=NETWORK,
            timeout_s=config.timeout_s + max(0, config.poll_timeout_s),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"TelegramConnector(bot={self._username!r}, brand={self.config.brand!r})"

    def call(self, method: str, body: Mapping[str, Any] | None = None) -> Any:
        chat = (body or {}).get("chat_id")
        flood_key = (account_key(NETWORK, secret(self.config.bot_token)), f"chat:{chat}") if chat is not None else None
        if flood_key is not None and (wait := held(flood_key)) > 0:
            raise RateLimited("telegram: control de flujo de este chat; no se envía hasta que pase la espera "
                              "que pidió Telegram", wait)
        # The token is part of the path; it never appears in our errors or logs.
        response = self.http.request(
            "POST", f"/bot{secret(self.config.bot_token)}/{method}", json_body=dict(body or {}), check=False
        )
        data = parse_json(response, network=NETWORK)
        if not isinstance(data, dict) or "ok" not in data:
            if response.status_code >= 500:
                raise TransientError(f"telegram: error del servidor {response.status_code}")
            raise PayloadError(f"telegram: respuesta de {method} sin la forma documentada")
        if data["ok"] is True:
            return data.get("result")
        code = int(data.get("error_code") or response.status_code)
        reason = str(data.get("description") or "sin descripción")
        if code == 401 or (code == 404 and "Not Found" in reason):
            raise AuthExpired(f"telegram: token del bot inválido ({reason})")
        if code == 429:
            retry = (data.get("parameters") or {}).get("retry_after")
            wait = float(retry) if isinstance(retry, int | float) and retry > 0 else 30.0
            if flood_key is not None:
                hold(flood_key, wait, "control de flujo")
            raise RateLimited(f"telegram: límite de envíos ({reason})", wait)
        if code >= 500:
            raise TransientError(f"telegram: error del servidor ({reason})")
        raise PermanentError(f"telegram: {method} rechazado ({reason})", code)

    def me(self) -> dict[str, Any]:
        result = self.call("getMe")
        if not isinstance(result, dict) or "id" not in result:
            raise PayloadError("telegram: getMe sin la forma documentada")
        self._bot_id = int(result["id"])
        self._username = str(result.get("username") or "").lower() or None
        return result

    def test_connection(self) -> str:
        return f"@{self.me().get('username')}"

    # --- reading -----------------------------------------------------------------------------
    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        cursor = dict(cursor or {})
        if self._username is None or self._bot_id is None:
            self.me()
        body: dict[str, Any] = {
            "limit": max(1, min(self.config.page_limit, 100)),
            "timeout": max(0, self.config.poll_timeout_s),
            "allowed_updates": ["message", "edited_message", "channel_post"],
        }
        if cursor.get("offset"):
            body["offset"] = int(cursor["offset"])
        updates = self.call("getUpdates", body)
        if not isinstance(updates, list):
            raise PayloadError("telegram: getUpdates no devolvió una lista")
        mentions: list[MentionIn] = []
        errors: list[str] = []
        for update in updates:
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                errors.append("telegram: actualización sin update_id")
                continue
            # Asking for offset = last id + 1 confirms everything up to it to Telegram.
            cursor["offset"] = max(int(cursor.get("offset") or 0), update["update_id"] + 1)
            try:
                mention = self.parse_update(update)
            except PayloadError as exc:
                errors.append(exc.reason)
                continue
            if mention is not None:
                mentions.append(mention)
        more = len(updates) >= body["limit"]
        return FetchResult(mentions=mentions, cursor=cursor, more=more, errors=errors)

    def _relevant(self, message: Mapping[str, Any], chat: Mapping[str, Any], text: str) -> bool:
        if chat.get("type") == "private":
            return True
        if self._username and f"@{self._username}" in text.lower():
            return True
        for entity in message.get("entities") or message.get("caption_entities") or []:
            if (
                isinstance(entity, dict)
                and entity.get("type") == "text_mention"
                and (entity.get("user") or {}).get("id") == self._bot_id
            ):
                return True
        replied = message.get("reply_to_message")
        if (
            isinstance(replied, dict)
            and self._bot_id is not None
            and (replied.get("from") or {}).get("id") == self._bot_id
        ):
            return True
        return self.matcher.search(text)

    def parse_update(self, update: Mapping[str, Any]) -> MentionIn | None:
        message = update.get("message") or update.get("edited_message") or update.get("channel_post")
        if message is None:
            return None
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            raise PayloadError("telegram: mensaje sin chat")
        chat = message["chat"]
        text = message.get("text") or message.get("caption")
        if not isinstance(text, str) or not text.strip():
            return None  # stickers, photos without caption, joins...
        if not self._relevant(message, chat, text):
            return None
        sender: dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
        chat_id, message_id = chat.get("id"), message.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int) or not isinstance(message.get("date"), int):
            raise PayloadError("telegram: mensaje sin chat.id, message_id o date")
        handle = f"@{sender['username']}" if sender.get("username") else f"tg:{sender.get('id') or chat_id}"
        name = " ".join(str(sender.get(k)) for k in ("first_name", "last_name") if sender.get(k)) or chat.get("title")
        replied = message.get("reply_to_message")
        thread = message.get("message_thread_id")
        public_url = f"https://t.me/{chat['username']}/{message_id}" if chat.get("username") else None
        return make_mention(
            {
                "id": f"{chat_id}:{message_id}",
                "created_at": datetime.fromtimestamp(message["date"], UTC),
                "channel": NETWORK,
                "brand": self.config.brand,
                "author": {"handle": handle, "name": name},
                "text": text,
                "in_reply_to": f"{chat_id}:{replied['message_id']}"
                if isinstance(replied, dict) and "message_id" in replied
                else None,
                "conversation_id": f"{chat_id}:{thread}" if thread else str(chat_id),
                "url": public_url,
                "private": chat.get("type") == "private",
                "chat_id": chat_id,
                "chat_type": chat.get("type"),
                "chat_title": chat.get("title"),
                "user_id": sender.get("id"),
                "edited": "edited_message" in update,
            },
            network=NETWORK,
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[MentionIn]:
        """Verify the secret-token header Telegram sends with each webhook call, then parse."""
        expected = secret(self.config.webhook_secret)
        if not expected:
            raise SignatureError("telegram: el canal no tiene secreto de webhook configurado")
        got = next((v for k, v in headers.items() if k.lower() == SECRET_HEADER.lower()), "")
        if not hmac.compare_digest(got.encode(), expected.encode()):
            raise SignatureError("telegram: el encabezado secreto del webhook no coincide")
        if len(body) > MAX_WEBHOOK_BYTES:
            raise PayloadError("telegram: cuerpo del webhook demasiado grande")
        try:
            update = json.loads(body)
        except ValueError:
            raise PayloadError("telegram: el cuerpo del webhook no es JSON") from None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise PayloadError("telegram: el webhook no trae una actualización (update_id)")
        mention = self.parse_update(update)
        return [mention] if mention else []

    # --- writing -----------------------------------------------------------------------------
    @staticmethod
    def _split(ref: str, what: str) -> tuple[int, int]:
        try:
            left, right = ref.split(":", 1)
            return int(left), int(right)
        except ValueError:
            raise PermanentError(f"telegram: {what} inválido {ref[:60]!r} (se espera chat_id:id)") from None

    def _send(self, chat_id: int | str, text: str, reply_to: int | None) -> SentItem:
        body: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_to is not None:
            body["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        message = self.call("sendMessage", body)
        if not isinstance(message, dict) or "message_id" not in message:
            raise PayloadError("telegram: sendMessage sin message_id")
        chat = message.get("chat") or {}
        url = f"https://t.me/{chat['username']}/{message['message_id']}" if chat.get("username") else None
        return SentItem(f"{chat.get('id', chat_id)}:{message['message_id']}", url)

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        chat_id, message_id = self._split(in_reply_to, "mensaje")
        return self._send(chat_id, text, message_id)

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        """`recipient` is the user id (a bot can write only to users who have started it)."""
        user = recipient.removeprefix("tg:")
        if not user.lstrip("-").isdigit():
            raise PermanentError("telegram: el destinatario privado debe ser el id numérico del usuario")
        reply_to = None
        if in_reply_to:
            chat_id, message_id = self._split(in_reply_to, "mensaje")
            reply_to = message_id if str(chat_id) == user else None
        return self._send(int(user), text, reply_to)

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        """`target` is `chat_id:user_id`; the bot must be an administrator of the group."""
        chat_id, user_id = self._split(target, "objetivo")
        if action == "ban":
            self.call("banChatMember", {"chat_id": chat_id, "user_id": user_id, "revoke_messages": False})
        elif action == "mute":
            self.call(
                "restrictChatMember",
                {"chat_id": chat_id, "user_id": user_id, "permissions": {"can_send_messages": False}},
            )
        else:
            raise NotSupported(f"telegram: la acción «{action}» no existe; use expulsar o silenciar")

    def close(self) -> None:
        self.http.close()
