"""draft(): a playbook-compliant reply for an intent, from templates (default) or an LLM."""

from __future__ import annotations

import hashlib
import random
import re
import string
from collections.abc import Mapping

from cauce.errors import InvalidInput
from cauce.replies.drafts import llm
from cauce.replies.drafts.fit import Parts, fit
from cauce.replies.drafts.regional import SIGNATURES, SIGNATURES_EN, Regional, regional_for
from cauce.replies.drafts.schemas import INTENTS, Draft, DraftContext
from cauce.replies.drafts.templates import IntentTemplates, Library, Variant, library_for
from cauce.replies.drafts.topic import extract_topic
from cauce.replies.drafts.wording import (
    VOSEO_COUNTRIES,
    apply_voseo,
    capitalise,
    greeting_name,
    pick_voice,
)
from cauce.replies.tone import GuardContext, check_reply
from cauce.replies.tone.automatic import DUPLICATE_THRESHOLD, closest_duplicate

# Keep drafts clearly apart from recent replies, not just under the guard's line.
_VARIETY_MARGIN = 8.0
# Random draws of variant, wordings, greeting, closing and signature tried per draft (~0.3 ms each).
_ROUNDS = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+\d][\d\s().-]{6,}$")
_CONTRACTION = re.compile(r"\b([Dd]e|[Aa]) el\b")

_DATA_ES = {
    "entrega": "el número de pedido",
    "cobro": "el número de factura y la fecha del cobro",
    "contrato": "el número de contrato o de línea",
    "producto": "el número de pedido y una foto del producto",
    "garantia": "el número de pedido y una foto de la falla",
    "atencion": "el número de radicado, si [lo tienes|lo tiene]",
}
_DEFAULTS_ES = {
    "area": "atención al cliente",
    "items": "revisamos [tu|su] caso completo y corregimos el error",
    "cause": "cometimos un error al gestionar [tu|su] caso",
    "remedy": "no [tendrás|tendrá] que pagar nada por esta corrección",
    "scope": "el servicio funcionó dentro de las condiciones contratadas",
    "url": "nuestra página de ayuda",
    "improvement": "revisamos el proceso con el equipo responsable",
    "right_channel": "nuestra línea de atención",
    "data": "[tu|su] nombre completo y un teléfono de contacto",
}
_DEFAULTS_EN = {
    "area": "customer care", "items": "we reviewed your case and corrected the error",
    "cause": "we made a mistake handling your case", "remedy": "you won't pay anything for this correction",
    "scope": "the service worked within the contracted terms", "url": "our help page",
    "improvement": "we reviewed the process with the team in charge",
    "right_channel": "our support line", "data": "your full name and a contact phone",
}
# Crisis mode: what the incident touches (by crisis category), what is known, when the next update is.
_INCIDENT_ES = {"cobro": "los cobros", "entrega": "las entregas", "contrato": "los contratos y las líneas",
                "producto": "el servicio", "garantia": "las garantías", "atencion": "la atención"}
_INCIDENT_EN = {"cobro": "billing", "entrega": "deliveries", "contrato": "contracts and lines",
                "producto": "the service", "garantia": "warranty claims", "atencion": "our support lines"}
# Alternative wordings (drawn per draft, so a crisis' many replies do not read alike).
_CRISIS_DEFAULTS_ES = {
    "known": ("el equipo técnico ya trabaja en la solución", "ya hay un equipo dedicado a corregirlo",
              "el arreglo ya está en curso"),
    "next_update": ("en dos horas", "antes de dos horas", "dentro de dos horas"),
}
_CRISIS_DEFAULTS_EN = {
    "known": ("our technical team is already working on a fix", "a dedicated team is on it",
              "the fix is already under way"),
    "next_update": ("within two hours", "in two hours", "in the next two hours"),
}
# Fact behind each placeholder, to warn the agent when a generic text stood in for it.
_FACT_OF = {"items": "at_fault_items", "cause": "cause", "remedy": "remedy", "scope": "explanation", "url": "info_url",
            "improvement": "improvement", "right_channel": "right_channel", "prevention": "prevention"}


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _private_phrase(channel_hint: str | None, regional: Regional, language: str) -> str:
    hint = (channel_hint or "").strip()
    if not hint or hint.lower() in {"dm", "md", "mensaje directo", "mensaje privado", "privado"}:
        return regional.dm
    if _EMAIL.match(hint):
        return f"at {hint}" if language == "en" else f"al correo {hint}"
    if _PHONE.match(hint):
        return f"at {hint}" if language == "en" else f"al teléfono {hint}"
    if "whatsapp" in hint.lower():
        return "on WhatsApp" if language == "en" else "por WhatsApp"
    return f"via {hint}" if language == "en" else f"por {hint}"


def _join_items(items: list[str], language: str) -> str:
    clean = [i.strip().rstrip(".") for i in items if i and i.strip()]
    if len(clean) <= 1:
        return clean[0] if clean else ""
    conj = " and " if language == "en" else " y "
    return ", ".join(clean[:-1]) + conj + clean[-1]


def _values(context: DraftContext, visibility: str, topic: str) -> tuple[_Values, set[str]]:
    """Placeholder values, and which of them are real case facts (not generic fallbacks)."""
    f = context.facts
    en = context.language == "en"
    defaults = _DEFAULTS_EN if en else {k: pick_voice(v, context.voice) for k, v in _DEFAULTS_ES.items()}
    regional = regional_for(context.country, context.language)
    data = _DATA_ES.get(f.category or "", defaults["data"]) if not en else defaults["data"]
    real = {
        "area": f.area, "items": _join_items(f.at_fault_items, context.language) or None,
        "scope": f.explanation.rstrip(".") if f.explanation else None, "url": f.info_url,
        "improvement": f.improvement.rstrip(".") if f.improvement else None,
        "right_channel": f.right_channel, "prevention": f.prevention.rstrip(".") if f.prevention else None,
        "cause": f.cause.rstrip(".") if f.cause else None, "remedy": f.remedy.rstrip(".") if f.remedy else None,
    }
    values = _Values(
        topic=topic, brand=context.brand_name, private=_private_phrase(f.private_channel, regional, context.language),
        data=pick_voice(data, context.voice),
        ref=(f" (referencia {f.reference})" if not en else f" (ref. {f.reference})")
        if f.reference and visibility == "private" else "",
        guideline=f" ({f.guideline_url})" if f.guideline_url else "",
    )
    known = {"topic", "brand", "private", "data", "ref", "guideline"}
    if f.survey_url:
        values["survey_url"] = f.survey_url
        known.add("survey_url")
    if context.crisis is not None:
        crisis = context.crisis
        incident = (_INCIDENT_EN if en else _INCIDENT_ES).get(crisis.category or "")
        base = _CRISIS_DEFAULTS_EN if en else _CRISIS_DEFAULTS_ES
        values.update(incident=incident or ("the service" if en else "el servicio"),
                      known=crisis.known or base["known"][0], next_update=crisis.next_update or base["next_update"][0])
        known |= {"incident", "known", "next_update"}
    for key, value in real.items():
        if value:
            values[key] = value
            known.add(key)
        else:
            values[key] = defaults.get(key, "")
    return values, known


def _draw_crisis_defaults(context: DraftContext, rng: random.Random, *values: _Values) -> None:
    """Crisis facts the case does not give are worded differently in each draft."""
    crisis = context.crisis
    if crisis is None:
        return
    base = _CRISIS_DEFAULTS_EN if context.language == "en" else _CRISIS_DEFAULTS_ES
    drawn = {key: rng.choice(base[key]) for key in ("known", "next_update") if not getattr(crisis, key)}
    for value in values:
        value.update(drawn)


def _placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


def _render_variant(variant: Variant, context: DraftContext, values: _Values, known: set[str],
                    greeting: str, closing: str, signature: str, choice: tuple[int, ...]) -> tuple[Parts, list[str]]:
    notes: list[str] = []
    body: list[tuple[str, bool]] = []
    for (wordings, optional), pick in zip(variant.body, choice, strict=True):
        sentence = wordings[pick % len(wordings)]
        needed = _placeholders(sentence)
        missing = needed - known
        if optional and missing:
            continue  # an optional sentence never promises what the case file does not say
        for name in sorted(missing & set(_FACT_OF)):
            notes.append(f"Falta «{_FACT_OF[name]}» en el caso: se usó un texto genérico; revísalo.")
        try:
            text = pick_voice(sentence, context.voice).format_map(values)
        except (ValueError, IndexError) as exc:
            raise InvalidInput(f"Plantilla «{variant.id}» mal formada: {exc}") from exc
        text = _CONTRACTION.sub(lambda m: ("D" if m.group(1)[0] == "D" else "d") + "el"
                                if m.group(1).lower() == "de" else m.group(1) + "l", text)
        body.append((capitalise(text.strip()), optional))
    return Parts(greeting, tuple(body), closing, signature), notes


def _seed(context: DraftContext, intent: str, variant_seed: int | None) -> int:
    if variant_seed is not None:
        return variant_seed
    key = "|".join((str(context.recipient_handle), str(context.recipient_name), context.mention_text,
                    intent, str(len(context.recent_replies))))
    return int.from_bytes(hashlib.sha256(key.encode("utf-8", "replace")).digest()[:8], "big")


def guard_context(context: DraftContext, visibility: str, intent: str) -> GuardContext:
    return GuardContext(
        visibility="private" if visibility == "private" else "public", channel=context.channel,
        voice=context.voice, language=context.language, recipient_name=context.recipient_name,
        recipient_handle=context.recipient_handle, agent_name=context.agent_name,
        at_fault=True if intent == "resolution_at_fault" else None,
        recent_replies_to_others=context.recent_replies[-200:], mention_text=context.mention_text,
    )


def _library(context: DraftContext) -> Library:
    overrides: Mapping[str, object] | None = context.template_overrides
    return library_for(context.language, overrides)


def template_draft(context: DraftContext, intent: str, *, variant_seed: int | None = None) -> Draft:
    """Pick the variant (and greeting, closing, signature) least like the recent replies."""
    if intent not in INTENTS:
        raise InvalidInput(f"Intención desconocida: «{intent}». Opciones: {', '.join(INTENTS)}.")
    library = _library(context)
    # In crisis mode the intents with crisis variants use them (template_id "crisis.…").
    spec = (library.crisis.get(intent) if context.crisis is not None else None) or library.intents.get(intent)
    if spec is None:
        raise InvalidInput(f"Las plantillas de la marca no tienen la intención «{intent}».")
    if context.visibility == "private" and spec.visibility == "public" and spec.private_variants:
        spec = IntentTemplates("private", spec.private_variants)
    rng = random.Random(_seed(context, intent, variant_seed))
    regional = regional_for(context.country, context.language)
    topic = extract_topic(context.mention_text, context.facts.category, language=context.language,
                          brand=context.brand_name)
    values, known = _values(context, spec.visibility, pick_voice(topic.phrase, context.voice))
    short_values, _ = _values(context, spec.visibility, pick_voice(topic.short, context.voice))
    name = greeting_name(context.recipient_name, context.recipient_handle)
    agent = context.agent_name.strip().split()[0]
    greetings = library.greetings or regional.greetings
    closings = library.closings or regional.closings
    signatures = library.signatures or (SIGNATURES_EN if context.language == "en" else SIGNATURES)
    guard_ctx = guard_context(context, spec.visibility, intent)

    variants = list(spec.variants)
    rng.shuffle(variants)
    best: tuple[float, str, str, list[str]] | None = None
    for round_ in range(_ROUNDS):
        for variant in variants:
            greeting = pick_voice(rng.choice(greetings), context.voice).format(name=name) if name else (
                "Hi," if context.language == "en" else "Hola.")
            closing = rng.choice(closings)
            signature = rng.choice(signatures).format(agent=agent, brand=context.brand_name)
            choice = tuple(rng.randrange(len(wordings)) for wordings, _ in variant.body)
            _draw_crisis_defaults(context, rng, values, short_values)

            def render(short: bool, variant: Variant = variant, greeting: str = greeting,
                       closing: str = closing, signature: str = signature,
                       choice: tuple[int, ...] = choice) -> Parts:
                parts, _ = _render_variant(variant, context, short_values if short else values, known,
                                           greeting, closing, signature, choice)
                return parts

            _, notes = _render_variant(variant, context, values, known, greeting, closing, signature, choice)
            text, fit_notes = fit(render, context.channel)
            if context.language == "es" and context.voice == "tu" and context.country.upper() in VOSEO_COUNTRIES:
                text = apply_voseo(text)
            score, _ = closest_duplicate(text, guard_ctx)
            if best is None or score < best[0]:
                best = (score, text, variant.id, notes + fit_notes)
            if score < DUPLICATE_THRESHOLD - _VARIETY_MARGIN:
                break
        if (best is not None and best[0] < DUPLICATE_THRESHOLD - _VARIETY_MARGIN) or round_ == _ROUNDS - 1:
            break
    assert best is not None  # spec.variants is never empty (validated when loading)
    _, text, template_id, notes = best
    verdict = check_reply(text, guard_ctx)
    warnings = notes + [f"{f.rule}: {f.message}" for f in verdict.findings]
    if not name:
        warnings.append("No se conoce el nombre ni el @usuario de la persona: agrégalo al saludo.")
    return Draft(text=text, intent=intent, visibility="private" if spec.visibility == "private" else "public",
                 template_id=template_id, warnings=warnings)


def draft(context: DraftContext, intent: str, *, variant_seed: int | None = None,
          use_llm: bool | None = None) -> Draft:
    """A draft for the intent. use_llm=None uses the LLM only when CAUCE_LLM_BASE_URL is set.

    The LLM's text passes the same tone guard and length limit; if it fails or the endpoint
    errors, the template draft is returned with a warning saying why.
    """
    base = template_draft(context, intent, variant_seed=variant_seed)
    settings = llm.LLMSettings.from_env()
    if use_llm is False or (use_llm is None and settings is None):
        return base
    if settings is None:
        return base.model_copy(update={"warnings": [*base.warnings,
                               "LLM no configurado (CAUCE_LLM_BASE_URL): se usó la plantilla."]})
    try:
        text = llm.rewrite(context, intent, base, settings)
    except llm.LLMError as exc:
        return base.model_copy(update={"warnings": [*base.warnings, f"LLM no disponible: {exc}"]})
    verdict = check_reply(text, guard_context(context, base.visibility, intent))
    if verdict.verdict != "ok":
        reasons = "; ".join(f.rule for f in verdict.findings)
        return base.model_copy(update={"warnings": [*base.warnings,
                               f"El texto del LLM se descartó por el guardián de tono ({reasons})."]})
    return Draft(text=text, intent=intent, visibility=base.visibility,
                 template_id=f"llm:{settings.model}", warnings=[])
