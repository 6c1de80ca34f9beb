"""Local checks of values before they are sent, mirroring the protocol's limits (clear errors, no round trip)."""

from __future__ import annotations

import math
import re
from typing import TypeVar

from .errors import InvalidParams

MAX_ID_LENGTH = 256
MAX_COMMAND_LENGTH = 1024 * 1024
MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_READ_BYTES = 16 * 1024 * 1024
MAX_DIMENSION = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
E = TypeVar("E")


def ident(value: str, what: str) -> str:
    """An id (agent, terminal): 1-256 characters without control characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH or _CONTROL.search(value):
        raise InvalidParams(f"{what} must be 1-{MAX_ID_LENGTH} characters without control characters, got {value!r}", local=True)
    return value


def command_text(value: str) -> str:
    """A command line: non-empty, at most 1 MiB."""
    if not isinstance(value, str) or not value or len(value) > MAX_COMMAND_LENGTH:
        raise InvalidParams("command must be a non-empty string of at most 1 MiB", local=True)
    return value


def timeout_ms(seconds: float, what: str) -> int:
    """Seconds as the wire's whole milliseconds (1 ms to 24 h)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds) or seconds <= 0:
        raise InvalidParams(f"{what} must be a positive number of seconds, got {seconds!r}", local=True)
    ms = max(1, round(seconds * 1000))
    if ms > MAX_TIMEOUT_MS:
        raise InvalidParams(f"{what} must be at most 24 h (86400 s); omit it for longer commands", local=True)
    return ms


def positive_int(value: int, what: str, maximum: int | None = None) -> int:
    """A positive integer, optionally bounded."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidParams(f"{what} must be a positive integer{bound}, got {value!r}", local=True)
    return value


def offset(value: int, what: str) -> int:
    """A byte offset: a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParams(f"{what} must be a non-negative integer byte offset, got {value!r}", local=True)
    return value


def event(value: E, what: str, kind: type[E], kind_name: str) -> E:
    """An event object of ``kind`` (``asyncio.Event``, or ``threading.Event`` in the sync facade)."""
    if not isinstance(value, kind):
        raise InvalidParams(f"{what} must be an {kind_name} or None, got {type(value).__name__}", local=True)
    return value
