"""Secrets never reach a log line: password hashes, API tokens, Fernet keys and tokens, session
cookies and `Authorization` values are masked in every record, whatever logger wrote it.

The redaction runs in the log-record factory (not a handler filter), so it also covers records of
libraries (uvicorn, SQLAlchemy) that propagate to handlers we do not own, and the traceback text
of `log.exception(...)` — a database error's message can quote the statement's parameters.
Engines are also created with `hide_parameters=True` (see `cauce.db.make_engine`); this is the
second line of defence.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # argon2 / bcrypt / generic PHC-format password hashes.
    (re.compile(r"\$argon2(?:id|i|d)\$[^\s'\"]+"), MASK),
    (re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{20,}"), MASK),
    # Cauce API tokens (cauce_ + 43 url-safe characters).
    (re.compile(r"cauce_[A-Za-z0-9_-]{20,}"), MASK),
    # Fernet tokens (version byte 0x80 → "gAAAAA…") and Fernet keys (32 bytes, url-safe base64).
    (re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"), MASK),
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"), MASK),
    # Header-ish "name: value" / "name=value" pairs whose value is a credential.
    (re.compile(r"(?i)((?:authorization|proxy-authorization|cookie|set-cookie|x-csrf-token|csrf_token|"
                r"cauce_session|password_hash|password|passwd|secret|api[_-]?key|access_token|"
                r"refresh_token)['\"]?\s*[:=]\s*['\"]?)([^'\"\s,;}\]]+(?:[ \t]+[^'\"\s,;}\]]+)?)"),
     r"\1" + MASK),
    # Bare credentials after a scheme (a header value logged on its own).
    (re.compile(r"(?i)\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + MASK),
)


def redact(text: str) -> str:
    """`text` with every known kind of secret replaced by `[redacted]`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_installed = False
_lock = threading.Lock()


def install() -> None:
    """Redact every log record created from now on in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: leave it to the logging module to report
        return
    if redact(message) != message:
        # Redact argument by argument first: some formatters (uvicorn's access log) read
        # `record.args` themselves. If a secret hides in a non-text argument, flatten the message.
        if isinstance(record.args, tuple):
            record.msg = redact(str(record.msg))
            record.args = tuple(_redact_arg(a) for a in record.args)
        try:
            still = record.getMessage()
        except Exception:
            still = message
        if redact(still) != still:
            record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    clean = redact(text)
    return value if clean == text else clean
