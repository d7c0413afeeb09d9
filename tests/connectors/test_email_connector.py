from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from cauce.connectors.base import AuthExpired, NotSupported, PermanentError, TransientError
from cauce.connectors.mail import EmailConfig, EmailConnector
from connectors.fakes.fake_mail import PASSWORD, USER, Mailstore, mail_servers


def compose(
    msg_id: str, sender: str, subject: str, body: str, *, in_reply_to: str | None = None, html: str | None = None
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = USER
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 08:00:00 -0500"
    message["Message-ID"] = f"<{msg_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<root@cliente.example> <{in_reply_to}>"
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


@pytest.fixture()
def mail() -> Iterator[tuple[Mailstore, dict[str, Any]]]:
    store = Mailstore()
    with mail_servers(store) as ports:
        yield store, ports


def make(ports: dict[str, Any], **extra: object) -> EmailConnector:
    return EmailConnector(
        EmailConfig.model_validate(
            {
                "brand": "moviplus",
                "imap_host": "127.0.0.1",
                "imap_port": ports["imap_port"],
                "imap_ssl": False,
                "username": USER,
                "password": PASSWORD,
                "smtp_host": "127.0.0.1",
                "smtp_port": ports["smtp_port"],
                "smtp_starttls": False,
                "from_address": USER,
                "from_name": "Soporte MoviPlus",
                "sent_mailbox": "Sent",
                **extra,
            }
        )
    )


def test_inbox_mapping_threading_and_cursor(mail: tuple[Mailstore, dict[str, Any]]) -> None:
    store, ports = mail
    store.deliver(
        compose(
            "a1@cliente.example",
            "Ana Pérez <Ana@Cliente.example>",
            "Cobro doble",
            "Me cobraron dos veces.\n\nEl lun, 22 nov 2026, Soporte escribió:\n> texto viejo",
            in_reply_to="r0@marca.example",
        )
    )
    store.deliver(b"From: nadie\r\nSubject: roto\r\n\r\nsin remitente valido\r\n")
    store.deliver(
        compose("a3@cliente.example", "luis@cliente.example", "Hola", "texto plano", html="<p>texto <b>html</b></p>")
    )
    conn = make(ports, page_limit=2)
    first = conn.fetch({})
    [ana] = first.mentions
    assert ana.id == "a1@cliente.example" and ana.private and ana.channel == "email"
    assert ana.author.handle == "ana@cliente.example" and ana.author.name == "Ana Pérez"
    assert ana.text == "Cobro doble\n\nMe cobraron dos veces."
    assert ana.in_reply_to == "r0@marca.example" and ana.conversation_id == "root@cliente.example"
    assert ana.created_at.hour == 13  # 08:00 -05:00
    assert len(first.errors) == 1 and first.more and first.cursor == {"uidvalidity": 42, "last_uid": 2}
    second = conn.fetch(first.cursor)
    assert [m.text for m in second.mentions] == ["Hola\n\ntexto plano"] and not second.more
    assert conn.fetch(second.cursor).mentions == []  # "3:*" still returns UID 3; it is filtered out
    store.validity["INBOX"] = 43  # mailbox rebuilt: read again, Message-IDs keep ingest idempotent
    reread = conn.fetch(second.cursor)
    assert [m.id for m in reread.mentions] == ["a1@cliente.example"] and reread.cursor["uidvalidity"] == 43
    assert "STORE" not in store.commands  # read-only: never marks messages as read


def test_reply_keeps_thread_and_is_not_sent_twice(mail: tuple[Mailstore, dict[str, Any]]) -> None:
    store, ports = mail
    store.deliver(
        compose(
            "a1@cliente.example", "Ana <ana@cliente.example>", "Cobro doble", "ayuda", in_reply_to="r0@marca.example"
        )
    )
    conn = make(ports)
    assert conn.find_existing_reply("a1@cliente.example", "key-1") is None
    sent = conn.send_reply(
        in_reply_to="a1@cliente.example", text="Hola Ana, ya lo revisamos.\nSofía", idempotency_key="key-1"
    )
    again = conn.send_reply(
        in_reply_to="a1@cliente.example", text="Hola Ana, ya lo revisamos.\nSofía", idempotency_key="key-1"
    )
    assert again == sent and conn.find_existing_reply("a1@cliente.example", "key-1") == sent
    [(sender, rcpts, data)] = store.smtp_received
    assert sender == USER and rcpts == ["ana@cliente.example", USER]  # envelope copy to the brand's own box
    message = message_from_bytes(data, policy=policy.default)
    assert message["Subject"] == "Re: Cobro doble"
    assert message["In-Reply-To"] == "<a1@cliente.example>"
    assert message["References"] == "<root@cliente.example> <r0@marca.example> <a1@cliente.example>"
    assert message["Message-ID"] == f"<{sent.external_id}>"
    assert len(store.boxes["Sent"]) == 1


def test_private_message_and_errors(mail: tuple[Mailstore, dict[str, Any]]) -> None:
    store, ports = mail
    conn = make(ports, sent_mailbox=None)
    conn.send_private(recipient="eva@cliente.example", text="¿Nos confirma su número de contrato?", idempotency_key="p")
    assert message_from_bytes(store.smtp_received[0][2], policy=policy.default)["Subject"] == "Respuesta a su solicitud"
    with pytest.raises(PermanentError, match="rechazado"):
        conn.send_private(recipient="rechaza@cliente.example", text="x", idempotency_key="q")
    # Refused customer: no DATA, so the brand's own envelope copy cannot pass for a sent answer.
    assert len(store.smtp_received) == 1 and conn.find_existing_reply("", "q") is None
    with pytest.raises(PermanentError, match="inválida"):
        conn.send_private(recipient="a@b.c\r\nBcc: todos@x", text="x", idempotency_key="r")
    with pytest.raises(PermanentError, match="no se encontró"):
        conn.send_reply(in_reply_to="no-existe@x", text="x", idempotency_key="s")
    assert conn.test_connection() == USER
    with pytest.raises(AuthExpired):
        make(ports, password="mala").fetch({})
    with pytest.raises(AuthExpired):
        make(ports, smtp_password="mala").send_private(recipient="a@b.example", text="x", idempotency_key="t")
    with pytest.raises(PermanentError, match="buzón"):
        make(ports, mailbox="NoExiste").fetch({})
    with pytest.raises(TransientError):
        make({"imap_port": 1, "smtp_port": 1}).fetch({})
    assert PASSWORD not in repr(conn) and PASSWORD not in repr(conn.config)


def test_a_server_without_idle_says_so_and_polling_alone_serves_the_channel(
    mail: tuple[Mailstore, dict[str, Any]],
) -> None:
    """The fake offers no IDLE (as some hosted servers): `watch` refuses at once, before idling."""
    import threading

    _, ports = mail
    woken: list[int] = []
    with pytest.raises(NotSupported, match="IDLE"):
        make(ports).watch(threading.Event(), lambda: woken.append(1))
    assert woken == []
