"""The e-mail connector against real servers: Debian's Dovecot 2.3 (IMAP, LMTP, SASL) and Postfix 3.7.

`mailnet.running` starts private instances on free loopback ports under a temporary directory
(never the system services); the customer writes and reads her own mailbox on the same servers,
so every message crosses real SMTP submission, Postfix's queue and LMTP into Dovecot's maildirs.
Set CAUCE_SKIP_REALNET=1 to skip; without the packages or root the module is skipped with the reason.
"""

from __future__ import annotations

import base64
import imaplib
import os
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.brands.models import ChannelAccount
from cauce.cases.models import Case
from cauce.connectors import construction
from cauce.connectors.base import AuthExpired, Connector
from cauce.connectors.mail import EmailConfig, EmailConnector
from cauce.connectors.runtime.polling import poll_channel, poll_due
from cauce.connectors.runtime.streams import StreamStats, stream_channel, wants_stream
from cauce.db import Database, utcnow
from cauce.mentions.models import Mention
from cauce.replies import outbox
from cauce.replies import service as replies
from cauce.replies.models import Reply
from connectors.realnet import mailnet

SUPPORT = mailnet.Account("soporte@marca.example", "clave-soporte-2026")
MARIA = mailnet.Account("maria@cliente.example", "clave-maria-2026")
PEDRO = mailnet.Account("pedro@marca.example", "contraseña-Ñandú-€-2026")  # UTF-8 over SASL PLAIN
VENTAS = mailnet.Account("ventas@marca.example", "clave-ventas-2026")  # a mailbox nobody has used yet
AGENT_PASSWORD = "cuatro palabras largas seguras"

pytestmark = pytest.mark.skipif(os.environ.get("CAUCE_SKIP_REALNET") == "1", reason="CAUCE_SKIP_REALNET=1")


@pytest.fixture(scope="module")
def net() -> Iterator[mailnet.MailNet]:
    why = mailnet.unavailable()
    if why is not None:
        pytest.skip(why)
    with mailnet.running((SUPPORT, MARIA, PEDRO, VENTAS)) as running:
        yield running


# --- the customer's side: her own mail client, straight through SMTP and IMAP ----------------------

def _submit(net: mailnet.MailNet, account: mailnet.Account, raw: bytes, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", net.smtp_port, timeout=30) as server:
        server.login(account.address, account.password)
        server.sendmail(account.address, [to], raw)


def _imap(net: mailnet.MailNet, account: mailnet.Account) -> imaplib.IMAP4:
    conn = imaplib.IMAP4("127.0.0.1", net.imap_port, timeout=30)
    conn.login(account.address, account.password)
    return conn


def _with_id(net: mailnet.MailNet, account: mailnet.Account, message_id: str, box: str = "INBOX") -> list[Message]:
    """Every message of the account's mailbox with that Message-ID."""
    conn = _imap(net, account)
    try:
        status, _ = conn.select(f'"{box}"', readonly=True)
        if status != "OK":
            return []
        _, data = conn.uid("SEARCH", "HEADER", "Message-ID", f'"<{message_id}>"')
        found: list[Message] = []
        for uid in (data[0] or b"").split():
            _, fetched = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next(item[1] for item in fetched if isinstance(item, tuple))
            found.append(message_from_bytes(raw, policy=policy.default))
        return found
    finally:
        conn.logout()


def _wait(check: Callable[[], Any], *, what: str, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


_counter = iter(range(1, 10_000))


def _msgid(tag: str) -> str:
    return f"{tag}.{time.time_ns()}.{next(_counter)}@cliente.example"


def _compose(subject: str, body: str, *, msgid: str, in_reply_to: str | None = None,
             references: list[str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"María Pérez <{MARIA.address}>"
    message["To"] = SUPPORT.address
    message["Subject"] = subject
    message["Message-ID"] = f"<{msgid}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    message.set_content(body)
    return message.as_bytes()


def _delivered(net: mailnet.MailNet, msgid: str, account: mailnet.Account = SUPPORT) -> None:
    _wait(lambda: _with_id(net, account, msgid), what=f"{msgid} in {account.address}'s mailbox")


# --- Cauce's side ------------------------------------------------------------------------------

@dataclass
class Desk:
    db: Database
    channel_id: int
    agent: Any


def _settings(net: mailnet.MailNet, account: mailnet.Account = SUPPORT) -> dict[str, Any]:
    return {"imap_host": "127.0.0.1", "imap_port": net.imap_port, "imap_ssl": False, "username": account.address,
            "smtp_host": "127.0.0.1", "smtp_port": net.smtp_port, "smtp_starttls": False,
            "from_address": account.address, "from_name": "Soporte MoviPlus", "sent_mailbox": "Sent"}


def _connector(net: mailnet.MailNet, account: mailnet.Account = SUPPORT, **extra: Any) -> EmailConnector:
    return EmailConnector(EmailConfig.model_validate(
        {"brand": "moviplus", **_settings(net, account), "password": account.password, **extra}))


@pytest.fixture
def desk(tmp_path: Path, net: mailnet.MailNet, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    from cryptography.fernet import Fernet

    from cauce.db import upgrade

    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    url = f"sqlite:///{tmp_path / 'cauce.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        brand = brands.create_brand(s, name="MoviPlus", actor=SYSTEM, handles=[SUPPORT.address],
                                    search_terms=["MoviPlus"])
        channel = construction.add_channel(s, brand=brand, kind="email", name="Soporte", settings=_settings(net),
                                       credentials={"password": SUPPORT.password}, actor=SYSTEM)
        user = auth.create_user(s, email="laura@moviplus.example", name="Laura Gómez", role="agent",
                                password=AGENT_PASSWORD, brand_ids=[brand.id], actor=SYSTEM)
        found = Desk(db, channel.id, auth.principal_for(s, user))
    # Each test starts at the end of the shared mailbox: earlier tests' mail is not its business.
    with db.session() as s:
        row = s.get(ChannelAccount, channel.id)
        assert row is not None
        row.cursor = {"uidvalidity": _connector(net).fetch({"last_uid": 10**9}).cursor["uidvalidity"],
                      "last_uid": _last_uid(net)}
    yield found
    db.dispose()


def _last_uid(net: mailnet.MailNet) -> int:
    conn = _imap(net, SUPPORT)
    try:
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("SEARCH", "ALL")
        return max((int(u) for u in (data[0] or b"").split()), default=0)
    finally:
        conn.logout()


def _mention(db: Database, external_id: str) -> Mention:
    with db.read_session() as s:
        row = s.scalar(select(Mention).where(Mention.external_id == external_id))
        assert row is not None, f"{external_id} was not ingested"
        s.expunge(row)
        return row


def _reply(desk: Desk, case_id: int, text: str) -> int:
    with desk.db.session() as s:
        return replies.create_reply(s, case_id=case_id, text=text, visibility="private", principal=desk.agent).id


def _sent(desk: Desk, reply_id: int) -> Reply:
    with desk.db.read_session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None
        s.expunge(reply)
        return reply


# --- the tests ------------------------------------------------------------------------------------

def test_polling_fetches_each_new_message_once(net: mailnet.MailNet, desk: Desk) -> None:
    first = _msgid("poll1")
    _submit(net, MARIA, _compose("Sin señal en Chapinero", "Desde ayer no tengo datos.", msgid=first),
            SUPPORT.address)
    _delivered(net, first)
    result = poll_channel(desk.db, desk.channel_id)
    assert result.error is None and result.ingested == 1, result.as_dict()
    stored = _mention(desk.db, first)
    assert stored.author_handle == MARIA.address and stored.author_name == "María Pérez"
    assert stored.text == "Sin señal en Chapinero\n\nDesde ayer no tengo datos."
    assert poll_channel(desk.db, desk.channel_id).ingested == 0
    second = _msgid("poll2")
    _submit(net, MARIA, _compose("Otra cosa", "¿Y la factura?", msgid=second), SUPPORT.address)
    _delivered(net, second)
    again = poll_channel(desk.db, desk.channel_id)
    assert again.ingested == 1 and _mention(desk.db, second).case_id is not None


def test_odd_charsets_html_only_and_attachments_are_stored_readably(net: mailnet.MailNet, desk: Desk) -> None:
    latin = _msgid("latin1")
    raw = (f"From: =?ISO-8859-1?Q?Mar=EDa_P=E9rez?= <{MARIA.address}>\r\nTo: {SUPPORT.address}\r\n"
           f"Subject: =?ISO-8859-1?Q?Factura_n=FAmero_123_=BFpor_qu=E9=3F?=\r\nMessage-ID: <{latin}>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           "El cobro de junio est=E1 mal: pagu=E9 dos veces.\r\n").encode()
    # Outlook's "Latin-1" is Windows-1252: curly quotes and the euro sign sit in 0x80-0x9F.
    windows = _msgid("cp1252")
    raw_1252 = (f"From: {MARIA.address}\r\nTo: {SUPPORT.address}\r\nSubject: Cobro\r\nMessage-ID: <{windows}>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + \
        "Me cobraron 30 € de más y el asesor dijo “ya está”.\r\n".encode("cp1252")
    html_only = _msgid("html")
    mixed = MIMEMultipart("mixed")
    mixed["From"], mixed["To"] = MARIA.address, SUPPORT.address
    mixed["Subject"], mixed["Message-ID"] = "Adjunto la factura", f"<{html_only}>"
    mixed.attach(MIMEText("<html><body><p>Hola,</p><p>adjunto la <b>factura</b> &amp; el recibo.</p>"
                          "<img src='cid:logo'></body></html>", "html", "windows-1252"))
    pdf = MIMEApplication(b"%PDF-1.4 fake but binary \x00\xff", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="factura-junio.pdf")
    mixed.attach(pdf)
    for message_id, data in ((latin, raw), (windows, raw_1252), (html_only, mixed.as_bytes())):
        _submit(net, MARIA, data, SUPPORT.address)
        _delivered(net, message_id)
    result = poll_channel(desk.db, desk.channel_id)
    assert result.ingested == 3, result.as_dict()
    first = _mention(desk.db, latin)
    assert first.author_name == "María Pérez"
    assert first.text == "Factura número 123 ¿por qué?\n\nEl cobro de junio está mal: pagué dos veces."
    assert _mention(desk.db, windows).text == "Cobro\n\nMe cobraron 30 € de más y el asesor dijo “ya está”."
    text = _mention(desk.db, html_only).text
    assert text.startswith("Adjunto la factura\n\nHola,") and "adjunto la factura & el recibo." in text
    assert "<" not in text and "%PDF" not in text
    assert "factura-junio.pdf" in text  # the agent sees that a file came with it


def test_alternative_parts_encoded_word_subjects_and_latin9_are_stored_readably(
    net: mailnet.MailNet, desk: Desk
) -> None:
    """What phones and webmail send: text + HTML alternatives (the text part is the one kept) with
    an inline picture, a subject as two base64 UTF-8 encoded words with an emoji, and ISO-8859-15
    text (Latin-9: € is 0xA4, where Windows-1252 has ¤)."""
    alternative = _msgid("alt")
    mixed = MIMEMultipart("mixed")
    mixed["From"], mixed["To"], mixed["Message-ID"] = f"María <{MARIA.address}>", SUPPORT.address, f"<{alternative}>"
    mixed["Subject"] = "=?UTF-8?B?U2luIHNlw7FhbCDwn5O2?= =?UTF-8?B?IGVuIGNhc2E=?="
    body = MIMEMultipart("alternative")
    body.attach(MIMEText("No tengo señal en casa.\nAdjunto captura.", "plain", "utf-8"))  # base64
    body.attach(MIMEText("<p>No tengo <b>señal</b> en casa.</p><p>Adjunto captura.</p>", "html", "utf-8"))
    mixed.attach(body)
    picture = MIMEApplication(b"\x89PNG\r\n\x1a\n\x00\x00", "png")
    picture.add_header("Content-Disposition", "inline", filename="captura señal.png")
    mixed.attach(picture)
    latin9 = _msgid("latin9")
    raw_latin9 = (f"From: {MARIA.address}\r\nTo: {SUPPORT.address}\r\nSubject: Cobro\r\nMessage-ID: <{latin9}>\r\n"
                  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-15\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() \
        + "Me cobraron 30 € de más.\r\n".encode("iso-8859-15")
    for message_id, data in ((alternative, mixed.as_bytes()), (latin9, raw_latin9)):
        _submit(net, MARIA, data, SUPPORT.address)
        _delivered(net, message_id)
    result = poll_channel(desk.db, desk.channel_id)
    assert result.ingested == 2, result.as_dict()
    text = _mention(desk.db, alternative).text
    assert text.startswith("Sin señal 📶 en casa\n\nNo tengo señal en casa.\nAdjunto captura.")
    assert "<" not in text and "PNG" not in text and "captura señal.png" in text
    assert text.count("No tengo") == 1  # one alternative, not both
    assert _mention(desk.db, latin9).text == "Cobro\n\nMe cobraron 30 € de más."


def _first_case(desk: Desk, net: mailnet.MailNet, subject: str) -> tuple[str, int]:
    msgid = _msgid("start")
    _submit(net, MARIA, _compose(subject, "Hola, necesito ayuda con mi plan.", msgid=msgid), SUPPORT.address)
    _delivered(net, msgid)
    assert poll_channel(desk.db, desk.channel_id).ingested == 1
    case_id = _mention(desk.db, msgid).case_id
    assert case_id is not None
    return msgid, case_id


def test_a_reply_lands_once_in_the_customers_thread_and_her_follow_up_joins_her_case(
        net: mailnet.MailNet, desk: Desk) -> None:
    first, case_id = _first_case(desk, net, "Cambio de plan")
    reply_id = _reply(desk, case_id, "Hola María, ya cambiamos tu plan. Laura")
    run = outbox.deliver_due(desk.db.session, now=utcnow())
    assert run.sent == 1, run.as_dict()
    reply = _sent(desk, reply_id)
    assert reply.state == "sent" and reply.external_id
    [got] = _wait(lambda: _with_id(net, MARIA, str(reply.external_id)), what="the reply in María's mailbox")
    assert got["Subject"] == "Re: Cambio de plan"
    assert got["In-Reply-To"] == f"<{first}>" and got["References"] == f"<{first}>"
    assert got["From"].addresses[0].addr_spec == SUPPORT.address
    assert "Bcc" not in got and got.get_content().strip() == "Hola María, ya cambiamos tu plan. Laura"
    assert _with_id(net, SUPPORT, str(reply.external_id), box="Sent")  # the brand keeps its copy
    # The brand's own copy is not a new message from a customer.
    assert poll_channel(desk.db, desk.channel_id).ingested == 0
    with desk.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.status = "cerrado"  # closed: only the thread can bring her back to it
    # Her mail client answers the reply, naming only the message it answers (as some clients do).
    follow = _msgid("follow")
    _submit(net, MARIA, _compose("Re: Cambio de plan", "Gracias, pero sigue igual.", msgid=follow,
                                 in_reply_to=str(reply.external_id)), SUPPORT.address)
    _delivered(net, follow)
    assert poll_channel(desk.db, desk.channel_id).ingested == 1
    assert _mention(desk.db, follow).case_id == case_id
    assert _mention(desk.db, follow).conversation_id == first


def test_a_full_references_chain_keeps_the_thread(net: mailnet.MailNet, desk: Desk) -> None:
    first, case_id = _first_case(desk, net, "Portabilidad")
    follow = _msgid("refs")
    _submit(net, MARIA, _compose("Re: Portabilidad", "¿Alguna novedad?", msgid=follow, in_reply_to=first,
                                 references=[first]), SUPPORT.address)
    _delivered(net, follow)
    assert poll_channel(desk.db, desk.channel_id).ingested == 1
    assert _mention(desk.db, follow).conversation_id == first and _mention(desk.db, follow).case_id == case_id


class _DiesAfterSending(EmailConnector):
    """The outbox process dies right after the SMTP server accepted the reply: no Sent copy, no ack."""

    def _append_sent(self, message: EmailMessage) -> None:
        raise RuntimeError("el proceso murió entre el envío y el acuse")


def test_an_outbox_killed_between_send_and_acknowledgement_never_sends_twice(
        net: mailnet.MailNet, desk: Desk) -> None:
    _, case_id = _first_case(desk, net, "Doble cobro")
    reply_id = _reply(desk, case_id, "Hola María, devolvemos el cobro doble esta semana. Laura")

    def dying(channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
        return _DiesAfterSending(EmailConfig.model_validate(config))

    now = utcnow()
    crashed = outbox.deliver_due(desk.db.session, now=now, registry=dying)
    assert crashed.unknown == 1 and crashed.sent == 0, crashed.as_dict()
    assert _sent(desk, reply_id).state == "sending"
    key = _sent(desk, reply_id).idempotency_key
    message_id = _connector(net)._message_id(key)
    _wait(lambda: _with_id(net, MARIA, message_id), what="the first (and only) copy in María's mailbox")
    time.sleep(0.5)  # the brand's envelope copy travels in the same LMTP delivery
    recovered = outbox.deliver_due(desk.db.session, now=now + outbox.LEASE + timedelta(minutes=1))
    assert recovered.recovered == 1 and recovered.sent == 0, recovered.as_dict()
    assert _sent(desk, reply_id).state == "sent" and _sent(desk, reply_id).external_id == message_id
    later = outbox.deliver_due(desk.db.session, now=now + timedelta(hours=1))
    assert later.sent == 0 and later.recovered == 0
    time.sleep(1.0)
    assert len(_with_id(net, MARIA, message_id)) == 1


def test_a_first_reply_on_a_fresh_mailbox_creates_the_sent_folder(net: mailnet.MailNet) -> None:
    """Dovecot has no "Sent" until someone creates it: APPEND answers NO [TRYCREATE]."""
    connector = _connector(net, VENTAS, sent_mailbox="Enviados")
    assert connector.find_existing_reply("x@cliente.example", "nueva-clave") is None
    sent = connector.send_private(recipient=MARIA.address, text="Hola María, le escribe Ventas.",
                                  idempotency_key="nueva-clave")
    assert _with_id(net, VENTAS, sent.external_id, box="Enviados")
    assert connector.find_existing_reply("x@cliente.example", "nueva-clave") == sent


def test_utf8_passwords_pass_sasl_plain_on_imap_and_smtp(net: mailnet.MailNet) -> None:
    connector = _connector(net, PEDRO)
    assert connector.test_connection() == PEDRO.address  # IMAP login and SMTP AUTH, both with ñ and €
    sent = connector.send_private(recipient=MARIA.address, text="Prueba con contraseña UTF-8.",
                                  idempotency_key="utf8-pass")
    _wait(lambda: _with_id(net, MARIA, sent.external_id), what="Pedro's message in María's mailbox")
    assert connector.fetch({}).cursor["uidvalidity"]
    with pytest.raises(AuthExpired):
        _connector(net, PEDRO, password="contraseña-Ñandú-€-2025").fetch({})
    with pytest.raises(AuthExpired):
        _connector(net, PEDRO, smtp_password="contraseña-mala-€").test_connection()
    # What Dovecot itself saw: the PLAIN mechanism, the user as typed.
    assert "method=PLAIN" in (net.root / "dovecot.log").read_text(errors="replace")
    token = base64.b64encode(f"\0{PEDRO.address}\0{PEDRO.password}".encode()).decode()
    assert token not in net.log()


def test_imap_idle_wakes_the_poll_so_new_mail_is_stored_within_seconds(net: mailnet.MailNet, desk: Desk) -> None:
    """Dovecot offers IDLE: the worker's stream thread for the channel idles on the inbox, the
    server announces the delivery, the channel becomes due and the next scheduler pass (the worker
    runs one every 5 s; here every 0.5 s) stores it, instead of the 120 s poll interval."""
    assert wants_stream("email", _settings(net))
    with desk.db.session() as s:  # the last poll just ran: without IDLE the next is 120 s away
        row = s.get(ChannelAccount, desk.channel_id)
        assert row is not None
        row.next_poll_at = utcnow() + timedelta(seconds=120)
    stop, stats = threading.Event(), StreamStats()
    idler = threading.Thread(target=stream_channel, args=(desk.db, desk.channel_id),
                             kwargs={"stop": stop, "stats": stats}, daemon=True)
    idler.start()
    try:
        _wait(lambda: stats.connections >= 1, what="the IDLE connection")
        time.sleep(0.5)  # let the IDLE command reach the server
        msgid = _msgid("idle")
        sent_at = time.monotonic()
        _submit(net, MARIA, _compose("Sin señal desde ayer", "¿Me ayudan?", msgid=msgid), SUPPORT.address)

        def stored() -> bool:
            poll_due(desk.db)
            return _stored(desk.db, msgid)

        _wait(stored, what="the mail pushed by IDLE to be stored", timeout_s=15)
        seconds = time.monotonic() - sent_at
        assert stats.batches >= 1  # woken by the server, not by the clock
        assert seconds < 10, seconds
        print(f"IDLE: submitted → stored in {seconds:.2f} s")
        # A second message on the same IDLE connection (re-issued after the first wake).
        again = _msgid("idle2")
        _submit(net, MARIA, _compose("Otra cosa", "Y la factura", msgid=again), SUPPORT.address)

        def stored_again() -> bool:
            poll_due(desk.db)
            return _stored(desk.db, again)

        _wait(stored_again, what="the second pushed mail", timeout_s=15)
    finally:
        stop.set()
        idler.join(5)
    assert not idler.is_alive()  # DONE ends the IDLE promptly when the worker stops


def test_idle_renewals_without_mail_wake_nobody_and_idle_can_be_turned_off(net: mailnet.MailNet) -> None:
    assert not wants_stream("email", {**_settings(net), "idle": False})
    woken: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_connector(net).watch, args=(stop, lambda: woken.append(time.time())),
                               kwargs={"last_uid": lambda: 10**9, "renew_s": 1.0}, daemon=True)
    watcher.start()
    time.sleep(2.5)  # two IDLE renewals (DONE + IDLE again) without mail: nobody is woken
    stop.set()
    watcher.join(5)
    assert not watcher.is_alive() and woken == []


def _stored(db: Database, external_id: str) -> bool:
    with db.read_session() as s:
        return s.scalar(select(Mention.id).where(Mention.external_id == external_id)) is not None
