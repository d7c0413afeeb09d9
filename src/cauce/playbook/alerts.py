"""Crisis alerts: a webhook POST (JSON) and/or an e-mail through SMTP.

Targets come from the brand's playbook policy (`crisis.webhook_url`, `crisis.email_to`) or, for
the whole installation, from CAUCE_CRISIS_WEBHOOK_URL and CAUCE_CRISIS_EMAIL_TO. SMTP settings:
CAUCE_SMTP_HOST, CAUCE_SMTP_PORT (25), CAUCE_SMTP_FROM, CAUCE_SMTP_USER, CAUCE_SMTP_PASSWORD,
CAUCE_SMTP_STARTTLS=1. A failed alert is recorded on the crisis, never raised.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import httpx

from cauce.config import get_settings
from cauce.db import utcnow
from cauce.playbook.policy import CrisisPolicy

TIMEOUT_SECONDS = 5.0


def targets(policy: CrisisPolicy) -> tuple[list[str], list[str]]:
    hooks = [u for u in (policy.webhook_url, get_settings().crisis_webhook_url) if u]
    mails = list(policy.email_to) or get_settings().crisis_emails
    return list(dict.fromkeys(hooks)), mails


def _post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT_SECONDS,
                              headers={"User-Agent": "Cauce crisis alert"})
        ok = 200 <= response.status_code < 300
        return {"channel": "webhook", "target": url, "ok": ok,
                "error": None if ok else f"HTTP {response.status_code}", "at": utcnow().isoformat()}
    except httpx.HTTPError as exc:
        return {"channel": "webhook", "target": url, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:300],
                "at": utcnow().isoformat()}


def _mail(to: list[str], subject: str, body: str) -> dict[str, Any]:
    settings = get_settings()
    host = settings.smtp_host
    result: dict[str, Any] = {"channel": "email", "target": ", ".join(to), "at": utcnow().isoformat()}
    if not host:
        return result | {"ok": False, "error": "CAUCE_SMTP_HOST no está configurado"}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message.set_content(body)
    try:
        with smtplib.SMTP(host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            user = settings.smtp_user
            if user:
                smtp.login(user, settings.smtp_password)
            smtp.send_message(message)
        return result | {"ok": True, "error": None}
    except (OSError, smtplib.SMTPException) as exc:
        return result | {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def send(policy: CrisisPolicy, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Send the alert to every configured target; returns one delivery record per target."""
    hooks, mails = targets(policy)
    results = [_post(url, payload) for url in hooks]
    if mails:
        subject = f"[Cauce] {payload['title']}"
        body = "\n".join([payload["title"], "", *payload.get("signals", []), "",
                          f"Marca: {payload['brand']}", f"Detectada: {payload['detected_at']}",
                          f"Casos vinculados: {payload.get('linked_cases', 0)}"])
        results.append(_mail(mails, subject, body))
    return results
