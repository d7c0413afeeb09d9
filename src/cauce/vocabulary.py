"""The domain vocabulary: the codes of PQR types, categories, roles, channels, states and intents,
with their Spanish labels (translated in templates with `_()`). Below every feature: reports,
exports and the web pages all name things with these."""

from __future__ import annotations

from enum import StrEnum

PQR_TYPES = {"peticion": "Petición", "queja": "Queja", "reclamo": "Reclamo", "sugerencia": "Sugerencia",
             "felicitacion": "Felicitación", "otro": "Otro"}
CATEGORIES = {"cobro": "Cobro", "entrega": "Entrega", "contrato": "Contrato", "producto": "Producto",
              "atencion": "Atención", "garantia": "Garantía", "otro": "Otro"}
ROLES = {"cliente": "Cliente", "hostil": "Hostil", "troll": "Troll (propuesto)", "ninguno": "Sin rol"}
FLAGS = {"abusive": "Insultos", "threat": "Amenaza", "legal_risk": "Riesgo legal"}
CHANNELS = {"twitter": "X / Twitter", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
            "bluesky": "Bluesky", "youtube": "YouTube", "tiktok": "TikTok", "telegram": "Telegram",
            "rss": "Web / blogs", "blog": "Blog", "web": "Web", "email": "Correo", "whatsapp": "WhatsApp",
            "demo": "Demo"}
SLA_STATES = {"ok": "A tiempo", "warning": "Por vencer", "breached": "Vencido", "met": "Cumplido",
              "met_late": "Cumplido tarde"}
REPLY_STATES = {"queued": "En cola", "sending": "Enviando", "sent": "Enviada", "failed": "Falló",
                "recorded": "Registrada"}
VISIBILITY = {"public": "Pública", "private": "Privada"}
MODERATION_ACTIONS = {"warn": "Advertir", "hide": "Ocultar", "block": "Bloquear", "mute": "Silenciar",
                      "label_troll": "Etiquetar como troll", "unhide": "Mostrar de nuevo",
                      "unmute": "Quitar silencio", "ban": "Expulsar"}
MODERATION_STATUS = {"proposed": "Propuesta", "applied": "Aplicada", "appealed": "Apelada",
                     "reversed": "Revertida", "refused": "Rechazada",
                     "upheld": "Apelación rechazada"}
INTENTS = {
    "first_reply": "Primera respuesta pública",
    "request_data_private": "Pedir datos por privado",
    "move_to_private": "Pasar a privado",
    "redirect_channel": "Indicar el canal correcto",
    "investigation_update": "Avance de la investigación",
    "resolution_at_fault": "Solución: la empresa falló",
    "resolution_not_at_fault": "Solución: la empresa no falló",
    "rejection_with_explanation": "Rechazo con explicación",
    "follow_up": "Seguimiento",
    "satisfaction_request": "Pedir calificación",
    "firm_warning": "Advertencia firme",
    "troll_first_reply": "Primera respuesta a troll",
}
ANGER_CHIP_AT = 0.6
# Bulk actions on several cases of the inbox (cauce.cases.bulk).
BULK_ACTIONS = {"assign": "Asignar a", "tag": "Etiquetar", "close": "Cerrar", "area": "Mover al área"}


def label(mapping: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return mapping.get(code, code)


class JobRole(StrEnum):
    """What a background job does; `CAUCE_JOBS` lists the roles a process runs (see cauce.runtime)."""

    outbox = "outbox"    # deliver queued replies
    poll = "poll"        # poll due channels
    stream = "stream"    # keep streaming channels connected
    sweep = "sweep"      # SLA, identity, retention, audit checkpoint, crisis watch
    metrics = "metrics"  # refresh the metrics of open cases' mentions
    retrain = "retrain"  # retrain triage adapters from agents' corrections

# Notifications a user receives (in the app and/or by e-mail), with what they mean.
NOTIFICATION_KINDS = {
    "case_assigned": "Me asignaron un caso",
    "sla_warning": "Un caso mío está por vencer",
    "crisis": "Crisis abierta en mi marca",
    "appeal": "Apelación de moderación (supervisores)",
}
# Team actions the «Actividad» page lists (audit actions; `moderation.` covers every moderation act).
ACTIVITY_ACTIONS = {
    "reply.queued": "Respuesta enviada",
    "reply.recorded": "Respuesta registrada",
    "case.cerrado": "Caso cerrado",
    "case.descartado": "Caso descartado",
    "case.assigned": "Asignación",
    "case.note_added": "Nota",
    "moderation.": "Moderación",
}
