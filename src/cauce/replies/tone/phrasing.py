"""§8: the brand's public voice stays civil — no sarcasm, irony, blame, argument or mockery."""

from __future__ import annotations

from cauce.replies.tone import lexicon
from cauce.replies.tone.normalize import find_phrase, words
from cauce.replies.tone.schemas import Finding, GuardContext, Severity


def _finding(rule: str, severity: Severity, message: str, suggestion: str) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, suggestion=suggestion)


def check(text: str, context: GuardContext) -> list[Finding]:
    folded = words(text)
    found: list[Finding] = []
    public = context.visibility == "public"

    if hit := find_phrase(lexicon.SARCASM, folded):
        found.append(_finding(
            "sarcasm", "block",
            f"Tono sarcástico o burlón («{hit}»). La ironía convierte una queja en una crisis (§8).",
            "Quita la frase irónica y di de forma directa qué vas a hacer por la persona."))
    elif hit := find_phrase(lexicon.LAUGHTER, folded):
        found.append(_finding(
            "sarcasm", "warn",
            f"Risa escrita («{hit}») en una respuesta de marca; ante una queja se lee como burla.",
            "Elimina la risa; si el mensaje es cordial, usa un «¡Qué bueno!» o un emoji amable."))

    if hit := find_phrase(lexicon.BLAME, folded):
        found.append(_finding(
            "blame-shifting", "block",
            f"Culpa a la persona («{hit}»). El playbook pide creerle primero al cliente (§4).",
            "Reemplázalo por una explicación neutra: «Te comparto el enlace donde está la "
            "información y revisamos juntos tu caso»."))

    if hit := find_phrase(lexicon.ARGUING, folded):
        found.append(_finding(
            "arguing", "block" if public else "warn",
            f"Discute o se defiende («{hit}»); en público nunca se discute con un cliente (§8).",
            "Reconoce lo que la persona vive y ofrece revisarlo: «Entendemos tu molestia; "
            "revisemos juntos lo ocurrido por DM»."))

    if hit := find_phrase(lexicon.PASSIVE_AGGRESSIVE, folded):
        found.append(_finding(
            "passive-aggressive", "warn",
            f"Frase pasivo-agresiva («{hit}»).",
            "Repite la información sin reproche, como si fuera la primera vez, y ofrece ayuda concreta."))

    emoji = [e for e in lexicon.MOCKING_EMOJI if e in text]
    claps = text.count(lexicon.CLAP)
    laughs = [e for e in lexicon.LAUGH_EMOJI if e in text]
    if emoji or claps >= 2:
        shown = " ".join(emoji) or lexicon.CLAP * claps
        found.append(_finding(
            "mocking-emoji", "block",
            f"Emoji que se lee como burla o desdén ({shown}).",
            "Quita el emoji; si quieres calidez, usa uno neutro como 🙂 o 🙏."))
    elif claps == 1 or laughs:
        shown = lexicon.CLAP if claps else " ".join(laughs)
        found.append(_finding(
            "mocking-emoji", "warn",
            f"El emoji {shown} puede leerse como burla en una conversación sobre un problema.",
            "Úsalo solo para celebrar algo positivo de la persona; si no, quítalo."))
    return found
