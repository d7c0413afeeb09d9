"""Notification e-mails through real servers: Debian's Postfix (SMTP submission with SASL) hands them
to Dovecot over LMTP, and the test reads each agent's mailbox over IMAP (tests/connectors/realnet/mailnet.py).

Cauce sends with the installation's CAUCE_SMTP_* settings (here: the private Postfix, authenticated as
the support mailbox). Set CAUCE_SKIP_REALNET=1 to skip; without the packages or root it is skipped.
"""

from __future__ import annotations

import imaplib
import os
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message

import pytest

from cauce.audit.service import Actor
from cauce.cases import service as cases
from cauce.db import Database
from cauce.notifications import service as notifications
from connectors.realnet import mailnet
from notify_world import build

SENDER = mailnet.Account("avisos@marca.example", "clave-avisos-2026")
LAURA = mailnet.Account("laura@marca.example", "clave-laura-2026")
PEDRO = mailnet.Account("pedro@marca.example", "clave-pedro-2026")

pytestmark = pytest.mark.skipif(os.environ.get("CAUCE_SKIP_REALNET") == "1", reason="CAUCE_SKIP_REALNET=1")


@pytest.fixture(scope="module")
def net() -> Iterator[mailnet.MailNet]:
    why = mailnet.unavailable()
    if why is not None:
        pytest.skip(why)
    with mailnet.running((SENDER, LAURA, PEDRO)) as running:
        yield running


@pytest.fixture(autouse=True)
def empty_mailboxes(net: mailnet.MailNet) -> None:
    """The servers live for the module (both database variants): each test starts with empty inboxes."""
    for account in (SENDER, LAURA, PEDRO):
        conn = imaplib.IMAP4("127.0.0.1", net.imap_port, timeout=30)
        conn.login(account.address, account.password)
        try:
            _, data = conn.select("INBOX")
            if int((data[0] or b"0").decode()):
                conn.store("1:*", "+FLAGS", "\\Deleted")
                conn.expunge()
        finally:
            conn.logout()


def _inbox(net: mailnet.MailNet, account: mailnet.Account) -> list[Message]:
    conn = imaplib.IMAP4("127.0.0.1", net.imap_port, timeout=30)
    conn.login(account.address, account.password)
    try:
        conn.select("INBOX", readonly=True)
        _, data = conn.search(None, "ALL")
        found = []
        for num in (data[0] or b"").split():
            _, fetched = conn.fetch(num.decode(), "(BODY.PEEK[])")
            raw = next(item[1] for item in fetched if isinstance(item, tuple))
            found.append(message_from_bytes(raw, policy=policy.default))
        return found
    finally:
        conn.logout()


def _wait_for(net: mailnet.MailNet, account: mailnet.Account, count: int, timeout_s: float = 30.0) -> list[Message]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _inbox(net, account)
        if len(found) >= count:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{account.address}: expected {count} messages, got {len(_inbox(net, account))}\n{net.log()}")


def test_notification_emails_reach_the_agents_real_mailboxes_once(db: Database, net: mailnet.MailNet,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(net.smtp_port)), ("FROM", SENDER.address),
                        ("USER", SENDER.address), ("PASSWORD", SENDER.password)):
        monkeypatch.setenv(f"CAUCE_SMTP_{name}", value)
    w = build(db)
    with db.session() as s:
        notifications.set_preferences(s, user_id=w.agent_a, choices={"case_assigned": (True, True)})
        cases.assign(s, case_id=w.case_a, actor=Actor.user(w.super_a, "Valentina Ríos"), user_id=w.agent_a)
        notifications.on_crisis_opened(s, crisis=_Crisis(4242, w.brand_a, "Pico de quejas de «cobro»"),
                                       brand_name="Conectel")
    started = time.perf_counter()
    with db.session() as s:
        result = notifications.deliver_emails(s, base_url="https://cauce.marca.example")
    elapsed = time.perf_counter() - started
    # Laura: the assignment (she asked for it by e-mail) and the crisis; Pedro, Valentina and the admin: the
    # crisis (assignment e-mails are off by default). Brand B's Beto and Sara: nothing (cross-brand).
    assert (result.sent, result.failed) == (5, 0), result
    laura = _wait_for(net, LAURA, 2)
    subjects = sorted(str(m["Subject"]) for m in laura)
    assert subjects == sorted(["[Cauce] Crisis en Conectel: Pico de quejas de «cobro»",
                               f"[Cauce] Se le asignó el caso #{w.case_a}: " + _title(db, w.case_a)])
    assigned = next(m for m in laura if "asignó" in str(m["Subject"]))
    body = assigned.get_content()
    assert f"https://cauce.marca.example/cases/{w.case_a}" in body and "/notifications/settings" in body
    assert assigned["Auto-Submitted"] == "auto-generated" and assigned["From"] == SENDER.address
    pedro = _wait_for(net, PEDRO, 1)
    assert [str(m["Subject"]) for m in pedro] == ["[Cauce] Crisis en Conectel: Pico de quejas de «cobro»"]
    # A second sweep sends nothing again.
    with db.session() as s:
        again = notifications.deliver_emails(s, base_url="https://cauce.marca.example")
    assert again.sent == 0
    time.sleep(1.0)
    assert len(_inbox(net, LAURA)) == 2 and len(_inbox(net, PEDRO)) == 1
    print(f"notification e-mails: {result.sent} sent through Postfix in {elapsed:.2f} s")


class _Crisis:
    def __init__(self, crisis_id: int, brand_id: int, title: str) -> None:
        self.id, self.brand_id, self.title = crisis_id, brand_id, title


def _title(db: Database, case_id: int) -> str:
    with db.read_session() as s:
        return cases.get(s, case_id=case_id).title
