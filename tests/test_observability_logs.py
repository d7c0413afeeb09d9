"""Issue #16: structured log lines (JSON or text) carry the request and job ids, never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from cauce.observability import logs


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("json", "INFO", stream=stream)
    try:
        yield stream, handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_have_the_fields_and_the_bound_ids(captured: tuple[io.StringIO, logging.Handler]) -> None:
    stream, _ = captured
    log = logging.getLogger("cauce.test")
    log.info("fuera de todo")
    with logs.bind_request("req-1"):
        log.warning("en la solicitud %s", 7)
        with logs.bind_job("replies.outbox", "msg-42"):
            log.info("en el trabajo")
    with logs.bind_job("cases.sla") as job_id:
        log.info("sin id dado")
    first, second, third, fourth = _lines(stream)
    assert set(first) == {"timestamp", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "cauce.test" and first["message"] == "fuera de todo"
    assert second["message"] == "en la solicitud 7" and second["request_id"] == "req-1" and "job" not in second
    assert third["request_id"] == "req-1" and third["job"] == "replies.outbox" and third["job_id"] == "msg-42"
    assert fourth["job"] == "cases.sla" and fourth["job_id"] == job_id and "request_id" not in fourth


def test_ids_follow_the_code_into_threads_and_tasks(captured: tuple[io.StringIO, logging.Handler]) -> None:
    stream, _ = captured
    log = logging.getLogger("cauce.test")

    async def handler() -> None:
        await asyncio.to_thread(log.info, "en un hilo")

    async def main() -> None:
        with logs.bind_request("req-9"):
            await asyncio.gather(handler(), handler())

    asyncio.run(main())
    assert [line["request_id"] for line in _lines(stream)] == ["req-9", "req-9"]


def test_secrets_are_redacted_in_message_extras_and_tracebacks(captured: tuple[io.StringIO, logging.Handler]) -> None:
    stream, _ = captured
    token = "cauce_" + "A" * 43
    log = logging.getLogger("cauce.test")
    log.info("token %s", token, extra={"header": f"Authorization: Bearer {token}"})
    try:
        raise RuntimeError(f"password={token}")
    except RuntimeError:
        log.exception("falló")
    text = stream.getvalue()
    assert token not in text and "[redacted]" in text
    second = _lines(stream)[1]
    assert "exc_info" in second and "RuntimeError" in str(second["exc_info"])


def test_text_format_appends_the_ids() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("text", "INFO", stream=stream)
    try:
        with logs.bind_request("req-3"):
            logging.getLogger("cauce.test").info("hola")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    line = stream.getvalue().strip()
    assert line.endswith("cauce.test: hola [request_id=req-3]")


def test_a_client_request_id_is_kept_only_when_sane() -> None:
    assert logs.accept_request_id("abc-123") == "abc-123"
    assert logs.accept_request_id("a b") != "a b"
    assert logs.accept_request_id('x"\n{') != 'x"\n{'
    assert len(logs.accept_request_id(None)) == 32
