"""Case states and the transitions allowed between them.

nuevo → primera_respuesta → en_investigacion → respondido → seguimiento → cerrado,
plus descartado (spam / not for us) and reabierto. No path skips the first response, and
closing needs a recorded outcome.
"""

from __future__ import annotations

STATES: dict[str, str] = {
    "nuevo": "Nuevo",
    "primera_respuesta": "Primera respuesta",
    "en_investigacion": "En investigación",
    "respondido": "Respondido",
    "seguimiento": "Seguimiento",
    "cerrado": "Cerrado",
    "descartado": "Descartado",
    "reabierto": "Reabierto",
}

OPEN_STATES = frozenset({"nuevo", "primera_respuesta", "en_investigacion", "respondido", "seguimiento", "reabierto"})
# Open states in which the next move is the customer's, once everything they wrote has an answer
# (an answer given, data asked for, a follow-up scheduled). The queue puts these after the cases
# that wait for us.
WAITING_ON_CUSTOMER_STATES = frozenset({"primera_respuesta", "respondido", "seguimiento"})


def waiting_on_us(status: str, unanswered_count: int) -> bool:
    """Whether the team owes the next move: something the customer wrote is unanswered, or the
    state itself is ours (new, reopened, under investigation)."""
    return unanswered_count > 0 or status not in WAITING_ON_CUSTOMER_STATES

TRANSITIONS: dict[str, frozenset[str]] = {
    "nuevo": frozenset({"primera_respuesta", "descartado"}),
    "primera_respuesta": frozenset({"en_investigacion", "respondido", "descartado"}),
    "en_investigacion": frozenset({"respondido"}),
    "respondido": frozenset({"seguimiento", "cerrado", "en_investigacion"}),
    "seguimiento": frozenset({"cerrado", "reabierto"}),
    "cerrado": frozenset({"reabierto"}),
    "descartado": frozenset({"reabierto"}),
    "reabierto": frozenset({"en_investigacion", "respondido"}),
}

OUTCOMES: dict[str, str] = {
    "at_fault": "La empresa falló",
    "not_at_fault": "La empresa no falló",
    "not_applicable": "No aplica",
}


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def why_not(current: str, target: str) -> str:
    """A sentence an agent can act on, for a refused transition."""
    if target not in STATES:
        return f"Estado desconocido: {target!r}. Estados válidos: {', '.join(STATES)}."
    if current == "nuevo" and target in {"en_investigacion", "respondido", "seguimiento", "cerrado"}:
        return "Primero hay que dar la primera respuesta pública (PLAYBOOK §3); no se puede saltar."
    options = ", ".join(STATES[s] for s in sorted(TRANSITIONS.get(current, ())))
    return f"No se puede pasar de «{STATES[current]}» a «{STATES[target]}». Desde aquí: {options}."
