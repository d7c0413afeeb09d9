"""§3 and §5.2: a person answers a person — name, signature, a direct apology, one voice."""

from __future__ import annotations

import re

from cauce.replies.tone import lexicon
from cauce.replies.tone.normalize import find_phrase, first_name, phrase_pattern, words
from cauce.replies.tone.schemas import Finding, GuardContext, Severity


def _has_word(folded: str, needle: str) -> bool:
    return bool(needle) and re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", folded) is not None


def _greets(folded: str, context: GuardContext) -> bool:
    name = first_name(context.recipient_name)
    handle = words(context.recipient_handle or "").lstrip("@")
    return (name is not None and _has_word(folded, name)) or (bool(handle) and _has_word(folded, handle))


def check_greeting_and_signature(text: str, context: GuardContext) -> list[Finding]:
    folded = words(text)
    found: list[Finding] = []
    if (context.recipient_name or context.recipient_handle) and not _greets(folded, context):
        who = context.recipient_name or context.recipient_handle
        found.append(Finding(
            rule="missing-greeting", severity="warn",
            message="La respuesta no saluda a la persona por su nombre ni por su @usuario (§3).",
            suggestion=f"Empieza con «Hola, {who}» para que la persona se sienta escuchada."))
    agent = first_name(context.agent_name)
    if agent and not _has_word(folded, agent):
        found.append(Finding(
            rule="missing-signature", severity="warn",
            message="Falta la firma con el nombre de pila de quien responde (§3).",
            suggestion=f"Cierra con tu nombre, por ejemplo «— {context.agent_name}»."))
    return found


def check_apology(text: str, context: GuardContext) -> list[Finding]:
    """Timid apology blocks when the company is at fault: §5.2 says it makes things worse,
    and the fix (say sorry plainly) costs the agent ten seconds. Elsewhere it only warns."""
    folded = words(text)
    timid = list(phrase_pattern(lexicon.TIMID_APOLOGY).finditer(folded))
    if timid:
        severity: Severity = "block" if context.at_fault else "warn"
        return [Finding(
            rule="timid-apology", severity=severity,
            message=(f"Disculpa tímida o condicional («{timid[0].group(0)}»): pone en duda el "
                     "problema de la persona" + (" y la empresa sí falló (§5.2)." if context.at_fault
                                                   else ".")),
            suggestion="Discúlpate de forma directa: «Te pedimos disculpas: nos equivocamos con tu "
                       "pedido y ya lo estamos corrigiendo».")]
    if context.at_fault and not find_phrase(lexicon.APOLOGY, folded):
        return [Finding(
            rule="missing-apology", severity="warn",
            message="El caso está marcado como error de la empresa y la respuesta no pide disculpas (§5.2).",
            suggestion="Incluye una disculpa fuerte y directa, y explica qué se hará para corregirlo.")]
    return []


def check_voice(text: str, context: GuardContext) -> list[Finding]:
    if context.language != "es":
        return []
    folded = words(text)
    tu = find_phrase(lexicon.TU_MARKERS, folded)
    usted = find_phrase(lexicon.USTED_MARKERS, folded)
    wrong: str | None = None
    if context.voice == "tu" and usted:
        wrong = f"La marca tutea, pero la respuesta usa «usted» («{usted}»)."
    elif context.voice == "usted" and tu:
        wrong = f"La marca trata de usted, pero la respuesta tutea («{tu}»)."
    elif context.voice is None and tu and usted:
        wrong = f"La respuesta mezcla tú («{tu}») y usted («{usted}»)."
    if wrong is None:
        return []
    target = "usted" if context.voice == "usted" else "tú"
    return [Finding(rule="voice-mixed", severity="warn", message=wrong,
                    suggestion=f"Usa un solo trato en todo el mensaje ({target}), como define la marca.")]
