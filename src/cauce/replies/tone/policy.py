"""Channel and thread policy: §7 (trolls get one public reply), §8 (move heated threads to
private) and each network's length limit."""

from __future__ import annotations

from cauce.replies.tone import lexicon
from cauce.replies.tone.channels import channel_length, limit_for
from cauce.replies.tone.normalize import phrase_pattern, words
from cauce.replies.tone.schemas import Finding, GuardContext


def check_length(text: str, context: GuardContext) -> list[Finding]:
    limit = limit_for(context.channel)
    length = channel_length(text, context.channel)
    if limit is None or length <= limit:
        return []
    return [Finding(
        rule="channel-length", severity="block",
        message=f"La respuesta tiene {length} caracteres y {context.channel} admite {limit}.",
        suggestion=f"Acórtala en {length - limit} caracteres o continúa la conversación por privado.")]


def check_thread(text: str, context: GuardContext) -> list[Finding]:
    if context.visibility != "public":
        return []
    if context.author_role == "troll" and context.troll_confirmed and context.public_replies_sent >= 1:
        return [Finding(
            rule="troll-second-public", severity="block",
            message=("Esta persona es un troll confirmado y ya recibió una respuesta pública; las "
                     "siguientes deben ser privadas (§7)."),
            suggestion="Envía esta respuesta por mensaje privado o no respondas en público.")]
    if context.should_be_private and not phrase_pattern(lexicon.PRIVATE_CHANNEL).search(words(text)):
        return [Finding(
            rule="should-be-private", severity="warn",
            message=("La conversación está caldeada, es abusiva o requiere datos confidenciales: "
                     "debe seguir por privado (§8)."),
            suggestion="Responde invitando a continuar por DM, correo o teléfono, sin discutir el fondo en público.")]
    return []
