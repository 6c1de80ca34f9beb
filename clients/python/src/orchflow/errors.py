"""Exceptions, one class per orchflow error code.

Errors on the wire are JSON-RPC error objects ``{code, message, data?}``; :func:`error_from_wire`
rebuilds them as the subclass of :class:`OrchflowError` for that code, so callers can write
``except PolicyDenied as e: print(e.rule)`` instead of comparing numbers. Failures on this side
(a lost connection, a request that timed out locally) use the same codes, as the TypeScript client
does, so one ``except Timeout`` covers a server's timeout and ours.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar


class ErrorCode(IntEnum):
    """JSON-RPC 2.0 codes plus orchflow's own (mirrors ``ErrorCode`` of @orchflow/protocol)."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    TERMINAL_NOT_FOUND = -32001
    POLICY_DENIED = -32002
    QUOTA_EXCEEDED = -32003
    TIMEOUT = -32004
    UNAUTHORIZED = -32005
    FORBIDDEN = -32006
    TERMINAL_EXITED = -32007
    VERSION_MISMATCH = -32008
    CANCELLED = -32009
    OVERLOADED = -32010
    SPAWN_FAILED = -32011
    NOT_INITIALIZED = -32012
    PAYLOAD_TOO_LARGE = -32013
    INVALID_STATE = -32014
    UNSUPPORTED = -32015
    CHANNEL_CLOSED = -32016
    FLOOR_HELD = -32017
    UNAVAILABLE = -32018


class OrchflowError(Exception):
    """An orchflow error: ``code`` (see :class:`ErrorCode`), the server's ``message`` and ``data``."""

    #: The code this class stands for; the base class takes any code.
    default_code: ClassVar[int] = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, code: int | None = None, data: Any = None, local: bool = False):
        super().__init__(message)
        self.message = message
        self.code: int = self.default_code if code is None else code
        self.data: Any = data
        #: True when this side raised it (lost connection, local timeout, local validation).
        self.local = local

    @property
    def code_name(self) -> str:
        """The symbolic name of the code, e.g. ``PolicyDenied``."""
        try:
            return _CAMEL_NAMES[ErrorCode(self.code)]
        except ValueError:
            return "UnknownError"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r}, data={self.data!r})"


class ParseError(OrchflowError):
    """The frame was not valid JSON."""

    default_code = ErrorCode.PARSE_ERROR


class InvalidRequest(OrchflowError):
    """Not a valid JSON-RPC message."""

    default_code = ErrorCode.INVALID_REQUEST


class MethodNotFound(OrchflowError):
    """Unknown method; check ``Orchestrator.capabilities``."""

    default_code = ErrorCode.METHOD_NOT_FOUND


class InvalidParams(OrchflowError, ValueError):
    """Params failed their schema (``data`` holds the issues); also raised for local validation."""

    default_code = ErrorCode.INVALID_PARAMS


class InternalError(OrchflowError):
    """A bug or unexpected failure on the server."""

    default_code = ErrorCode.INTERNAL_ERROR


class TerminalNotFound(OrchflowError):
    """No such terminal is visible to the caller."""

    default_code = ErrorCode.TERMINAL_NOT_FOUND


class PolicyDenied(OrchflowError):
    """The security policy or a plugin refused; ``rule``, ``reason`` and ``command`` say what and why."""

    default_code = ErrorCode.POLICY_DENIED

    @property
    def rule(self) -> str | None:
        """The rule that refused, e.g. ``deniedCommands[0]: rm`` or ``connection:allowedCommands: no match``."""
        return _data_str(self.data, "rule")

    @property
    def reason(self) -> str | None:
        """Why, in words."""
        return _data_str(self.data, "reason")

    @property
    def command(self) -> str | None:
        """The command line that was judged, when one was."""
        return _data_str(self.data, "command")


class QuotaExceeded(OrchflowError):
    """Too many terminals (total or per agent)."""

    default_code = ErrorCode.QUOTA_EXCEEDED


class Timeout(OrchflowError):
    """The operation did not finish in time (on the server, or this side gave up waiting)."""

    default_code = ErrorCode.TIMEOUT


class Unauthorized(OrchflowError):
    """Missing or wrong token."""

    default_code = ErrorCode.UNAUTHORIZED


class Forbidden(OrchflowError):
    """The principal may not do this (e.g. emergency controls need admin)."""

    default_code = ErrorCode.FORBIDDEN


class TerminalExited(OrchflowError):
    """The terminal's process has exited."""

    default_code = ErrorCode.TERMINAL_EXITED


class VersionMismatch(OrchflowError):
    """Client and server protocol major versions differ."""

    default_code = ErrorCode.VERSION_MISMATCH


class Cancelled(OrchflowError):
    """The request was cancelled (``$/cancelRequest``).

    From ``Terminal.execute(..., stop=…)``: ``data["result"]`` is the stopped command's partial
    :class:`~orchflow.ExecResult` once the server answered, else ``data`` is ``None``. From
    ``batch_execute(..., stop=…)`` and ``Transaction.commit(stop=…)``: ``data["results"]``, one
    :class:`~orchflow.BatchItem` per command.
    """

    default_code = ErrorCode.CANCELLED


class Overloaded(OrchflowError):
    """The server is at capacity; retry later."""

    default_code = ErrorCode.OVERLOADED


class SpawnFailed(OrchflowError):
    """The terminal could not start (missing shell, bad cwd)."""

    default_code = ErrorCode.SPAWN_FAILED


class NotInitialized(OrchflowError):
    """A request came before ``initialize``."""

    default_code = ErrorCode.NOT_INITIALIZED


class PayloadTooLarge(OrchflowError):
    """A message or payload is over the limit."""

    default_code = ErrorCode.PAYLOAD_TOO_LARGE


class InvalidState(OrchflowError):
    """The request conflicts with the current state (e.g. an unknown transaction)."""

    default_code = ErrorCode.INVALID_STATE


class Unsupported(OrchflowError):
    """This connection does not offer the feature (``data``: ``{feature, transport}``)."""

    default_code = ErrorCode.UNSUPPORTED


class ChannelClosed(OrchflowError):
    """Local only: the connection was lost or closed before the answer; the outcome is unknown."""

    default_code = ErrorCode.CHANNEL_CLOSED


class FloorHeld(OrchflowError):
    """A person holds the terminal's floor; ``data`` is ``{terminalId, holder}``."""

    default_code = ErrorCode.FLOOR_HELD


class Unavailable(OrchflowError):
    """Nothing can serve the request now (cluster); retry later."""

    default_code = ErrorCode.UNAVAILABLE


_CLASSES: dict[int, type[OrchflowError]] = {
    cls.default_code: cls
    for cls in (
        ParseError,
        InvalidRequest,
        MethodNotFound,
        InvalidParams,
        InternalError,
        TerminalNotFound,
        PolicyDenied,
        QuotaExceeded,
        Timeout,
        Unauthorized,
        Forbidden,
        TerminalExited,
        VersionMismatch,
        Cancelled,
        Overloaded,
        SpawnFailed,
        NotInitialized,
        PayloadTooLarge,
        InvalidState,
        Unsupported,
        ChannelClosed,
        FloorHeld,
        Unavailable,
    )
}

_CAMEL_NAMES: dict[ErrorCode, str] = {
    code: "".join(part.capitalize() for part in code.name.split("_")) for code in ErrorCode
}


def error_class(code: int) -> type[OrchflowError]:
    """The exception class for ``code`` (:class:`OrchflowError` for a code orchflow does not define)."""
    return _CLASSES.get(code, OrchflowError)


def error_from_wire(error: Any) -> OrchflowError:
    """Rebuilds a JSON-RPC error object as the matching exception; tolerates malformed input."""
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message")
        if isinstance(code, int) and not isinstance(code, bool):
            text = message if isinstance(message, str) else "Unknown error"
            return error_class(code)(text, code=code, data=error.get("data"))
    return InternalError(f"Malformed error from the server: {error!r}")


def _data_str(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
