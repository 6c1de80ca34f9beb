"""``Terminal``: a handle on one terminal on the server (mirrors ``RemoteTerminal`` of @orchflow/client)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _validate as check
from .streams import DEFAULT_STREAM_BUFFER_BYTES, OutputStream
from .types import ExecResult, ExitInfo, OutputData, ReadResult, Snapshot, TerminalInfo

if TYPE_CHECKING:
    from .client import Orchestrator

#: Extra seconds a request waits beyond a command's own ``timeout`` before giving up on the server.
EXECUTE_RESPONSE_MARGIN = 30.0

#: Seconds an ``execute`` whose ``stop`` event was set waits for the server's answer, which carries
#: the partial result: 5 (the TypeScript client's ``EXECUTE_CANCEL_WAIT_MS``). The server interrupts
#: the command first (SIGINT, then SIGKILL after 2 s for a command that ignores it) and the shell
#: shows its prompt; the rest is room for the trip.
EXECUTE_STOP_WAIT = 5.0


class Terminal:
    """A terminal on the server, driven over RPC."""

    def __init__(self, orchestrator: Orchestrator, info: TerminalInfo) -> None:
        self._orch = orchestrator
        self._info = info

    def __repr__(self) -> str:
        return f"Terminal(id={self.id!r}, agent_id={self.agent_id!r}, state={self._info.state!r})"

    @property
    def id(self) -> str:
        """The terminal's id."""
        return self._info.id

    @property
    def agent_id(self) -> str:
        """The agent that owns it."""
        return self._info.agent_id

    @property
    def info(self) -> TerminalInfo:
        """What this handle last learned about the terminal (at spawn, resize and kill)."""
        return self._info

    async def execute(
        self,
        command: str,
        *,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        max_output_bytes: int | None = None,
        wait_for_floor: bool = False,
        on_output: Callable[[OutputData], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        request_timeout: float | None = None,
        stop: asyncio.Event | None = None,
    ) -> ExecResult:
        """Runs ``command`` in the terminal's persistent shell and returns its result.

        ``timeout``/``idle_timeout`` are seconds (the server interrupts the command: the result
        has ``timed_out=True``). Cancelling the task running this sends ``$/cancelRequest``: the
        server interrupts the command (SIGINT, then SIGKILL) and the terminal stays usable; the
        task raises ``CancelledError`` at once, without the partial output.
        ``on_output`` gets the raw output while it runs; ``on_start`` the offset once admitted.
        ``request_timeout`` is how long to wait for the answer, in seconds: by default ``timeout``
        plus a margin, or no limit when the command has no ``timeout`` (0 also means no limit).

        ``stop``: setting this event stops the command and hands back what it printed. The server
        interrupts it as above; this call waits up to :data:`EXECUTE_STOP_WAIT` seconds for the
        server's answer (``request_timeout`` no longer applies) and raises
        :class:`~orchflow.Cancelled` whose ``data["result"]`` is the partial :class:`ExecResult`.
        A command that finished before the interrupt reached it raises ``Cancelled`` too, its
        whole result in ``data["result"]``. No answer in time, a command stopped before it
        started, or a lost connection: a plain ``Cancelled`` (``data`` is ``None``). Set before
        the call: ``Cancelled`` at once, nothing is sent. Needs the ``cancellation`` feature.
        """
        params: dict[str, Any] = {"terminalId": self.id, "command": check.command_text(command)}
        if timeout is not None:
            params["timeoutMs"] = check.timeout_ms(timeout, "timeout")
        if idle_timeout is not None:
            params["idleTimeoutMs"] = check.timeout_ms(idle_timeout, "idle_timeout")
        if max_output_bytes is not None:
            params["maxOutputBytes"] = check.positive_int(max_output_bytes, "max_output_bytes", check.MAX_OUTPUT_BYTES)
        if wait_for_floor:
            params["waitForFloor"] = True
        if on_output is not None:
            self._orch._require("executeProgress", "execute() with on_output")
        if stop is not None:
            check.event(stop, "stop", asyncio.Event, "asyncio.Event")
            self._orch._require("cancellation", "execute() with stop")
        wait = request_timeout if request_timeout is not None else (
            # No command timeout: no limit (commands may run for hours), as in the TypeScript client.
            0.0 if timeout is None else timeout + EXECUTE_RESPONSE_MARGIN
        )
        progress = _progress_handler(on_output, on_start) if (on_output or on_start) else None
        raw = await self._orch._peer.request(
            "terminal.execute",
            params,
            timeout=wait,
            on_progress=progress,
            stop=stop,
            stop_wait=EXECUTE_STOP_WAIT,
            parse_stopped_result=ExecResult.from_wire,
        )
        return ExecResult.from_wire(raw)

    async def write(self, data: str | bytes) -> int:
        """Sends input as if typed (``\\r`` is Enter); bytes that are not UTF-8 go as base64. Returns bytes written."""
        params: dict[str, Any] = {"terminalId": self.id}
        if isinstance(data, str):
            params["data"] = data
        else:
            try:
                params["data"] = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                params["data"] = base64.b64encode(bytes(data)).decode("ascii")
                params["encoding"] = "base64"
        result = await self._orch._peer.request("terminal.write", params)
        return int(result["bytesWritten"])

    async def resize(self, cols: int, rows: int) -> tuple[int, int]:
        """Changes the size; returns ``(cols, rows)`` now in effect."""
        params = {
            "terminalId": self.id,
            "cols": check.positive_int(cols, "cols", check.MAX_DIMENSION),
            "rows": check.positive_int(rows, "rows", check.MAX_DIMENSION),
        }
        size = await self._orch._peer.request("terminal.resize", params)
        self._info = _replace(self._info, cols=size["cols"], rows=size["rows"])
        return int(size["cols"]), int(size["rows"])

    async def kill(self, signal: str | None = None) -> ExitInfo:
        """Kills the terminal's whole process tree; returns how it ended."""
        params: dict[str, Any] = {"terminalId": self.id}
        if signal is not None:
            params["signal"] = signal
        exit_info = ExitInfo.from_wire(await self._orch._peer.request("terminal.kill", params))
        self._info = _replace(self._info, state="exited", exit_code=exit_info.exit_code)
        return exit_info

    async def snapshot(self) -> Snapshot:
        """The visible screen."""
        return Snapshot.from_wire(await self._orch._peer.request("terminal.snapshot", {"terminalId": self.id}))

    async def read(self, from_offset: int | None = None, max_bytes: int | None = None) -> ReadResult:
        """Retained output by absolute byte offset (default: from the oldest byte still retained)."""
        params: dict[str, Any] = {"terminalId": self.id}
        if from_offset is not None:
            params["fromOffset"] = check.offset(from_offset, "from_offset")
        if max_bytes is not None:
            params["maxBytes"] = check.positive_int(max_bytes, "max_bytes", check.MAX_READ_BYTES)
        return ReadResult.from_wire(await self._orch._peer.request("terminal.read", params))

    def stream(self, from_offset: int | None = None, *, max_buffered_bytes: int = DEFAULT_STREAM_BUFFER_BYTES) -> OutputStream:
        """The terminal's output as an async iterator: from ``from_offset`` (replaying retained output) or live."""
        if from_offset is not None:
            check.offset(from_offset, "from_offset")
        self._orch._require("subscriptions", "stream()")
        return OutputStream(self._orch._router, self.id, from_offset, max_buffered_bytes)

    async def activity(self) -> dict[str, Any]:
        """What the terminal does now: ``{activity: idle|running|awaiting_input|exited, command?, since?, …}``."""
        result: dict[str, Any] = await self._orch._peer.request("terminal.activity", {"terminalId": self.id})
        return result

    async def history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest ``limit`` commands it ran (default 100), oldest first."""
        params: dict[str, Any] = {"terminalId": self.id}
        if limit is not None:
            params["limit"] = check.positive_int(limit, "limit", 1000)
        result = await self._orch._peer.request("terminal.history", params)
        commands: list[dict[str, Any]] = result["commands"]
        return commands


def _progress_handler(
    on_output: Callable[[OutputData], None] | None, on_start: Callable[[int], None] | None
) -> Callable[[Any], None]:
    def deliver(value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("offset"), int):
            return
        offset = value["offset"]
        if value.get("started"):
            if on_start is not None:
                on_start(offset)
        elif on_output is not None and isinstance(value.get("data"), str):
            data = value["data"]
            next_offset = value.get("nextOffset")
            end = next_offset if isinstance(next_offset, int) else offset + len(data.encode("utf-8"))
            on_output(OutputData(data=data, offset=offset, next_offset=end))

    return deliver


def _replace(info: TerminalInfo, **changes: Any) -> TerminalInfo:
    from dataclasses import replace

    return replace(info, **changes)
