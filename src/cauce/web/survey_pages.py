"""The customer's satisfaction survey (§9): a public page at /encuesta/{token}, no login.

The token in the link is the only credential (see `playbook.survey`); the page shows the brand's
name and a 1–5 form, never the case, the person or anything else of the brand. Spanish, styled by
our own stylesheet under the app's Content-Security-Policy (no inline style or script).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from cauce.app_deps.deps import DbSession
from cauce.errors import Conflict, NotFound
from cauce.playbook import survey
from cauce.web.rendering import env

router = APIRouter()
# The link must not leak to other sites (Referer) nor be cached by a shared proxy.
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
SCORES = ((5, "Excelente"), (4, "Buena"), (3, "Regular"), (2, "Mala"), (1, "Muy mala"))


def _page(view: survey.PublicSurvey | None, *, token: str, message: str | None = None, status: int = 200,
          thanks: bool = False, error: str | None = None) -> HTMLResponse:
    html = env.get_template("survey.html").render(view=view, token=token, message=message, thanks=thanks,
                                                  error=error, scores=SCORES, states=survey.SurveyState)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


@router.get("/encuesta/{token}", response_class=HTMLResponse)
def survey_page(token: str, session: DbSession) -> HTMLResponse:
    try:
        view = survey.public_view(session, token=token[:100])
    except NotFound as exc:
        return _page(None, token="", message=exc.message, status=404)
    return _page(view, token=token)


@router.post("/encuesta/{token}", response_class=HTMLResponse)
def survey_answer(token: str, session: DbSession,
                  score: Annotated[str, Form(max_length=2)] = "",
                  comment: Annotated[str, Form(max_length=4000)] = "") -> HTMLResponse:
    token = token[:100]
    try:
        view = survey.public_view(session, token=token)
    except NotFound as exc:
        return _page(None, token="", message=exc.message, status=404)
    if view.state is not survey.SurveyState.OPEN:
        return _page(view, token=token)
    if score not in {"1", "2", "3", "4", "5"}:
        return _page(view, token=token, error="Elija una calificación de 1 a 5.", status=422)
    try:
        survey.answer(session, token=token, score=int(score), comment=comment)
    except Conflict as exc:
        return _page(survey.public_view(session, token=token), token=token, message=exc.message, status=409)
    return _page(survey.public_view(session, token=token), token=token, thanks=True)

