"""The API's response contract, from the application's own route table (issue #12).

- Every /api operation names its success body with a pydantic `response_model` built on
  `cauce.apimodel.StrictOut` (extra="forbid", down to every nested model): a handler that returns a
  key its model does not declare fails instead of the key leaking or silently vanishing. The only
  operations without one have no JSON body at all: a 204, or a file download that documents its media types.
- Every error status of every operation is documented with the one error shape (`ErrorOut`).
- Every GET under /api, called on a seeded world, answers a body its model validates strictly.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from cauce.apimodel import StrictOut
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage


@pytest.fixture(scope="module")
def bare_app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"), run_scheduler=False, check_migrations=False)


def api_operations(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        if isinstance(route, APIRoute) and path.startswith("/api/"):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, path, route


def _models_in(annotation: Any) -> Iterator[Any]:
    """Every class an annotation names (through list, dict, unions, Optional)."""
    origin = typing.get_origin(annotation)
    if origin is None:
        if annotation is not type(None):
            yield annotation
        return
    if origin is typing.Annotated:
        yield from _models_in(typing.get_args(annotation)[0])
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _strictness_problems(annotation: Any) -> list[str]:
    """Why this response model is not a strict, named contract ([] when it is)."""
    top = list(_models_in(annotation))
    if not top or not all(isinstance(t, type) and issubclass(t, StrictOut) for t in top):
        return [f"response_model {annotation!r} is not (a list or union of) StrictOut models"]
    problems, seen, todo = [], set(), list(top)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        if model.model_config.get("extra") != "forbid":
            problems.append(f"nested model {model.__module__}.{model.__qualname__} does not forbid extra keys")
        for field in model.model_fields.values():
            todo.extend(m for m in _models_in(field.annotation) if isinstance(m, type) and issubclass(m, BaseModel))
    return problems


def _has_no_json_body(route: APIRoute) -> bool:
    """A 204, or a file download: a non-JSON response class that documents its media types."""
    if route.status_code == 204:
        return True
    documented = (route.responses or {}).get(200, {}).get("content", {})
    response_class = route.response_class
    is_json = not isinstance(response_class, type) or issubclass(response_class, JSONResponse)
    return not is_json and bool(documented) and not any("json" in media for media in documented)


def test_every_api_operation_answers_a_strict_named_model(bare_app: FastAPI) -> None:
    operations = list(api_operations(bare_app))
    assert len(operations) > 60  # the walk really sees the API
    problems = []
    for method, path, route in operations:
        if route.response_model is None:
            if not _has_no_json_body(route):
                problems.append(f"{method} {path}: no response_model")
            continue
        problems += [f"{method} {path}: {p}" for p in _strictness_problems(route.response_model)]
    assert not problems, "API operations without a strict response model:\n  " + "\n  ".join(problems)


def test_every_error_status_is_documented_with_the_one_error_shape(bare_app: FastAPI) -> None:
    spec = bare_app.openapi()
    problems = []
    for path, item in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            for status in ("401", "403", "404", "422", "503"):
                schema = operation["responses"].get(status, {}).get("content", {}).get("application/json", {})
                if schema.get("schema", {}).get("$ref") != "#/components/schemas/ErrorOut":
                    problems.append(f"{method.upper()} {path} {status}")
    assert not problems, "error statuses not documented as ErrorOut:\n  " + "\n  ".join(problems)


def test_a_handler_that_returns_an_undeclared_key_fails_instead_of_leaking_it() -> None:
    class Out(StrictOut):
        id: int

    app = FastAPI()

    @app.get("/x", response_model=Out)
    def handler() -> dict[str, Any]:
        return {"id": 1, "password_hash": "$argon2id$…"}

    with pytest.raises(ResponseValidationError):
        TestClient(app).get("/x")


@pytest.fixture
def seeded(db: Database) -> Iterator[tuple[TestClient, dict[str, str], FastAPI]]:
    brand = make_brand(db, name="Marca A")
    make_brand(db, name="Marca B")
    with db.session() as s:
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura",
                                 actor=SYSTEM)
        token = auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)
    with scripted_triage():
        with db.session() as s:
            for n in range(1, 4):
                ingest(s, mention(n, brand="marca-a", handle=f"@u{n}"), actor=SYSTEM)
        app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, {"Authorization": f"Bearer {token}", "X-Brand": str(brand.id)}, app


def test_every_api_read_answers_a_body_its_model_validates_strictly(
        seeded: tuple[TestClient, dict[str, str], FastAPI]) -> None:
    client, headers, app = seeded
    headers = {"Authorization": headers["Authorization"]}
    ids = {"key": "volumes", "fmt": "csv"}
    answered, problems = [], []
    for method, path, route in api_operations(app):
        if method != "GET" or route.response_model is None:
            continue
        problems += [f"GET {path}: {p}" for p in _strictness_problems(route.response_model)]
        url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "1"), path)
        response = client.get(url, headers=headers)
        if response.status_code >= 500:
            problems.append(f"GET {url} → {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        try:
            TypeAdapter(route.response_model).validate_python(response.json())
        except Exception as exc:  # a key the model does not declare, or a missing or mistyped one
            problems.append(f"GET {url}: {exc}")
        answered.append(url)
    assert not problems, "\n".join(problems)
    # The world holds a case, a person, brands and their guidelines: most reads really answer.
    assert len(answered) >= 15, answered


def test_the_twin_shapes_are_one_model_each() -> None:
    """One shape per thing: a channel account and a person's handle are each one model (stop 17)."""
    from cauce.brands import channels
    from cauce.connectors import api as connectors_api
    from cauce.people import api as people_api
    from cauce.people import schemas as people_schemas

    assert not hasattr(connectors_api, "ChannelOut") and not hasattr(people_api, "PersonHandleOut")
    assert people_api.PersonOut.model_fields["handles"].annotation == list[people_schemas.HandleOut]
    assert issubclass(channels.ChannelView, StrictOut)
