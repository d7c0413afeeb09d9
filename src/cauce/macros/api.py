"""HTTP routes for macros (the team's saved replies): list per brand, write (supervisors), fill for a case."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import CurrentPrincipal, DbSession, Supervisor, scope_of
from cauce.app_deps.openapi import PathId
from cauce.cases import service as cases
from cauce.errors import NotFound
from cauce.macros import service as macros
from cauce.macros.models import Macro

router = APIRouter(tags=["macros"])


class MacroIn(BaseModel):
    title: str = Field(max_length=macros.MAX_TITLE)
    text: str = Field(max_length=macros.MAX_TEXT, description="Placeholders: {nombre}, {marca}, {agente}, {caso}; "
                                                              "[tú|usted] alternations follow the brand's voice")


class MacroOut(StrictOut):
    id: int
    brand_id: int
    title: str
    text: str
    updated_at: datetime

    @classmethod
    def of(cls, macro: Macro) -> MacroOut:
        return cls(id=macro.id, brand_id=macro.brand_id, title=macro.title, text=macro.text,
                   updated_at=macro.updated_at)


class FilledMacroOut(StrictOut):
    macro_id: int
    case_id: int
    text: str


@router.get("/brands/{brand_id}/macros", response_model=list[MacroOut])
def list_macros(brand_id: PathId, session: DbSession, principal: CurrentPrincipal) -> list[MacroOut]:
    if not scope_of(principal).allows(brand_id):
        raise NotFound(f"No existe la marca {brand_id}.")
    return [MacroOut.of(m) for m in macros.list_macros(session, brand_ids=principal.brand_ids, brand_id=brand_id)]


@router.post("/brands/{brand_id}/macros", status_code=201, response_model=MacroOut)
def create_macro(brand_id: PathId, body: MacroIn, session: DbSession, principal: Supervisor) -> MacroOut:
    macro = macros.create(session, brand_id=brand_id, title=body.title, text=body.text, actor=principal.actor,
                          user_id=principal.user_id, brand_ids=principal.brand_ids,
                          is_supervisor=principal.is_supervisor)
    return MacroOut.of(macro)


@router.put("/macros/{macro_id}", response_model=MacroOut)
def update_macro(macro_id: PathId, body: MacroIn, session: DbSession, principal: Supervisor) -> MacroOut:
    macro = macros.update(session, macro_id=macro_id, title=body.title, text=body.text, actor=principal.actor,
                          brand_ids=principal.brand_ids, is_supervisor=principal.is_supervisor)
    return MacroOut.of(macro)


@router.delete("/macros/{macro_id}", status_code=204, response_class=Response)
def delete_macro(macro_id: PathId, session: DbSession, principal: Supervisor) -> Response:
    macros.delete(session, macro_id=macro_id, actor=principal.actor, brand_ids=principal.brand_ids,
                  is_supervisor=principal.is_supervisor)
    return Response(status_code=204)


@router.get("/cases/{case_id}/macros/{macro_id}", response_model=FilledMacroOut)
def fill_macro(case_id: PathId, macro_id: PathId, session: DbSession, principal: CurrentPrincipal) -> FilledMacroOut:
    """The macro filled in for this case (a draft: check it with …/check-reply before sending)."""
    case = cases.get(session, case_id=case_id, scope=scope_of(principal))
    text = macros.fill_for_case(session, macro_id=macro_id, case=case, brand_ids=principal.brand_ids,
                                agent_name=principal.first_name)
    return FilledMacroOut(macro_id=macro_id, case_id=case.id, text=text)


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
