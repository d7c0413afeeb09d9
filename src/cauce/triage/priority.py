"""Priority 0–100 and the Spanish reasons that explain it (every case shows *why*)."""

from __future__ import annotations

from cauce.triage.doc import Doc

_CATEGORY_NAMES = {
    "cobro": "cobros", "entrega": "entrega", "contrato": "contrato", "producto": "producto o servicio",
    "atencion": "atención", "garantia": "garantía", "otro": "otro tema",
}
_ROLE_REASONS = {
    "hostil": "posible usuario hostil (por confirmar)",
    "troll": "posible troll (por confirmar; primera respuesta pública, luego privado)",
}
_FAST_GROWTH = 20.0  # interactions per hour that make a post an emerging crisis
_BIG_AUDIENCE = 10_000
IRRELEVANT_WEIGHT = 0.3  # share of its priority an irrelevant mention keeps


def format_count(value: int) -> str:
    """120000 -> "120 k", 1500000 -> "1,5 M", 2500 -> "2,5 k" (Spanish decimal comma)."""
    def short(number: float) -> str:
        text = f"{number:.1f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")

    if value >= 1_000_000:
        return f"{short(value / 1_000_000)} M"
    if value >= 10_000:
        return f"{round(value / 1000)} k"
    if value >= 1000:
        return f"{short(value / 1000)} k"
    return str(value)


def score(doc: Doc) -> tuple[int, list[str]]:
    impact = doc.impact
    reasons: list[str] = []
    points = 0.0
    if doc.threat:
        points += 30
        reasons.append("amenaza")
    if doc.legal_risk:
        points += 18
        reasons.append("riesgo legal")
    if doc.abusive:
        points += 6
        reasons.append("insultos o lenguaje ofensivo")
    if doc.is_complaint:
        points += 18 + 12 * doc.complaint_score
        topic = _CATEGORY_NAMES.get(doc.category or "otro", "otro tema")
        reasons.append(f"{doc.pqr_type}: {topic}")
    elif doc.pqr_type == "peticion":
        points += 12
        reasons.append("petición de información o ayuda")
    if doc.sarcasm and doc.is_complaint:
        reasons.append("queja con sarcasmo")
    if doc.anger >= 0.6:
        points += 12 * doc.anger
        reasons.append("enojo alto")
    elif doc.anger >= 0.3:
        points += 6 * doc.anger
    unanswered = doc.history.unanswered_count
    if unanswered:
        points += min(unanswered, 4) * 4
        noun = "mensaje" if unanswered == 1 else "mensajes"
        reasons.append(f"{unanswered} {noun} sin respuesta")
    if impact is not None:
        points += 14 * impact.reach + 16 * impact.velocity
        if impact.followers >= _BIG_AUDIENCE:
            reasons.append(f"autor con {format_count(impact.followers)} seguidores")
        if impact.on_own_page and doc.is_complaint:
            reasons.append("en la página de la marca: lo ve la comunidad")
        if impact.engagement_per_hour >= _FAST_GROWTH:
            reasons.append(f"crece rápido: +{round(impact.engagement_per_hour)} interacciones/h")
    if doc.author_role in _ROLE_REASONS:
        reasons.append(_ROLE_REASONS[doc.author_role])
    if doc.pqr_type == "felicitacion":
        reasons.append("felicitación")
    if not doc.relevant:
        # Not about this brand: it stays visible but low; a threat is never lowered (safety first).
        if not doc.threat:
            points *= IRRELEVANT_WEIGHT
        reasons.insert(0, "no relevante para la marca" + (f" ({doc.relevance_reasons[0]})"
                                                          if doc.relevance_reasons else ""))
    if not reasons:
        reasons.append("sin señales de queja ni de riesgo")
    return max(0, min(100, round(points))), reasons


class PriorityScorer:
    name = "priority"

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            doc.priority, doc.reasons = score(doc)
