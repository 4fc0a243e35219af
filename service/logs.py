"""Log lines with a timestamp and the request's ID, as text or as JSON, for every logger.

`logging_config` is one `logging.config.dictConfig` for the service's loggers and the server's
own (granian's, uvicorn's), so that every line of a process reads the same. The request ID of
the request being served (`REQUEST_ID`, set by the middleware) is added to each line logged
while serving it.

    text: 2026-11-30T12:00:00.123Z INFO service.access: "POST /classify HTTP/1.1" 200 request_id=…
    json: {"time": "2026-11-30T12:00:00.123Z", "level": "INFO", "logger": "service.access",
           "message": "...", "request_id": "…", "status": 200, ...}
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from contextvars import ContextVar
from typing import Any, Literal

LogFormat = Literal["text", "json"]
REQUEST_ID: ContextVar[str | None] = ContextVar("ccvae_request_id", default=None)
REQUEST_ID_HEADER = b"x-request-id"
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")
"""A caller's request ID is kept when it is 1 to 128 of these characters, else replaced."""
ACCESS = "service.access"
"""The logger of the one line per request (when access logging is on)."""
_FIELDS = ("method", "path", "status", "duration_ms", "client")
"""`extra` fields a JSON line carries as its own keys (the access line's)."""


def request_id(header: bytes | None) -> str:
    """The caller's X-Request-ID when it is safe to echo and log, else a fresh one."""
    if header is not None and _SAFE_ID.fullmatch(header):
        return header.decode("ascii")
    return os.urandom(16).hex()  # 128 random bits, as a uuid4's 122, at a tenth of its cost


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message request_id=…`, tracebacks below."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            line += f" request_id={rid}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            entry["request_id"] = rid
        for field in _FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: LogFormat, level: str) -> dict[str, Any]:
    """A dictConfig for this process's loggers, the server's (granian, uvicorn) included."""
    formatter = TextFormatter if log_format == "text" else JsonFormatter
    level = level.upper()
    handler = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # granian's own (its Rust core logs as `_granian`) and uvicorn's; their access logs
            # stay off: the service writes its own line per request (service.access).
            **{name: handler for name in ("_granian", "granian", "uvicorn", "uvicorn.error")},
            "granian.access": {**handler, "level": "CRITICAL"},
            "uvicorn.access": {**handler, "level": "CRITICAL"},
        },
    }
