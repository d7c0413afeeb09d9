"""check_reply: run every tone-guard rule on a reply and combine them into one verdict."""

from __future__ import annotations

from collections.abc import Callable

from cauce.mentions.text import clean_text
from cauce.replies.tone import automatic, personal_data, personal_touch, phrasing, policy
from cauce.replies.tone.automatic import Embedder
from cauce.replies.tone.schemas import Finding, GuardContext, GuardVerdict, VerdictName

# Beyond any network's limit; longer texts are only measured, not scanned phrase by phrase.
MAX_SCANNED_CHARS = 20_000

Rule = Callable[[str, GuardContext], list[Finding]]

RULES: tuple[Rule, ...] = (
    personal_data.check,
    phrasing.check,
    personal_touch.check_greeting_and_signature,
    personal_touch.check_apology,
    personal_touch.check_voice,
    policy.check_thread,
)

# Stable ids, for documentation, the API and the labelled set.
RULE_IDS: tuple[str, ...] = (
    "empty-reply", "public-personal-data", "sarcasm", "blame-shifting", "arguing",
    "passive-aggressive", "mocking-emoji", "missing-greeting", "missing-signature",
    "missing-apology", "timid-apology", "voice-mixed", "looks-automatic", "troll-second-public",
    "should-be-private", "channel-length",
)


def check_reply(text: str, context: GuardContext | None = None, *,
                embedder: Embedder | None = None) -> GuardVerdict:
    """Verdict on a reply before it is sent: ok, warn (send with care) or block (needs override)."""
    if not isinstance(text, str):
        raise TypeError("check_reply espera el texto de la respuesta como str")
    context = context or GuardContext()
    text = clean_text(text)
    if not text.strip():
        return GuardVerdict(verdict="block", findings=[Finding(
            rule="empty-reply", severity="block", message="La respuesta está vacía.",
            suggestion="Escribe la respuesta antes de enviarla.")])
    findings = policy.check_length(text, context)
    scanned = text[:MAX_SCANNED_CHARS]
    for rule in RULES:
        findings.extend(rule(scanned, context))
    findings.extend(automatic.check(scanned, context, embedder))
    verdict: VerdictName
    if any(f.severity == "block" for f in findings):
        verdict = "block"
    elif findings:
        verdict = "warn"
    else:
        verdict = "ok"
    # Blocks first so the UI shows what stops sending at the top.
    findings.sort(key=lambda f: f.severity != "block")
    return GuardVerdict(verdict=verdict, findings=findings)
