"""The API's one error shape and shared parameter types, documented in the OpenAPI schema.

Every error response of the API (CauceError, validation, 404/405/413 from routing and the body
limit) is `{"error": {"code": str, "message": str, "details"?: any}}`; the app documents those
statuses on every operation (FastAPI(responses=...)) so clients and schema fuzzers know what to expect.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, Field

# Ids are INTEGER columns (32-bit on PostgreSQL): anything outside 1..2^31-1 cannot exist, so it is
# refused by validation (422) instead of reaching the database (integer out of range → 500).
MAX_ID = 2**31 - 1
MAX_OFFSET = 1_000_000


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid_input, forbidden")
    message: str = Field(description="What went wrong and what to do, in Spanish")
    details: Any = Field(default=None, description="Per-field problems for invalid_input, when any")


class ErrorOut(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "Missing or invalid credentials (session cookie or Bearer token)",
    403: "Authenticated but not allowed (role, brand, CSRF)",
    404: "No such resource, or not visible to the caller",
    409: "Conflicts with the current state (e.g. an invalid case transition)",
    413: "Request body over this route's size limit",
    422: "Invalid input: out-of-range ids, bad values, invalid characters",
    503: "The database is unreachable (code database_unavailable); retry after `Retry-After` seconds",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _DESCRIPTIONS.items()
}


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; other C0 controls (except tab/newline/CR) carry no meaning.
    if value is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("contiene caracteres de control no permitidos (p. ej. NUL)")
    return value


# Path and query ids, offsets, and text without control characters.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
CleanStr = Annotated[str, AfterValidator(_no_nul)]
