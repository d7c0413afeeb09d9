"""Plain-text e-mail through the installation's SMTP server.

The same settings the crisis alerts use (cauce.playbook.alerts): CAUCE_SMTP_HOST, CAUCE_SMTP_PORT (25),
CAUCE_SMTP_FROM, CAUCE_SMTP_USER, CAUCE_SMTP_PASSWORD, CAUCE_SMTP_STARTTLS, typed in cauce.config.
Read at send time, so a changed environment needs no restart of the sweep.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from cauce.config import get_settings

TIMEOUT_SECONDS = 10.0


class MailNotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "cauce@localhost"
    user: str | None = None
    password: str = ""
    starttls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        config = get_settings()
        host = (config.smtp_host or "").strip()
        if not host:
            return None
        return cls(host=host, port=config.smtp_port, sender=config.smtp_from, user=config.smtp_user or None,
                   password=config.smtp_password, starttls=config.smtp_starttls)


def send(to: str, subject: str, body: str, *, settings: SmtpSettings | None = None,
         timeout_s: float = TIMEOUT_SECONDS) -> str:
    """Send one message; returns its Message-ID. Raises OSError/SMTPException on failure."""
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise MailNotConfigured("CAUCE_SMTP_HOST no está configurado")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "cauce.local")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the robot
    message.set_content(body)
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout_s) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)
    return str(message["Message-ID"])
