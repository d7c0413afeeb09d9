"""Crisis alerts: a webhook POST (JSON) and/or an e-mail through SMTP.

Targets come from the brand's playbook policy (`crisis.webhook_url`, `crisis.email_to`) or, for
the whole installation, from CAUCE_CRISIS_WEBHOOK_URL and CAUCE_CRISIS_EMAIL_TO. SMTP settings:
the installation's CAUCE_SMTP_* settings, sent by the same mailer as the notification e-mails
(cauce.notifications.mailer). A failed alert is recorded on the crisis, never raised.
"""

from __future__ import annotations

import smtplib
from typing import Any

import httpx

from cauce.config import get_settings
from cauce.db import utcnow
from cauce.notifications import mailer
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
    result: dict[str, Any] = {"channel": "email", "target": ", ".join(to), "at": utcnow().isoformat()}
    try:
        mailer.send(", ".join(to), subject, body, timeout_s=TIMEOUT_SECONDS)
        return result | {"ok": True, "error": None}
    except mailer.MailNotConfigured as exc:
        return result | {"ok": False, "error": str(exc)}
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
