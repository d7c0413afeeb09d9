"""The CSRF check shared by the API's cookie-authenticated writes and the web pages' forms."""

from __future__ import annotations

import secrets

from cauce.errors import Forbidden


def check_csrf(expected: str | None, sent: str | None) -> None:
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Forbidden("Falta el token CSRF o no es válido; recargue la página.")
