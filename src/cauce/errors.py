"""Typed errors with messages a person can act on; the API maps them to HTTP statuses."""

from __future__ import annotations

from typing import Any


class CauceError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CauceError):
    code = "not_found"
    status_code = 404


class Forbidden(CauceError):
    code = "forbidden"
    status_code = 403


class Unauthorized(CauceError):
    code = "unauthorized"
    status_code = 401


class Conflict(CauceError):
    code = "conflict"
    status_code = 409


class InvalidInput(CauceError):
    code = "invalid_input"
    status_code = 422


class InvalidTransition(CauceError):
    code = "invalid_transition"
    status_code = 409
