"""One log format for every process: JSON lines with request id and trace id.

Logs carry ids, never personal data (names, marks, contacts): log the
person's, the class's or the event's id instead.
"""
from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from services.common.request_context import current_request_id
from services.common.tracing import current_trace_id


class _ContextFilter(logging.Filter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = self.process
        record.request_id = current_request_id() or "-"
        record.trace_id = current_trace_id() or "-"
        return True


def configure_logging(process: str, level: str = "INFO", log_format: str = "json") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_ContextFilter(process))
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(process_name)s %(name)s %(request_id)s %(trace_id)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "process_name": "process"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(process_name)s %(name)s [%(request_id)s %(trace_id)s] %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
