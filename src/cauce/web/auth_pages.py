"""Sign in, sign out and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cauce.app_deps.csrf import check_csrf
from cauce.app_deps.deps import SESSION_COOKIE
from cauce.auth import service as auth
from cauce.errors import Unauthorized
from cauce.web.i18n import LANG_COOKIE, LANGUAGES
from cauce.web.rendering import render
from cauce.web.security import LOGIN_CSRF_COOKIE, TooManyAttempts, client_ip, is_https, new_token
from cauce.web.session import Editor, WriteSession

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in user to another site."""
    if not target:
        return "/inbox"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/inbox"
    return target


def _login_page(request: Request, *, next_url: str, email: str = "", error: str | None = None,
                status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(request, "login.html", {"next": next_url, "email": email, "error": error,
                                              "login_csrf": token}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=is_https(request),
                        max_age=3600)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(request: Request, session: WriteSession, email: Annotated[str, Form(max_length=320)] = "",
          password: Annotated[str, Form(max_length=500)] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/inbox") -> Response:
    next_url = safe_next(next)
    # Double-submit token: the login form has no session yet, so the cookie carries the secret.
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token)
    limiter = request.app.state.login_limiter
    ip = client_ip(request)
    try:
        limiter.check(ip, email, session=session)
    except TooManyAttempts as exc:
        return _login_page(request, next_url=next_url, email=email, error=exc.message, status_code=429)
    try:
        user = auth.authenticate(session, email=email, password=password)
    except Unauthorized as exc:
        limiter.failed(ip, email, session=session)
        return _login_page(request, next_url=next_url, email=email, error=exc.message, status_code=401)
    limiter.succeeded(ip, email, session=session)
    new = auth.start_session(session, user=user)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax", secure=is_https(request),
                        expires=new.expires_at, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    if user.locale in LANGUAGES and not request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, user.locale, samesite="lax", max_age=365 * 86400)
    return response


@router.post("/logout")
def logout(request: Request, session: WriteSession, user: Editor) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_session(session, token)
    response: Response = (Response(status_code=204, headers={"HX-Redirect": "/login"})
                          if request.headers.get("hx-request") else RedirectResponse("/login", status_code=303))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> RedirectResponse:
    """A preference cookie only (no state on the server), so a plain link is enough."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400, secure=is_https(request))
    return response
