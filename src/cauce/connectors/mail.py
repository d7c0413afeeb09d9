"""E-mail: the support inbox in (IMAP) and the private channel out (SMTP), threads kept.

Incoming: new messages by UID (cursor = UIDVALIDITY + last UID, read-only, never marks as read).
A message's id is its Message-ID, its thread the first of References (else In-Reply-To).
Outgoing: answers carry In-Reply-To and References so mail clients keep the thread, and a
Message-ID derived from the idempotency key. The SMTP server also delivers an envelope copy to
`from_address` (`copy_to_self`, no Bcc header): it lands in the brand's mailbox as part of the
same send, so `find_existing_reply` finds it even when the process died right after the server
accepted the message. With `sent_mailbox` set, a copy is appended there too (the folder is created
when the server answers TRYCREATE). Those own copies are never read back as customer messages.

New mail is pushed with IMAP IDLE (RFC 2177) when the server offers it: `watch` keeps one
connection idling on the mailbox and calls back on every EXISTS, and the worker then polls the
channel at once (runtime/streams.py), so a message is stored within seconds instead of at the next
2-minute poll. Fetching, the cursor and threading stay the poll's; IDLE only says when.

Checked against Dovecot 2.3 and Postfix 3.7 (tests/connectors/realnet/test_mail_real.py):
non-ASCII passwords go as SASL PLAIN in UTF-8 (imaplib's LOGIN and smtplib's AUTH only speak
ASCII), and "ISO-8859-1" text is read as Windows-1252, as mail clients write and read it.
"""

from __future__ import annotations

import base64
import hashlib
import imaplib
import logging
import queue
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr, getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from pydantic import SecretStr

from cauce.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorConfig,
    FetchResult,
    NotSupported,
    PayloadError,
    PermanentError,
    SentItem,
    TransientError,
    make_mention,
    secret,
)
from cauce.connectors.html_text import html_to_text
from cauce.mentions.schemas import MAX_TEXT_CHARS, MentionIn

log = logging.getLogger(__name__)

NETWORK = "email"
MAX_MESSAGE_BYTES = 15_000_000
_QUOTE_HEADER = re.compile(r"^\s*(El|On|Le|Am)\b.{0,200}(escribió|wrote|a écrit|schrieb)\s*:\s*$", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]{1,500}>")


class EmailConfig(ConnectorConfig):
    imap_host: str
    imap_port: int = 993
    imap_ssl: bool = True
    username: str
    password: SecretStr
    mailbox: str = "INBOX"
    sent_mailbox: str | None = None  # e.g. "Sent": keeps a copy and enables duplicate checks
    smtp_host: str
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_username: str | None = None  # default: username
    smtp_password: SecretStr | None = None  # default: password
    from_address: str
    from_name: str | None = None
    copy_to_self: bool = True  # envelope copy of each answer to from_address: proof it was sent
    page_limit: int = 50


def _strip_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    return found.group(0)[1:-1] if found else value.strip()[:500] or None


def _references(message: Message) -> list[str]:
    return [m[1:-1] for m in _MSGID.findall(str(message.get("References") or ""))]


# Labels mail clients write but mean otherwise (the WHATWG Encoding Standard's table): Outlook's
# "iso-8859-1" text carries Windows-1252's € and curly quotes in 0x80-0x9F.
_CHARSET_MEANS = {
    **dict.fromkeys(("us-ascii", "ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
                     "cp819", "ibm819", "iso-ir-100", "csisolatin1", "x-cp1252"), "cp1252"),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "latin5", "l5"), "cp1254"),
    **dict.fromkeys(("gb2312", "gb_2312-80", "x-gbk"), "gbk"),
    **dict.fromkeys(("ks_c_5601-1987", "euc-kr"), "cp949"),
}


def _decoded(part: Message) -> str | None:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    declared = (part.get_content_charset() or "utf-8").strip().lower()
    charset = _CHARSET_MEANS.get(declared, declared)
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", "replace")


def _body_text(message: Message) -> str:
    """The text/plain part (else the HTML one as text), without the quoted previous message; the
    names of attached files follow, so the agent knows something came with it."""
    plain: str | None = None
    html: str | None = None
    attached: list[str] = []
    parts = message.walk() if message.is_multipart() else iter([message])
    for part in parts:
        if part.get_content_maintype() == "multipart":
            continue
        filename = part.get_filename()
        if filename or part.get_content_disposition() == "attachment":
            attached.append(" ".join(str(filename or part.get_content_type()).split())[:200])
            continue
        if part.get_content_type() not in ("text/plain", "text/html"):
            continue
        content = _decoded(part)
        if content is None:
            continue
        if part.get_content_type() == "text/plain" and plain is None:
            plain = content
        elif part.get_content_type() == "text/html" and html is None:
            html = content
    text = plain if plain is not None else html_to_text(html or "")
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    body = "\n".join(kept).strip()
    if attached:
        body = f"{body}\n\n[Adjuntos: {', '.join(attached[:20])}]".strip()
    return body


class EmailConnector(Connector):
    kind = "email"
    config_class = EmailConfig

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"EmailConnector(user={self.config.username!r}, imap={self.config.imap_host!r})"

    # --- IMAP ----------------------------------------------------------------------------------
    @contextmanager
    def imap(self) -> Iterator[imaplib.IMAP4]:
        try:
            if self.config.imap_ssl:
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.config.imap_host,
                    self.config.imap_port,
                    ssl_context=ssl.create_default_context(),
                    timeout=self.config.timeout_s,
                )
            else:
                conn = imaplib.IMAP4(self.config.imap_host, self.config.imap_port, timeout=self.config.timeout_s)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(f"email: no se pudo conectar al servidor IMAP ({type(exc).__name__})") from None
        try:
            try:
                self._imap_login(conn)
            except imaplib.IMAP4.error:
                raise AuthExpired("email: el servidor IMAP rechazó usuario o contraseña") from None
            yield conn
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"email: conexión IMAP interrumpida ({exc})") from None
        except imaplib.IMAP4.error as exc:
            raise PermanentError(f"email: el servidor IMAP rechazó la orden ({exc})") from None
        except OSError as exc:
            raise TransientError(f"email: error de red IMAP ({type(exc).__name__})") from None
        finally:
            with suppress(OSError, imaplib.IMAP4.error):
                conn.logout()

    def _imap_login(self, conn: imaplib.IMAP4) -> None:
        user, password = self.config.username, secret(self.config.password)
        if f"{user}{password}".isascii():
            conn.login(user, password)
            return
        # imaplib's LOGIN encodes as ASCII: a password with ñ or € goes as SASL PLAIN in UTF-8 (RFC 4616).
        token = f"\0{user}\0{password}".encode()
        conn.authenticate("PLAIN", lambda _challenge: token)

    @staticmethod
    def _select(conn: imaplib.IMAP4, mailbox: str) -> int:
        status, _ = conn.select(_quote(mailbox), readonly=True)
        if status != "OK":
            raise PermanentError(f"email: no existe el buzón {mailbox!r}")
        _, data = conn.response("UIDVALIDITY")
        try:
            return int(data[0]) if data and data[0] else 0
        except (TypeError, ValueError):
            return 0

    @staticmethod
    def _fetch_raw(conn: imaplib.IMAP4, uid: int) -> bytes | None:
        status, data = conn.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[])")
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        cursor = dict(cursor or {})
        mentions: list[MentionIn] = []
        errors: list[str] = []
        with self.imap() as conn:
            validity = self._select(conn, self.config.mailbox)
            last = int(cursor.get("last_uid") or 0)
            if cursor.get("uidvalidity") not in (None, validity):
                last = 0  # the mailbox was rebuilt: UIDs restart; Message-IDs keep ingest deduplicated
            status, data = conn.uid("SEARCH", f"UID {last + 1}:*")
            if status != "OK":
                raise PermanentError("email: la búsqueda IMAP falló")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)
            limit = max(1, self.config.page_limit)
            for uid in uids[:limit]:
                raw = self._fetch_raw(conn, uid)
                if raw is None:
                    errors.append(f"email: no se pudo leer el mensaje UID {uid}")
                elif len(raw) > MAX_MESSAGE_BYTES:
                    errors.append(f"email: mensaje UID {uid} demasiado grande; se omitió")
                elif not self._own(raw):
                    try:
                        mentions.append(self.to_mention(raw, uid=uid, validity=validity))
                    except PayloadError as exc:
                        errors.append(exc.reason)
                last = uid  # even a bad message is passed: it would fail the same way forever
            cursor.update(uidvalidity=validity, last_uid=last)
            mentions = [self._threaded(conn, m) for m in mentions]
        return FetchResult(mentions=mentions, cursor=cursor, more=len(uids) > limit, errors=errors)

    def _own(self, raw: bytes) -> bool:
        """Our own answer (the envelope copy to from_address), not a customer's message."""
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message_id = _strip_id(str(headers.get("Message-ID") or "")) or ""
        sender = parseaddr(str(headers.get("From") or ""))[1].lower()
        return self._is_ours(message_id) and sender == self.config.from_address.lower()

    def _is_ours(self, message_id: str) -> bool:
        domain = self.config.from_address.rsplit("@", 1)[-1].lower()
        return bool(re.fullmatch(rf"cauce\.[0-9a-f]{{32}}@{re.escape(domain)}", message_id.lower()))

    def _threaded(self, conn: imaplib.IMAP4, mention: MentionIn) -> MentionIn:
        """A follow-up whose client named only our answer (In-Reply-To, no References) joins the
        thread that answer belongs to: our own copy of it says where the thread started."""
        parent = mention.in_reply_to
        if (mention.model_extra or {}).get("references") or not parent or not self._is_ours(parent):
            return mention
        for mailbox in self._own_copies():
            ours = self._find(conn, mailbox, parent)
            if ours is not None:
                root = next(iter(_references(ours)), None) or _strip_id(str(ours.get("In-Reply-To") or ""))
                if root:
                    return mention.model_copy(update={"conversation_id": root})
        return mention

    def _own_copies(self) -> list[str]:
        """The mailboxes where copies of our answers are kept."""
        boxes = [self.config.sent_mailbox] if self.config.sent_mailbox else []
        if self.config.copy_to_self:
            boxes.append(self.config.mailbox)
        return list(dict.fromkeys(boxes))

    def to_mention(self, raw: bytes, *, uid: int, validity: int) -> MentionIn:
        message = message_from_bytes(raw, policy=policy.default)
        name, address = parseaddr(str(message.get("From") or ""))
        if not address or "@" not in address:
            raise PayloadError(f"email: mensaje UID {uid} sin remitente válido")
        message_id = _strip_id(str(message.get("Message-ID") or "")) or f"imap:{validity}:{uid}"
        in_reply_to = _strip_id(str(message.get("In-Reply-To") or ""))
        refs = _references(message)
        try:
            created = parsedate_to_datetime(str(message.get("Date")))
        except (TypeError, ValueError, IndexError):
            created = datetime.now(UTC)
        subject = str(message.get("Subject") or "").strip()
        body = _body_text(message)
        text = f"{subject}\n\n{body}".strip() if subject else body
        return make_mention(
            {
                "id": message_id,
                "created_at": created,
                "channel": NETWORK,
                "brand": self.config.brand,
                "author": {"handle": address.lower(), "name": name or None},
                "text": text[:MAX_TEXT_CHARS],
                "in_reply_to": in_reply_to,
                "conversation_id": (refs[0] if refs else in_reply_to) or message_id,
                "private": True,
                "subject": subject[:500],
                "references": refs[:50],
                "imap_uid": uid,
            },
            network=NETWORK,
        )

    def _find(self, conn: imaplib.IMAP4, mailbox: str, message_id: str) -> Message | None:
        """The message with that Message-ID in the mailbox (None also when the mailbox does not exist)."""
        status, _ = conn.select(_quote(mailbox), readonly=True)
        if status != "OK":
            return None
        status, data = conn.uid("SEARCH", "HEADER", "Message-ID", _quote(f"<{message_id}>"))
        uids = (data[0] or b"").split() if status == "OK" and data else []
        if not uids:
            return None
        raw = self._fetch_raw(conn, int(uids[-1]))
        return message_from_bytes(raw, policy=policy.default) if raw else None

    # --- IMAP IDLE ---------------------------------------------------------------------------
    # RFC 2177: re-issue IDLE before 30 minutes, servers may drop an idle client after that.
    IDLE_RENEW_S = 25 * 60.0
    DONE_ANSWER_S = 30.0

    def watch(self, stop: threading.Event, on_news: Callable[[], None], *,
              last_uid: Callable[[], int] = lambda: 0, renew_s: float | None = None) -> None:
        """Idle on the mailbox until `stop` is set, calling `on_news` when a message arrives (and
        once at the start when the mailbox holds mail past `last_uid()`). Raises NotSupported when
        the server has no IDLE, and the usual connector errors when the connection fails."""
        with self.imap() as conn:
            if "IDLE" not in conn.capabilities:
                with suppress(imaplib.IMAP4.error):
                    conn.capabilities = tuple(str(conn.capability()[1][0], "ascii", "replace").upper().split())
            if "IDLE" not in conn.capabilities:
                raise NotSupported("email: el servidor IMAP no admite IDLE; el buzón se consulta periódicamente")
            self._select(conn, self.config.mailbox)
            _, data = conn.response("UIDNEXT")
            try:
                uidnext = int(data[0]) if data and data[0] else 0
            except (TypeError, ValueError):
                uidnext = 0
            if uidnext - 1 > last_uid():
                on_news()  # arrived while nobody was idling
            if conn.sock is not None:
                conn.sock.settimeout(None)  # idling is waiting: only DONE ends the read below
            count = 0
            while not stop.is_set():
                count += 1
                if self._idle_once(conn, stop, tag=f"CIDLE{count}".encode(),
                                   renew_s=self.IDLE_RENEW_S if renew_s is None else renew_s):
                    on_news()

    def _idle_once(self, conn: imaplib.IMAP4, stop: threading.Event, *, tag: bytes, renew_s: float) -> bool:
        """One IDLE command: True when the server announced new mail (EXISTS/RECENT)."""
        conn.send(tag + b" IDLE\r\n")
        while True:  # untagged updates may come before the continuation
            first = conn.readline()
            if not first:
                raise TransientError("email: el servidor cerró la conexión IMAP durante IDLE")
            if first.startswith(b"+"):
                break
            if first.startswith(tag):
                raise PermanentError(f"email: el servidor rechazó IDLE ({first.decode(errors='replace').strip()})")
        lines: queue.Queue[bytes | BaseException | None] = queue.Queue()

        def read() -> None:
            try:
                while True:
                    line = conn.readline()
                    lines.put(line or None)
                    if not line or line.startswith(tag):
                        return
            except BaseException as exc:
                lines.put(exc)

        reader = threading.Thread(target=read, name="imap-idle", daemon=True)
        reader.start()
        news = False
        deadline = time.monotonic() + renew_s
        done_at: float | None = None
        while True:
            if done_at is None and (news or stop.is_set() or time.monotonic() >= deadline):
                conn.send(b"DONE\r\n")
                done_at = time.monotonic()
            try:
                item = lines.get(timeout=0.25)
            except queue.Empty:
                if done_at is not None and time.monotonic() - done_at > self.DONE_ANSWER_S:
                    with suppress(OSError):
                        conn.shutdown()  # unblocks the reader; the connection is lost anyway
                    raise TransientError("email: el servidor IMAP no respondió a DONE") from None
                continue
            if item is None or isinstance(item, BaseException):
                raise TransientError("email: conexión IMAP interrumpida durante IDLE")
            if item.startswith(tag):
                reader.join(1.0)
                if not item[len(tag):].lstrip().upper().startswith(b"OK"):
                    raise PermanentError(f"email: IDLE terminó con error ({item.decode(errors='replace').strip()})")
                return news
            if re.match(rb"\* \d+ (EXISTS|RECENT)\b", item, re.IGNORECASE):
                news = True

    def test_connection(self) -> str:
        with self.imap() as conn:
            self._select(conn, self.config.mailbox)
        with self._smtp():
            pass  # connecting and logging in is the test
        return self.config.from_address

    # --- SMTP ----------------------------------------------------------------------------------
    @contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        user = self.config.smtp_username or self.config.username
        password = secret(self.config.smtp_password) or secret(self.config.password)
        try:
            if self.config.smtp_ssl:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.config.smtp_host,
                    self.config.smtp_port,
                    timeout=self.config.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                server = smtplib.SMTP(self.config.smtp_host, self.config.smtp_port, timeout=self.config.timeout_s)
            with server:
                server.ehlo()
                if self.config.smtp_starttls and not self.config.smtp_ssl:
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
                if user and password:
                    _smtp_login(server, user, password)
                yield server
        except smtplib.SMTPAuthenticationError:
            raise AuthExpired("email: el servidor SMTP rechazó usuario o contraseña") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"email: destinatario rechazado ({', '.join(exc.recipients)})") from None
        except smtplib.SMTPResponseException as exc:
            reason = f"email: el servidor SMTP respondió {exc.smtp_code}"
            if 400 <= exc.smtp_code < 500:
                raise TransientError(reason) from None
            raise PermanentError(reason, exc.smtp_code) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"email: error de conexión SMTP ({type(exc).__name__})") from None

    def _message_id(self, idempotency_key: str) -> str:
        domain = self.config.from_address.rsplit("@", 1)[-1]
        return f"cauce.{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}"

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        address = parseaddr(recipient)[1]
        if not address or "@" not in address or any(c in recipient for c in "\r\n"):
            raise PermanentError(f"email: dirección inválida {recipient[:80]!r}")
        existing = self.find_existing_reply(in_reply_to or "", idempotency_key)
        if existing is not None:
            return existing
        subject, references = "Respuesta a su solicitud", []
        if in_reply_to:
            with self.imap() as conn:
                original = self._find(conn, self.config.mailbox, in_reply_to)
            if original is not None:
                previous = str(original.get("Subject") or "").strip()
                subject = previous if previous.lower().startswith(("re:", "rv:")) else f"Re: {previous}"
                references = _references(original)
            references = [*references, in_reply_to][-20:]
        message = EmailMessage()
        message["From"] = formataddr((self.config.from_name or "", self.config.from_address))
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message_id = self._message_id(idempotency_key)
        message["Message-ID"] = f"<{message_id}>"
        if in_reply_to:
            message["In-Reply-To"] = f"<{in_reply_to}>"
            message["References"] = " ".join(f"<{r}>" for r in references)
        message.set_content(text)
        recipients = [address]
        if self.config.copy_to_self and self.config.from_address.lower() != address.lower():
            recipients.append(self.config.from_address)  # envelope only: the customer sees no Bcc
        with self._smtp() as server:
            _transmit(server, message, self.config.from_address, recipients)
        if self.config.sent_mailbox:
            self._append_sent(message)
        return SentItem(message_id, None)

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        """E-mail has no public side: the answer goes privately to the original sender."""
        with self.imap() as conn:
            original = self._find(conn, self.config.mailbox, in_reply_to)
        if original is None:
            raise PermanentError("email: no se encontró el mensaje a responder en el buzón")
        reply_to = str(original.get("Reply-To") or original.get("From") or "")
        addresses = [a for _, a in getaddresses([reply_to]) if a]
        if not addresses:
            raise PermanentError("email: el mensaje original no tiene remitente")
        return self.send_private(
            recipient=addresses[0], text=text, idempotency_key=idempotency_key, in_reply_to=in_reply_to
        )

    def _append_sent(self, message: EmailMessage) -> None:
        """Keep a copy in the sent folder, creating it when the server says it is missing (a fresh
        Dovecot has no "Sent": APPEND answers NO [TRYCREATE]). The answer is already sent: a copy
        that cannot be stored is logged, never reported as a failed send."""
        assert self.config.sent_mailbox
        box = _quote(self.config.sent_mailbox)
        try:
            with self.imap() as conn:
                status, data = conn.append(box, "(\\Seen)", None, message.as_bytes())
                if status != "OK" and b"TRYCREATE" in b" ".join(d for d in data if isinstance(d, bytes)).upper():
                    conn.create(box)
                    status, data = conn.append(box, "(\\Seen)", None, message.as_bytes())
                if status != "OK":
                    log.warning("email: no se pudo guardar la copia en %r: %r", self.config.sent_mailbox, data)
        except (TransientError, PermanentError, AuthExpired) as exc:
            log.warning("email: no se pudo guardar la copia en %r: %s", self.config.sent_mailbox, exc.reason)

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        message_id = self._message_id(idempotency_key)
        boxes = self._own_copies()
        if not boxes:
            return None
        with self.imap() as conn:
            for mailbox in boxes:
                if self._find(conn, mailbox, message_id) is not None:
                    return SentItem(message_id, None)
        return None


def _transmit(server: smtplib.SMTP, message: EmailMessage, sender: str, recipients: list[str]) -> None:
    """One SMTP transaction. The first recipient is the customer: when the server refuses her, the
    transaction is abandoned before DATA, so our own copy never proves an answer nobody received."""
    options = ["BODY=8BITMIME"] if server.has_extn("8bitmime") else []
    code, answer = server.mail(sender, options)
    if code != 250:
        server.rset()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    for position, rcpt in enumerate(recipients):
        code, answer = server.rcpt(rcpt)
        if code in (250, 251):
            continue
        if position == 0:
            server.rset()
            if 400 <= code < 500:
                raise smtplib.SMTPResponseException(code, answer)
            raise smtplib.SMTPRecipientsRefused({rcpt: (code, answer)})
        log.warning("email: el servidor no aceptó la copia para %s (%s)", rcpt, code)
    code, answer = server.data(message.as_bytes(policy=policy.SMTP))
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)


def _smtp_login(server: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's AUTH encodes as ASCII: a password with ñ or € goes as AUTH PLAIN in UTF-8 (RFC 4616)."""
    if f"{user}{password}".isascii():
        server.login(user, password)
        return
    if not server.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    code, answer = server.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, answer)


def _quote(value: str) -> str:
    if any(c in value for c in "\r\n\x00"):
        raise PermanentError("email: valor IMAP inválido")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
