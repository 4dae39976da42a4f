"""JSON logs through structlog; context (request id, tenant id, trace id) rides along.

Request and tenant ids ride in contextvars; the trace and span ids come from the
active OpenTelemetry span. Every line passes the secret redactor last.
"""

import logging
import os
import sys
from typing import Any

import structlog
from opentelemetry import trace

from tessera_common.observability.redaction import EventDict, SecretRedactor
from tessera_common.settings import DEFAULT_INTERNAL_TOKEN_SECRET, DEFAULT_OPERATOR_KEY

# Secrets (variable, default) whose exact values must never be logged.
SECRET_VARIABLES = (
    ("TESSERA_OPERATOR_KEY", DEFAULT_OPERATOR_KEY),
    ("TESSERA_INTERNAL_TOKEN_SECRET", DEFAULT_INTERNAL_TOKEN_SECRET),
)


def add_trace_context(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """The active span's trace and span ids, as Jaeger and Tempo show them."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON object per line on stdout, stdlib loggers included."""
    redactor = SecretRedactor(os.environ.get(name) or default for name, default in SECRET_VARIABLES)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_context,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.EventRenamer("message"),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            redactor,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redactor,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn installs its own plain-text handlers: route its records through ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # No access log (the services run with --no-access-log): a line per request would cost
    # about a tenth of a service's CPU, and the request metrics already count every one.
    # uvicorn logs access lines whenever this logger has a handler, its parents' included.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    # One line per proxied or internal HTTP call is noise at INFO; keep warnings.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.bind_contextvars(service=service)
