"""Log lines that say which request or which job wrote them; JSON for machines, text for people.

`CAUCE_LOG_FORMAT=json` makes every line one JSON object:
`{"timestamp", "level", "logger", "message", "request_id"?, "job"?, "job_id"?, "exc_info"?}`;
`text` (the default, for the demo and a terminal) is the classic one-line format with the ids
appended in brackets. `CAUCE_LOG_LEVEL` sets the level (default INFO).

The ids come from context variables, so they follow the code across `await` and into
`asyncio.to_thread` without being passed around:
- the web layer binds a request id per HTTP request (`X-Request-ID` or a new one, echoed back);
- the runtime wraps each job or task run in `bind_job(name, id)`.

Secrets: messages are scrubbed by `cauce.logsafety` when the record is created; the JSON formatter
also redacts every extra field and the traceback it formats itself.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from cauce import logsafety

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("cauce_request_id", default=None)
job_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("cauce_job", default=None)
job_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("cauce_job_id", default=None)

# What we accept from a client's X-Request-ID: short, printable, no spaces (it lands in every log line).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"


def new_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(header: str | None) -> str:
    """The client's request id when it is a sane token, else a new one."""
    if header and _REQUEST_ID.fullmatch(header.strip()):
        return header.strip()
    return new_id()


@contextlib.contextmanager
def bind_request(request_id: str) -> Iterator[str]:
    token = request_id_var.set(request_id)
    try:
        yield request_id
    finally:
        request_id_var.reset(token)


@contextlib.contextmanager
def bind_job(name: str, job_id: str | None = None) -> Iterator[str]:
    """Every log line written inside carries `job=name` and `job_id` (a new id when None).

    For the runtime: one `with bind_job(task.name, message_id):` around each task or periodic run.
    """
    job_id = job_id or new_id()[:16]
    tokens = (job_var.set(name), job_id_var.set(job_id))
    try:
        yield job_id
    finally:
        job_id_var.reset(tokens[1])
        job_var.reset(tokens[0])


def current_ids() -> dict[str, str]:
    ids = {"request_id": request_id_var.get(), "job": job_var.get(), "job_id": job_id_var.get()}
    return {k: v for k, v in ids.items() if v}


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (`record.request_id`, `record.job`, `record.job_id`) and a
    ready-made suffix for the text format (`record.context`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current_ids()
        for key in ("request_id", "job", "job_id"):
            if not hasattr(record, key):
                setattr(record, key, ids.get(key))
        shown = " ".join(f"{k}={v}" for k, v in ids.items())
        record.context = f" [{shown}]" if shown else ""
        return True


class SafeJsonFormatter(JsonFormatter):
    """python-json-logger's formatter with our field names, ids and secret redaction."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp=True,
                         rename_fields={"levelname": "level", "name": "logger"},
                         reserved_attrs=[*_RESERVED, "context"])

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in log_data.items():
            if value is None and key in ("request_id", "job", "job_id"):
                continue
            out[key] = logsafety.redact(value) if isinstance(value, str) else value
        return out

    def formatException(self, ei: Any) -> str:
        return logsafety.redact(logging.Formatter.formatException(self, ei))


_RESERVED = ("args", "asctime", "created", "exc_info", "exc_text", "filename", "funcName", "levelno", "lineno",
             "module", "msecs", "msg", "pathname", "process", "processName", "relativeCreated", "stack_info",
             "thread", "threadName", "taskName")


def log_format() -> str:
    from cauce.config import get_settings

    return get_settings().log_format


_HANDLER_NAME = "cauce"


def configure(fmt: str | None = None, level: str | int | None = None, stream: Any = None) -> logging.Handler:
    """One handler on the root logger (replacing ours from an earlier call), JSON or text; idempotent."""
    logsafety.install()
    fmt = fmt or log_format()
    if level is None:
        from cauce.config import get_settings

        level = get_settings().log_level
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(SafeJsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def uvicorn_log_config() -> dict[str, Any] | None:
    """For `uvicorn.run(log_config=…)`: in JSON mode None (uvicorn's loggers propagate to our root
    handler, access lines included, with the request id); in text mode uvicorn's own default."""
    if log_format() != "json":
        from uvicorn.config import LOGGING_CONFIG

        return LOGGING_CONFIG
    return None
