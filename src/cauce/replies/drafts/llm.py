"""Optional back-end: rewrite the template draft with an OpenAI-compatible chat endpoint.

Works with local servers (Ollama, vLLM, llama.cpp) at CAUCE_LLM_BASE_URL. Nothing is
downloaded; when unset, drafting never touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from cauce.replies.drafts.schemas import Draft, DraftContext
from cauce.replies.tone.channels import limit_for

_MAX_ANSWER_CHARS = 10_000


class LLMError(Exception):
    """The endpoint failed or answered something unusable (message in Spanish for the agent)."""


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_env(cls) -> LLMSettings | None:
        from cauce.config import get_settings

        settings = get_settings()
        if not settings.llm_base_url:
            return None
        return cls(base_url=settings.llm_base_url, model=settings.llm_model.strip() or "llama3.1",
                   api_key=settings.llm_api_key, timeout=settings.llm_timeout)

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _system_prompt(context: DraftContext, visibility: str) -> str:
    limit = limit_for(context.channel)
    voice = "tutea (tú)" if context.voice == "tu" else "trata de usted"
    rules = [
        f"Eres community manager de {context.brand_name}. Escribe UNA respuesta en "
        f"{'inglés' if context.language == 'en' else 'español neutro latinoamericano'}; la marca {voice}.",
        "Saluda a la persona por su nombre o @usuario y firma con el nombre de pila del agente.",
        "Menciona el problema concreto. Sé cordial y firme: sin sarcasmo, ironía, culpas ni discusión.",
        "Si la empresa se equivocó, discúlpate de forma directa (nunca «lamentamos si te sentiste...»).",
        "Nunca pidas datos personales en público: pide que los envíe por mensaje privado.",
        f"La respuesta es {'pública' if visibility == 'public' else 'privada'}.",
    ]
    if limit:
        rules.append(f"Máximo {limit} caracteres en total.")
    rules.append("Devuelve solo el texto de la respuesta, sin comillas ni explicaciones.")
    return "\n".join(rules)


def rewrite(context: DraftContext, intent: str, base: Draft, settings: LLMSettings,
            *, client: httpx.Client | None = None) -> str:
    """Ask the model to improve the template draft for this case; returns the model's text."""
    facts = {
        "intención": intent, "mensaje_de_la_persona": context.mention_text[:2000],
        "nombre": context.recipient_name, "usuario": context.recipient_handle,
        "agente": context.agent_name.split()[0], "canal": context.channel,
        "datos_del_caso": context.facts.model_dump(exclude_none=True),
        "borrador_de_referencia": base.text,
    }
    payload = {
        "model": settings.model, "temperature": 0.7, "max_tokens": 400,
        "messages": [
            {"role": "system", "content": _system_prompt(context, base.visibility)},
            {"role": "user", "content": json.dumps(facts, ensure_ascii=False)},
        ],
    }
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    owns = client is None
    http = client or httpx.Client(timeout=settings.timeout)
    try:
        response = http.post(settings.endpoint, json=payload, headers=headers)
        response.raise_for_status()
        data = response.json()
        text = data["choices"][0]["message"]["content"]
    except httpx.HTTPError as exc:
        raise LLMError(f"error al llamar a {settings.endpoint}: {exc}") from exc
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError("respuesta del modelo con formato inesperado") from exc
    finally:
        if owns:
            http.close()
    if not isinstance(text, str) or not text.strip():
        raise LLMError("el modelo devolvió un texto vacío")
    return text.strip().strip('"“”').strip()[:_MAX_ANSWER_CHARS]
