"""The authorisation matrix: every route × {anonymous, agent, supervisor, admin} × {own brand, other
brand of the same organisation, brand of another organisation}.

The routes come from the application's own route table, so a new route without a line in `RULES`
fails `test_every_route_has_an_authorization_rule` with its method, path and handler. A rule says:
- `access`: who may call it at all (public, a signed channel, any user, supervisor, admin);
- `scope`: how the target brand enters the request — `OBJECT` (an id in the path or body names an
  object, which must be answered 404 to anyone outside its brand, exactly like a missing id), `LIST`
  (a listing or filter: 2xx, but never another brand's rows) or `NONE` (no brand at all);
- the body/query that names the target (`claims_own_brand`: the body says brand A, the object is
  another brand's — the original moderation finding), and which business refusals (409/422) an authorised call
  may still get (the matrix checks authorisation, not each route's business rules).
Agents and supervisors are members of brand A only; admins see every brand of the installation.
For every non-admin call, the response must not contain another brand's marker (never read), and
after all of them every row of brands B and C must be byte-for-byte unchanged (never changed).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest
from authz_world import Principal, Target, make_principal, marker, new_web_session, rows_of, seed
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from cauce.app_deps.deps import SESSION_COOKIE
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from helpers import mention, scripted_triage

PUBLIC, CHANNEL, USER, SUPERVISOR, ADMIN = "public", "channel", "user", "supervisor", "admin"
OBJECT, LIST, NONE = "object", "list", "none"
RANK = {"anonymous": 0, "agent": 1, "supervisor": 2, "admin": 3}
NEEDS = {USER: 1, SUPERVISOR: 2, ADMIN: 3}
PRINCIPALS = ("anonymous", "agent", "supervisor", "admin")
TARGETS = ("own", "other_brand", "other_org")
BUSINESS = (409, 422)  # refusals an authorised write may get from the domain (state, playbook, form)

Body = Callable[[Target, Target], dict[str, Any]]  # (target, the caller's own brand)
_n = itertools.count(1000)


@dataclass(frozen=True)
class Rule:
    access: str
    scope: str = NONE
    body: Body | None = None
    query: Body | None = None
    refusals: tuple[int, ...] | None = None  # None: BUSINESS for writes, none for reads
    foreign_status: int = 404
    fresh_session: bool = False  # the call ends the session (logout)
    stream: bool = False  # an endless event stream: only its authorisation step is called
    # The body claims the caller's own brand (A) for the target's object: the object must belong to
    # that brand, so a foreign object is 404 for everyone, admins included.
    claims_own_brand: bool = False
    # Path ids other than the target's defaults (a destructive call on an object of its own).
    ids: Callable[[Target], dict[str, int | str]] | None = None
    # Answers like the API (401 JSON, Bearer tokens) though it is not under /api/ (/metrics).
    api: bool = False


def R(access: str, scope: str = NONE, **kw: Any) -> Rule:
    return Rule(access, scope, **kw)


def _mention(t: Target, own: Target) -> dict[str, Any]:
    return mention(next(_n), brand=t.brand_slug, handle="@nuevo").model_dump(mode="json")


CLAUSES = [{"id": "respeto", "title": "Respeto", "text": "Sin insultos ni amenazas.", "actions": ["warn", "block"]}]
NOTICE = "Prorrogamos el término porque la revisión técnica requiere una visita."

# One line per route: "METHOD path" -> rule.
RULES: dict[str, Rule] = {
    # --- public and framework routes ---
    "GET /openapi.json": R(PUBLIC),
    "GET /api/docs": R(PUBLIC),
    "GET /docs/oauth2-redirect": R(PUBLIC),
    "GET /healthz": R(PUBLIC),
    "GET /readyz": R(PUBLIC),
    # Prometheus: admins, the CAUCE_METRICS_TOKEN bearer or CAUCE_METRICS_ALLOW peers (tests/web/test_ops.py).
    "GET /metrics": R(ADMIN, api=True),
    "GET /static/vendor/{name}": R(PUBLIC),
    "GET /guidelines/{brand_slug}": R(PUBLIC),
    "GET /": R(PUBLIC),
    "GET /login": R(PUBLIC),
    "POST /login": R(PUBLIC),
    "GET /lang/{code}": R(PUBLIC),
    "POST /webhooks/{segment}/{channel_id}": R(CHANNEL),
    "GET /webhooks/{segment}/{channel_id}": R(CHANNEL),
    # --- API: mentions, cases, people, users ---
    "POST /api/v1/mentions": R(USER, OBJECT, body=_mention, foreign_status=422),
    "GET /api/v1/cases": R(USER, LIST, query=lambda t, own: {"brand_id": t.brand_id}),
    "GET /api/v1/cases/{case_id}": R(USER, OBJECT),
    "GET /api/v1/cases/{case_id}/export": R(USER, OBJECT, query=lambda t, own: {"format": "html"}),
    "POST /api/v1/cases/{case_id}/transition": R(USER, OBJECT, body=lambda t, own: {"to": "en_gestion"}),
    "POST /api/v1/cases/{case_id}/assign": R(USER, OBJECT, body=lambda t, own: {"area_id": t.area_id}),
    "POST /api/v1/cases/{case_id}/notes": R(USER, OBJECT, body=lambda t, own: {"text": "Revisar la factura"}),
    "POST /api/v1/cases/{case_id}/legal-extension": R(USER, OBJECT, body=lambda t, own: {"notice": NOTICE}),
    "POST /api/v1/cases/{case_id}/satisfaction": R(USER, OBJECT, body=lambda t, own: {"score": 5}),
    "GET /api/v1/cases/{case_id}/mentions": R(USER, OBJECT),
    "GET /api/v1/people/{person_id}": R(USER, OBJECT),
    # --- API and web: triage corrections and the learning curve (authorised by the mention's brand) ---
    "POST /api/v1/mentions/{mention_id}/corrections": R(USER, OBJECT, body=lambda t, own: {"sentiment": "neutro"},
                                                        ids=lambda t: {"mention_id": t.mention_id}),
    "GET /api/v1/triage/learning-curve": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand_id": t.brand_id}),
    "GET /mentions/{mention_id}/correction": R(USER, OBJECT, ids=lambda t: {"mention_id": t.mention_id}),
    "POST /mentions/{mention_id}/correction": R(USER, OBJECT, body=lambda t, own: {"sentiment": "neutro"},
                                                ids=lambda t: {"mention_id": t.mention_id}),
    "GET /cases/{case_id}/correction": R(USER, OBJECT),
    "GET /reports/learning": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    # --- API: contact history, identity resolution and data rights (people) ---
    # A proposal is visible, and decidable, only to who may see both people; agents decide them.
    "GET /api/v1/people/{person_id}/history": R(USER, OBJECT),
    "GET /api/v1/people/{person_id}/merge-proposals": R(USER, OBJECT),
    "GET /api/v1/people/merge-proposals/open": R(USER, LIST),
    "POST /api/v1/people/merge-proposals/{proposal_id}/confirm": R(USER, OBJECT, body=lambda t, own: {}),
    "POST /api/v1/people/merge-proposals/{proposal_id}/reject": R(
        USER, OBJECT, body=lambda t, own: {}, ids=lambda t: {"proposal_id": t.reject_proposal_id}),
    "POST /api/v1/people/handles/{handle_id}/split": R(USER, OBJECT, body=lambda t, own: {}),
    "POST /api/v1/people/identity/sweep": R(SUPERVISOR),
    # Habeas data: admins, or a supervisor of every brand the person appears in.
    "GET /api/v1/people/{person_id}/export": R(SUPERVISOR, OBJECT),
    "POST /api/v1/people/{person_id}/forget": R(SUPERVISOR, OBJECT, body=lambda t, own: {"reason": "Solicitud 42"},
                                                 ids=lambda t: {"person_id": t.forget_person_id}),
    "GET /api/v1/me": R(USER),
    "GET /api/v1/users": R(ADMIN),
    "POST /api/v1/users": R(ADMIN, body=lambda t, own: {"email": f"u{next(_n)}@uno.co", "name": "Nueva",
                                                   "role": "agent", "password": "clave-segura-9"}),
    "POST /api/v1/tokens": R(USER),
    "GET /api/v1/tokens": R(USER),
    # A token is its owner's: another user's (the brand's staff member here) is 404 unless admin.
    "DELETE /api/v1/tokens/{token_id}": R(USER, OBJECT, refusals=(404,)),
    "POST /api/v1/me/password": R(USER, refusals=(422,), body=lambda t, own: {
        "current_password": "no-es-la-clave", "new_password": "otra clave larga y segura"}),
    "GET /api/v1/search": R(USER, LIST, query=lambda t, own: {"q": "secreto"}),
    "GET /api/v1/brands": R(USER, LIST),
    # --- API: replies ---
    "POST /api/v1/cases/{case_id}/replies": R(USER, OBJECT, body=lambda t, own: {
        "text": "Hola, te escribimos por mensaje privado para ayudarte.", "visibility": "private"}),
    "GET /api/v1/cases/{case_id}/replies": R(USER, OBJECT),
    "POST /api/v1/cases/{case_id}/replies/external": R(USER, OBJECT, body=lambda t, own: {"text": "Respondido"}),
    "POST /api/v1/replies/{reply_id}/retry": R(USER, OBJECT),
    "POST /api/v1/cases/{case_id}/check-reply": R(USER, OBJECT, body=lambda t, own: {"text": "Hola"}),
    "POST /api/v1/cases/{case_id}/draft": R(USER, OBJECT, body=lambda t, own: {"intent": "first_reply"}),
    # --- API: playbook ---
    "GET /api/v1/cases/{case_id}/next-actions": R(USER, OBJECT),
    "POST /api/v1/cases/{case_id}/checklist": R(USER, OBJECT, body=lambda t, own: {"item": "§5.1.public-reply"}),
    "POST /api/v1/cases/{case_id}/outcome": R(USER, OBJECT, body=lambda t, own: {"outcome": "not_applicable",
                                                                          "reason": "No aplica aquí"}),
    "POST /api/v1/cases/{case_id}/resolve": R(USER, OBJECT, body=lambda t, own: {"outcome": "not_applicable",
                                                                          "reason": "No aplica aquí"}),
    "POST /api/v1/cases/{case_id}/confirmation": R(USER, OBJECT, body=lambda t, own: {"kind": "confirmed"}),
    "POST /api/v1/cases/{case_id}/close": R(USER, OBJECT, body=lambda t, own: {}),
    "POST /api/v1/cases/{case_id}/evidence": R(USER, OBJECT, body=lambda t, own: {"mention_id": t.mention_id}),
    "POST /api/v1/cases/{case_id}/csat": R(USER, OBJECT, body=lambda t, own: {"score": 4}),
    "POST /api/v1/cases/{case_id}/survey": R(USER, OBJECT),
    "POST /api/v1/cases/{case_id}/legal-handover": R(USER, OBJECT),
    "POST /api/v1/follow-ups/{follow_up_id}/done": R(USER, OBJECT),
    "POST /api/v1/moderation/actions": R(USER, OBJECT, claims_own_brand=True, body=lambda t, own: {
        "brand_id": own.brand_id, "person_id": t.person_id, "action": "warn", "clause_id": "respeto"}),
    "GET /api/v1/moderation/actions": R(USER, LIST, query=lambda t, own: {"brand_id": own.brand_id,
                                                                    "person_id": t.person_id}),
    "POST /api/v1/moderation/actions/{action_id}/appeal": R(USER, OBJECT, body=lambda t, own: {"reason": "No insulté"}),
    "POST /api/v1/moderation/actions/{action_id}/reject-appeal": R(SUPERVISOR, OBJECT,
                                                                 body=lambda t, own: {"reason": "Se mantiene"}),
    "POST /api/v1/moderation/actions/{action_id}/reverse": R(SUPERVISOR, OBJECT,
                                                             body=lambda t, own: {"reason": "Fue un error"}),
    "GET /api/v1/moderation/proposals": R(USER, LIST),
    "POST /api/v1/moderation/proposals/{person_id}/decide": R(SUPERVISOR, OBJECT, claims_own_brand=True,
                                                              body=lambda t, own: {"brand_id": own.brand_id,
                                                                                   "role": "ninguno"}),
    "GET /api/v1/brands/{brand_id}/guidelines": R(USER, OBJECT),
    "GET /api/v1/brands/{brand_id}/guidelines/versions": R(USER, OBJECT),
    "PUT /api/v1/brands/{brand_id}/guidelines": R(SUPERVISOR, OBJECT, body=lambda t, own: {"clauses": CLAUSES}),
    "GET /api/v1/brands/{brand_id}/playbook": R(USER, OBJECT),
    "PATCH /api/v1/brands/{brand_id}/playbook": R(ADMIN, OBJECT, body=lambda t, own: {}),
    "GET /api/v1/crisis": R(USER, LIST),
    "GET /api/v1/crisis/{crisis_id}/report": R(USER, OBJECT),
    "POST /api/v1/crisis/sweep": R(SUPERVISOR, LIST),
    "GET /api/v1/root-causes": R(USER, LIST, query=lambda t, own: {"brand_id": t.brand_id}),
    "POST /api/v1/root-causes/propose": R(USER, OBJECT, body=lambda t, own: {"brand_id": t.brand_id}),
    "POST /api/v1/root-causes/{root_cause_id}/confirm": R(USER, OBJECT, body=lambda t, own: {}),
    "POST /api/v1/root-causes/{root_cause_id}/dismiss": R(USER, OBJECT),
    "POST /api/v1/root-causes/{root_cause_id}/actions": R(USER, OBJECT, body=lambda t, own: {"title": "Revisar red"}),
    "POST /api/v1/improvement-actions/{action_id}/done": R(USER, OBJECT, body=lambda t, own: {"notice_text": NOTICE}),
    # --- API: channels and reports ---
    "GET /api/v1/channels": R(ADMIN, LIST, query=lambda t, own: {"brand_id": t.brand_id}),
    "POST /api/v1/channels": R(ADMIN, OBJECT, body=lambda t, own: {"brand": t.brand_slug, "kind": "webhook"}),
    "GET /api/v1/channels/{channel_id}": R(ADMIN, OBJECT),
    "PATCH /api/v1/channels/{channel_id}": R(ADMIN, OBJECT, body=lambda t, own: {"name": "Canal renombrado"}),
    "DELETE /api/v1/channels/{channel_id}": R(ADMIN, OBJECT),
    "POST /api/v1/channels/{channel_id}/test": R(ADMIN, OBJECT),
    "GET /api/v1/reports/dashboard": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    "GET /api/v1/reports/tables/{key}": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    "GET /api/v1/reports/export/{key}.{fmt}": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    # --- web: dashboard and settings ---
    "GET /dashboard": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    "GET /dashboard/export/{key}.{fmt}": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    "GET /reports/management": R(SUPERVISOR, OBJECT, query=lambda t, own: {"brand": t.brand_id}),
    "GET /settings": R(ADMIN),
    "GET /settings/brands": R(ADMIN, LIST),
    "GET /settings/brands/{brand_id}": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/profile": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/policy": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/hours": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/areas": R(ADMIN, OBJECT, body=lambda t, own: {"name": "Facturación"}),
    "POST /settings/areas/{area_id}": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/guidelines": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/playbook": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/triage": R(ADMIN, OBJECT, body=lambda t, own: {"homonyms": "Estadio X"}),
    "POST /settings/brands": R(ADMIN, body=lambda t, own: {"name": f"Marca nueva {next(_n)}", "country": "CO"}),
    "GET /settings/brands/{brand_id}/guidelines.yaml": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/guidelines.yaml": R(ADMIN, OBJECT),
    "GET /settings/brands/{brand_id}/playbook.yaml": R(ADMIN, OBJECT),
    "POST /settings/brands/{brand_id}/playbook.yaml": R(ADMIN, OBJECT),
    "GET /settings/channels": R(ADMIN, LIST),
    "POST /settings/channels": R(ADMIN, OBJECT, body=lambda t, own: {"brand_id": str(t.brand_id), "kind": "webhook"}),
    "POST /settings/channels/{channel_id}/enabled": R(ADMIN, OBJECT),
    "GET /settings/channels/{channel_id}/edit": R(ADMIN, OBJECT),
    "POST /settings/channels/{channel_id}": R(ADMIN, OBJECT, body=lambda t, own: {"name": "Canal renombrado"}),
    "POST /settings/channels/{channel_id}/delete": R(ADMIN, OBJECT, refusals=(404,),
                                                     ids=lambda t: {"channel_id": t.delete_channel_id}),
    "GET /settings/users": R(ADMIN, LIST),
    "POST /settings/tokens/{token_id}/revoke": R(ADMIN, OBJECT, ids=lambda t: {"token_id": t.any_token_id}),
    "GET /settings/account": R(USER),
    "POST /settings/account/password": R(USER, body=lambda t, own: {
        "current_password": "no-es-la-clave", "new_password": "otra clave larga y segura"}),
    "POST /settings/account/tokens": R(USER, body=lambda t, own: {"name": "script"}),
    "POST /settings/account/tokens/{token_id}/revoke": R(USER, OBJECT, refusals=(404,),
                                                        ids=lambda t: {"token_id": t.page_token_id}),
    "GET /search": R(USER, LIST, query=lambda t, own: {"q": "secreto"}),
    "POST /settings/users": R(ADMIN),
    "POST /settings/users/{user_id}": R(ADMIN, OBJECT, body=lambda t, own: {"name": "Staff renombrado"}),
    # --- web: session, inbox, case page, composer ---
    "POST /logout": R(USER, fresh_session=True),
    "GET /inbox": R(USER, LIST, query=lambda t, own: {"brand": t.brand_id}),
    "GET /inbox/rows": R(USER, LIST, query=lambda t, own: {"ids": str(t.case_id)}),
    "GET /inbox/events": R(USER, LIST, stream=True),
    "GET /cases/{case_id}": R(USER, OBJECT),
    "GET /cases/{case_id}/presence": R(USER, OBJECT),
    "POST /cases/{case_id}/presence": R(USER, OBJECT, body=lambda t, own: {"mode": "viewing"}),
    "POST /cases/{case_id}/claim": R(USER, OBJECT),
    "POST /cases/{case_id}/survey": R(USER, OBJECT),
    "POST /cases/{case_id}/legal": R(USER, OBJECT),
    # The customer's survey: public by design, the unguessable token in the link is the credential.
    "GET /encuesta/{token}": R(PUBLIC, ids=lambda t: {"token": "x" * 32}),
    "POST /encuesta/{token}": R(PUBLIC, ids=lambda t: {"token": "x" * 32}, body=lambda t, own: {"score": "5"}),
    "POST /cases/{case_id}/assign": R(USER, OBJECT, body=lambda t, own: {"area_id": str(t.area_id)}),
    "POST /cases/{case_id}/transition": R(USER, OBJECT, body=lambda t, own: {"to": "en_gestion"}),
    "POST /cases/{case_id}/notes": R(USER, OBJECT, body=lambda t, own: {"text": "Llamar mañana"}),
    "POST /cases/{case_id}/outcome": R(USER, OBJECT, body=lambda t, own: {"outcome": "not_applicable",
                                                                   "reason": "No aplica aquí"}),
    "POST /cases/{case_id}/checklist": R(USER, OBJECT, body=lambda t, own: {"item": "§5.1.public-reply"}),
    "POST /cases/{case_id}/confirmation": R(USER, OBJECT, body=lambda t, own: {"kind": "confirmed"}),
    "POST /cases/{case_id}/satisfaction": R(USER, OBJECT, body=lambda t, own: {"score": "5"}),
    "POST /cases/{case_id}/composer/draft": R(USER, OBJECT, body=lambda t, own: {"draft_intent": "first_reply"}),
    "POST /cases/{case_id}/composer/check": R(USER, OBJECT, body=lambda t, own: {"text": "Hola"}),
    "POST /cases/{case_id}/composer/send": R(USER, OBJECT, body=lambda t, own: {
        "text": "Hola, te escribimos por privado.", "visibility": "private"}),
    # --- web: moderation ---
    "GET /moderation": R(USER, LIST, query=lambda t, own: {"brand_id": own.brand_id, "person_id": t.person_id}),
    "POST /moderation/actions": R(USER, OBJECT, claims_own_brand=True, body=lambda t, own: {
        "brand_id": str(own.brand_id), "person_id": str(t.person_id), "action": "warn", "clause_id": "respeto"}),
    "POST /moderation/actions/{action_id}/appeal": R(USER, OBJECT, body=lambda t, own: {"reason": "No insulté"}),
    "POST /moderation/actions/{action_id}/reject-appeal": R(SUPERVISOR, OBJECT,
                                                          body=lambda t, own: {"reason": "Se mantiene"}),
    "POST /cases/{case_id}/mentions/{mention_id}/moderate": R(USER, OBJECT, ids=lambda t: {"mention_id": t.mention_id},
                                                              body=lambda t, own: {"action": "warn",
                                                                                   "clause_id": "respeto"}),
    "POST /moderation/actions/{action_id}/reverse": R(SUPERVISOR, OBJECT, body=lambda t, own: {"reason": "Fue error"}),
    # --- web: person page (contact history, identity resolution) ---
    "GET /people/{person_id}": R(USER, OBJECT),
    "POST /people/{person_id}/proposals/{proposal_id}/confirm": R(USER, OBJECT, ids=lambda t: {
        "person_id": t.page_person_id, "proposal_id": t.page_proposal_id}),
    "POST /people/{person_id}/proposals/{proposal_id}/reject": R(USER, OBJECT, ids=lambda t: {
        "person_id": t.page_reject_person_id, "proposal_id": t.page_reject_proposal_id}),
    "POST /people/{person_id}/handles/{handle_id}/split": R(USER, OBJECT, ids=lambda t: {
        "person_id": t.page_split_person_id, "handle_id": t.page_handle_id}),
    # --- web: habeas data on the person page (people.privacy: supervisors of all the person's brands) ---
    "POST /people/{person_id}/export": R(SUPERVISOR, OBJECT),
    "GET /people/{person_id}/forget": R(SUPERVISOR, OBJECT),
    "POST /people/{person_id}/forget": R(SUPERVISOR, OBJECT, body=lambda t, own: {"reason": "Solicitud 43"},
                                         ids=lambda t: {"person_id": t.forget_person_id}),
    "POST /moderation/people/{person_id}/role": R(SUPERVISOR, OBJECT, claims_own_brand=True, body=lambda t, own: {
        "brand_id": str(own.brand_id), "role": "ninguno"}),
    # --- relevance: noise (the mention's brand authorises; another brand's mention is 404) ---
    "POST /api/v1/mentions/{mention_id}/bring-into-queue": R(USER, OBJECT, body=lambda t, own: {"reason": "Es cliente"},
                                                             ids=lambda t: {"mention_id": t.noise_mention_id}),
    "POST /api/v1/mentions/{mention_id}/mark-noise": R(USER, OBJECT, body=lambda t, own: {"reason": "Homónimo"},
                                                       ids=lambda t: {"mention_id": t.noise_mention_id}),
    "GET /noise": R(USER, LIST, query=lambda t, own: {"brand_id": t.brand_id, "q": "clásico"}),
    "POST /noise/{mention_id}/bring-into-queue": R(USER, OBJECT, body=lambda t, own: {"reason": "Es cliente"},
                                                   ids=lambda t: {"mention_id": t.noise_mention_id}),
    "POST /noise/{mention_id}/mark": R(USER, OBJECT, body=lambda t, own: {"reason": "Homónimo"},
                                       ids=lambda t: {"mention_id": t.noise_mention_id}),
    # --- bulk actions: each id is refused on its own ("not found", like a missing one), never another brand's ---
    "POST /api/v1/bulk/cases": R(USER, LIST, body=lambda t, own: {"action": "tag", "case_ids": [t.case_id],
                                                                "tag": "revisar"}),
    "POST /inbox/bulk": R(USER, LIST, body=lambda t, own: {"action": "tag", "case_ids": str(t.case_id),
                                                         "tag": "revisar"}),
    # --- saved views: personal; anyone but the owner (admins too) gets 404 ---
    "POST /inbox/views": R(USER, body=lambda t, own: {"name": f"Vista {next(_n)}", "status": "nuevo"}),
    "POST /inbox/views/{view_id}/rename": R(USER, OBJECT, refusals=(404,), ids=lambda t: {"view_id": t.view_id},
                                            body=lambda t, own: {"name": "Renombrada"}),
    "POST /inbox/views/{view_id}/delete": R(USER, OBJECT, refusals=(404,), ids=lambda t: {"view_id": t.view_id}),
    # --- macros (the brand's saved replies): supervisors write them, every agent of the brand uses them ---
    "GET /api/v1/brands/{brand_id}/macros": R(USER, OBJECT),
    "POST /api/v1/brands/{brand_id}/macros": R(SUPERVISOR, OBJECT, body=lambda t, own: {
        "title": f"Macro {next(_n)}", "text": "Hola {nombre}"}),
    "PUT /api/v1/macros/{macro_id}": R(SUPERVISOR, OBJECT, ids=lambda t: {"macro_id": t.macro_id},
                                       body=lambda t, own: {"title": f"Macro {next(_n)}", "text": "Hola {nombre}"}),
    "DELETE /api/v1/macros/{macro_id}": R(SUPERVISOR, OBJECT, refusals=(404,),
                                          ids=lambda t: {"macro_id": t.delete_macro_id}),
    "GET /api/v1/cases/{case_id}/macros/{macro_id}": R(USER, OBJECT, ids=lambda t: {"macro_id": t.macro_id}),
    "GET /settings/macros": R(SUPERVISOR, LIST),
    "POST /settings/macros": R(SUPERVISOR, OBJECT, body=lambda t, own: {
        "brand_id": str(t.brand_id), "title": f"Macro {next(_n)}", "text": "Hola {nombre}"}),
    "POST /settings/macros/{macro_id}": R(SUPERVISOR, OBJECT, ids=lambda t: {"macro_id": t.macro_id},
                                          body=lambda t, own: {"title": f"Macro {next(_n)}", "text": "Hola"}),
    "POST /settings/macros/{macro_id}/delete": R(SUPERVISOR, OBJECT, refusals=(404,),
                                                 ids=lambda t: {"macro_id": t.delete_macro_id}),
    "POST /cases/{case_id}/composer/macro": R(USER, OBJECT, body=lambda t, own: {"macro_id": str(t.macro_id)}),
    # --- notifications (the caller's own: anyone else's is 404, as a missing id), activity, export ---
    "GET /api/v1/notifications": R(USER, LIST),
    "POST /api/v1/notifications/read-all": R(USER),
    "POST /api/v1/notifications/{notification_id}/read": R(USER, OBJECT, refusals=(404,),
                                                           ids=lambda t: {"notification_id": t.notification_id}),
    "GET /notifications": R(USER, LIST),
    "GET /notifications/bell": R(USER),
    "POST /notifications/read-all": R(USER),
    "POST /notifications/{notification_id}/read": R(USER, OBJECT, refusals=(404,),
                                                    ids=lambda t: {"notification_id": t.notification_id}),
    "GET /notifications/settings": R(USER),
    "POST /notifications/settings": R(USER, body=lambda t, own: {"crisis.shown": "1", "crisis.in_app": "1"}),
    "GET /activity": R(USER, LIST, query=lambda t, own: {"brand_id": t.brand_id}),
    "GET /inbox/export.{fmt}": R(USER, LIST, query=lambda t, own: {"brand_id": t.brand_id}),
}
PUBLIC_MOUNTS = {"/static"}  # static files (CSS, JS, icons): public by design


def route_table(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(key, path, handler) for every route the application serves, flattened across routers."""
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        if isinstance(route, Mount):
            yield f"MOUNT {path}", path, "static files"
            continue
        if not isinstance(route, APIRoute | Route):
            yield f"? {path}", path, type(route).__name__
            continue
        handler = f"{route.endpoint.__module__}.{route.endpoint.__name__}"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            yield f"{method} {path}", path, handler


DECLARED = {"require_admin": 3, "require_supervisor": 2, "current_principal": 1, "page_user_read": 1,
            "page_user_write": 1, "page_user_post_read": 1}


def declared_rank(route: APIRoute) -> int:
    """The role a route itself requires through its dependencies (Admin, Supervisor, a signed-in user)."""
    found, todo = 0, list(route.dependant.dependencies)
    while todo:
        dep = todo.pop()
        found = max(found, DECLARED.get(getattr(dep.call, "__name__", ""), 0))
        todo.extend(dep.dependencies)
    return found


@pytest.fixture(scope="module")
def bare_app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"), run_scheduler=False, check_migrations=False)


def test_every_route_has_an_authorization_rule(bare_app: FastAPI) -> None:
    served = list(route_table(bare_app))
    missing = [f"{key}  ({handler})" for key, path, handler in served
               if key not in RULES and not (key.startswith("MOUNT ") and path in PUBLIC_MOUNTS)]
    assert not missing, ("Routes without an authorization rule (add one line each to RULES in "
                         "tests/web/test_authz_matrix.py):\n  " + "\n  ".join(missing))
    # A rule may ask for more than the route's dependencies (a handler that checks the role inside),
    # never less: the table cannot hide a route that declares Admin behind a weaker rule.
    weaker = []
    for context in iter_route_contexts(bare_app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in (route.methods or set()) - {"HEAD"}:
                rule = RULES.get(f"{method} {context.path}")
                if rule is not None and NEEDS.get(rule.access, 0) < declared_rank(route):
                    weaker.append(f"{method} {context.path}: rule {rule.access!r} is weaker than the route")
    assert not weaker, "\n".join(weaker)
    stale = sorted(set(RULES) - {key for key, _, _ in served})
    assert not stale, "Rules for routes the app no longer serves (remove them): " + ", ".join(stale)


# --- the matrix ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    key: str
    principal: str
    target: str
    expected: str  # "ok", "login", "refused", or a status code
    status: int
    problem: str | None


def _expected(rule: Rule, principal: str, target: str, *, api: bool) -> str:
    if rule.access == PUBLIC:
        return "public"
    if rule.access == CHANNEL:
        return "refused"
    if principal == "anonymous":
        return "401" if api else "login"
    if RANK[principal] < NEEDS[rule.access]:
        return "403"
    if target != "own" and (principal != "admin" or rule.claims_own_brand) and rule.scope == OBJECT:
        return str(rule.foreign_status)
    return "ok"


def missing(t: Target) -> Target:
    """A target whose every id (and slug) names nothing."""
    ids = {f.name: getattr(t, f.name) + 10**6 for f in fields(Target) if f.name.endswith("_id")}
    return replace(t, letter="Z", brand_slug="marca-inexistente", **ids)


def _fill(path: str, t: Target, rule: Rule) -> str:
    values: dict[str, Any] = {
        "case_id": t.case_id, "person_id": t.person_id, "brand_id": t.brand_id, "action_id": t.action_id,
        "reply_id": t.reply_id, "follow_up_id": t.follow_up_id, "crisis_id": t.crisis_id,
        "root_cause_id": t.root_cause_id, "channel_id": t.channel_id, "area_id": t.area_id,
        "user_id": t.user_id, "proposal_id": t.proposal_id, "handle_id": t.handle_id, "token_id": t.token_id,
        "brand_slug": t.brand_slug, "key": "volumen", "fmt": "csv", "mention_id": t.mention_id,
        "segment": "generic", "code": "en", "name": "htmx.min.js"}
    return path.format(**values | (rule.ids(t) if rule.ids else {}))


class Matrix:
    def __init__(self, client: TestClient, db: Database, targets: dict[str, Target],
                 principals: dict[str, Principal]) -> None:
        self.client, self.db, self.targets, self.principals = client, db, targets, principals
        self.cells: list[Cell] = []

    def call(self, key: str, path: str, rule: Rule, who: Principal, target_name: str) -> Cell:
        method = key.split(" ", 1)[0]
        t = self.targets[target_name]
        api = path.startswith("/api/") or rule.api
        expected = _expected(rule, who.name, target_name, api=api)
        if rule.stream and who.user_id is not None:
            return self._stream_cell(key, who, target_name, expected)
        headers: dict[str, str] = {}
        if who.user_id is not None:
            if api:
                headers["Authorization"] = f"Bearer {who.token}"
            else:
                cookie, csrf = (new_web_session(self.db, who.user_id) if rule.fresh_session
                                else (who.cookie or "", who.csrf or ""))
                headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
                headers["X-CSRF-Token"] = csrf
        own = self.targets["own"]
        body = rule.body(t, own) if rule.body else None
        self.client.cookies.clear()  # only the principal's own credentials, never a cookie a response set
        response = self.client.request(method, _fill(path, t, rule), headers=headers, follow_redirects=False,
                                       params=rule.query(t, own) if rule.query else None,
                                       **({"json": body} if api else {"data": body} if body is not None else {}))
        status = response.status_code
        refusals = rule.refusals if rule.refusals is not None else (() if method == "GET" else BUSINESS)
        problem: str | None = None
        if status >= 500:
            problem = "server error"
        elif expected == "public":
            pass
        elif expected == "refused":
            problem = None if 400 <= status < 500 else "a channel route answered without a valid signature"
        elif expected == "login":
            if not (status == 303 and response.headers.get("location", "").startswith("/login")):
                problem = "an anonymous page call must redirect to /login"
        elif expected == "ok":
            if not (status < 400 or status in refusals):
                problem = f"authorised call refused (allowed: 2xx/3xx or {refusals})"
        elif str(status) != expected:
            problem = f"expected {expected}"
        if problem is None and who.name != "admin":
            leaked = [marker(x.letter) for name, x in self.targets.items()
                      if name != "own" and marker(x.letter) in response.text]
            if leaked:
                problem = f"response shows another brand's data ({', '.join(leaked)})"
        if problem is None and target_name != "own" and expected == str(rule.foreign_status):
            problem = self._oracle(method, path, rule, headers, t, response.status_code, response.text)
        cell = Cell(key, who.name, target_name, expected, status,
                    None if problem is None else f"{problem}: {response.text[:160]!r}")
        self.cells.append(cell)
        return cell

    def _oracle(self, method: str, path: str, rule: Rule, headers: dict[str, str], t: Target, status: int,
                text: str) -> str | None:
        """The same call naming ids that do not exist must answer exactly alike (no existence oracle)."""
        ghost = missing(t)
        own = self.targets["own"]
        body = rule.body(ghost, own) if rule.body else None
        self.client.cookies.clear()
        response = self.client.request(method, _fill(path, ghost, rule), headers=headers, follow_redirects=False,
                                       params=rule.query(ghost, own) if rule.query else None,
                                       **({"json": body} if path.startswith("/api/") else
                                          {"data": body} if body is not None else {}))

        def norm(value: str, slug: str) -> str:
            return re.sub(r"\d+", "N", value.replace(slug, "SLUG"))

        if response.status_code != status or norm(response.text, ghost.brand_slug) != norm(text, t.brand_slug):
            return (f"existence oracle: a missing id answers {response.status_code} "
                    f"{norm(response.text, ghost.brand_slug)[:160]!r}, this one")
        return None

    def _stream_cell(self, key: str, who: Principal, target_name: str, expected: str) -> Cell:
        # An endless SSE response cannot be read to the end: check the step that scopes it instead.
        from cauce.web.inbox_pages import _principal_brands

        brand_ids = _principal_brands(self.db, who.cookie)
        problem = None if brand_ids == who.brand_ids else f"stream scoped to {brand_ids}, not {who.brand_ids}"
        cell = Cell(key, who.name, target_name, expected, 200, problem)
        self.cells.append(cell)
        return cell


def _world(db: Database) -> Iterator[Matrix]:
    with scripted_triage():
        targets = seed(db)
        own = targets["own"].brand_id
        principals = {"anonymous": make_principal(db, "anonymous", None, []),
                      "agent": make_principal(db, "agent", "agent", [own]),
                      "supervisor": make_principal(db, "supervisor", "supervisor", [own]),
                      "admin": make_principal(db, "admin", "admin", [])}
        app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
        with TestClient(app) as client:
            yield Matrix(client, db, targets, principals)


@pytest.fixture
def matrix(db: Database) -> Iterator[Matrix]:
    yield from _world(db)


def test_authorization_matrix(matrix: Matrix, bare_app: FastAPI) -> None:
    served = [(key, path) for key, path, _ in route_table(bare_app) if key in RULES]
    foreign = [matrix.targets["other_brand"], matrix.targets["other_org"]]
    before = rows_of(matrix.db, foreign)
    # Non-admins first, then the foreign brands' rows must be untouched; admins (every brand) last.
    for who in ("anonymous", "agent", "supervisor"):
        for key, path in served:
            for target in TARGETS:
                matrix.call(key, path, RULES[key], matrix.principals[who], target)
    after = rows_of(matrix.db, foreign)
    changed = {table: before.get(table, set()) ^ rows for table, rows in after.items()
               if rows != before.get(table, set())}
    for key, path in served:
        for target in TARGETS:
            matrix.call(key, path, RULES[key], matrix.principals["admin"], target)
    failures = [f"{c.key} as {c.principal} on {c.target}: got {c.status}, {c.problem}"
                for c in matrix.cells if c.problem]
    print(f"authorization matrix: {len(served)} routes × {len(PRINCIPALS)} principals × {len(TARGETS)} targets "
          f"= {len(matrix.cells)} calls")
    assert len(matrix.cells) == len(served) * len(PRINCIPALS) * len(TARGETS)
    if changed:
        failures.append("non-admin calls changed other brands' rows in: "
                        + "; ".join(f"{table} ({len(rows)} rows differ)" for table, rows in changed.items()))
    assert not failures, f"{len(failures)} of {len(matrix.cells)} cells failed:\n" + "\n".join(failures)
