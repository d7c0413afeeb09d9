"""Bridges to features built alongside the web app (playbook, drafts, tone guard, replies).

Each returns None (or raises `FeatureMissing`) when the feature is not installed, so a page can
say so in Spanish instead of failing — and never invents a result.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from cauce.auth.service import Principal
from cauce.cases.models import Case
from cauce.errors import CauceError

log = logging.getLogger(__name__)


class FeatureMissing(CauceError):
    code = "feature_missing"
    status_code = 501


def optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def _need(name: str, what: str) -> ModuleType:
    module = optional_module(name)
    if module is None:
        raise FeatureMissing(f"{what} aún no está instalado en este servidor.")
    return module


# --- playbook -----------------------------------------------------------------------------

def next_actions(session: Session, case: Case, *, now: Any) -> list[Any] | None:
    module = optional_module("cauce.playbook.next_actions")
    if module is None:
        return None
    return list(module.next_actions(session, case, now=now))


def checklist(session: Session, case: Case) -> dict[str, Any] | None:
    module = optional_module("cauce.playbook.resolution")
    if module is None:
        return None
    result: dict[str, Any] = module.checklist_view(session, case)
    return result


def resolution() -> ModuleType:
    return _need("cauce.playbook.resolution", "El motor del protocolo (lista de verificación y cierre)")


def moderation() -> ModuleType | None:
    return optional_module("cauce.playbook.moderation")


def guidelines() -> ModuleType | None:
    return optional_module("cauce.playbook.guidelines")


# --- replies: guard, drafts, outbox -------------------------------------------------------

def replies_service() -> ModuleType:
    return _need("cauce.replies.service", "El servicio de respuestas")


def check_reply(session: Session, case: Case, *, text: str, visibility: str, channel: str | None,
                principal: Principal) -> dict[str, Any]:
    service = replies_service()
    _need("cauce.replies.tone", "El revisor de tono")
    verdict: dict[str, Any] = service.check(session, case, text=text, visibility=visibility, channel=channel,
                                            agent_first_name=principal.first_name)
    return verdict


def draft(session: Session, case: Case, *, intent: str, visibility: str, channel: str | None,
          principal: Principal, survey_url: str | None = None) -> Any:
    """A draft for this case from the drafts helper, with the case's facts and the agent's name."""
    drafts = _need("cauce.replies.drafts", "El generador de borradores")
    service = replies_service()
    builder = getattr(service, "draft_for_case", None)
    if builder is not None:
        return builder(session, case_id=case.id, intent=intent, principal=principal, survey_url=survey_url,
                       visibility=visibility)
    builder = getattr(service, "draft_reply", None)
    if builder is not None:
        return builder(session, case_id=case.id, intent=intent, principal=principal)
    from cauce.replies import context as ctx
    from cauce.replies.drafts.schemas import CaseFacts as DraftFacts
    from cauce.replies.drafts.schemas import DraftContext

    facts = ctx.facts_for(session, case, visibility=visibility, channel=channel,
                          agent_first_name=principal.first_name)
    context = DraftContext(
        brand_name=facts.brand_name, voice="usted" if facts.brand_voice == "usted" else "tu",
        country=facts.brand_country, channel=facts.channel, recipient_name=facts.recipient_name,
        recipient_handle=facts.recipient_handle, agent_name=principal.first_name or principal.name,
        mention_text=facts.mention_text, recent_replies=facts.recent_replies_to_others,
        # Checklist ids are not wording: the at-fault facts come from the replies service's own builder.
        facts=DraftFacts(pqr_type=case.pqr_type, category=case.category, survey_url=survey_url),
    )
    return drafts.draft(context, intent)
