"""Typed results: Python dataclasses for the protocol's result shapes (camelCase on the wire)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from .errors import OrchflowError, error_from_wire

ExecutionMode = Literal["interactive", "scripted", "sandboxed"]
TerminalState = Literal["starting", "running", "paused", "exited"]


@dataclass(frozen=True)
class ExecResult:
    """The outcome of one command (``terminal.execute``'s ``ExecResult``)."""

    #: The command's output (interactive mode: prompt, echo and ANSI removed, ``\\n`` line ends).
    stdout: str
    #: Separate stderr in scripted mode; empty in interactive mode (a PTY merges the streams).
    stderr: str
    #: Exit status; ``None`` when a signal or the shell's end ended the command.
    exit_code: int | None
    #: Signal name (``SIGINT``) when one ended the command.
    signal: str | None
    #: Wall-clock duration in seconds.
    duration: float
    #: True when ``timeout`` or ``idle_timeout`` ended the command.
    timed_out: bool
    #: True when output exceeded ``max_output_bytes`` and the middle was dropped.
    truncated: bool
    #: The shell's working directory after the command.
    cwd: str
    #: Scrollback offset where the command's output starts.
    output_offset: int | None = None
    #: True when the command ended the shell itself (``exit``).
    shell_exited: bool = False
    #: True when the shell stopped reporting command boundaries.
    integration_lost: bool = False

    @property
    def ok(self) -> bool:
        """True for exit code 0 without a timeout."""
        return self.exit_code == 0 and not self.timed_out

    @property
    def duration_ms(self) -> float:
        """The duration in milliseconds, as on the wire."""
        return self.duration * 1000.0

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> ExecResult:
        """Builds it from the wire's camelCase object."""
        return cls(
            stdout=raw["stdout"],
            stderr=raw["stderr"],
            exit_code=raw["exitCode"],
            signal=raw["signal"],
            duration=float(raw["durationMs"]) / 1000.0,
            timed_out=bool(raw["timedOut"]),
            truncated=bool(raw["truncated"]),
            cwd=raw["cwd"],
            output_offset=raw.get("outputOffset"),
            shell_exited=bool(raw.get("shellExited", False)),
            integration_lost=bool(raw.get("integrationLost", False)),
        )


@dataclass(frozen=True)
class TerminalInfo:
    """What a caller sees of a terminal."""

    id: str
    agent_id: str
    pid: int
    mode: ExecutionMode
    backend: str
    state: TerminalState
    cols: int
    rows: int
    created_at: str
    exit_code: int | None = None
    name: str | None = None
    shell: str | None = None
    cwd: str | None = None
    pausable: bool | None = None
    #: Who holds the floor (``{name, kind, since}``), when someone does.
    floor: dict[str, Any] | None = None
    #: Why an exited terminal counts as exited when its exit was concluded, not seen:
    #: ``"node-lost"`` for a terminal of a cluster node that is gone (it may come back).
    exit_reason: str | None = None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> TerminalInfo:
        """Builds it from the wire's camelCase object."""
        return cls(
            id=raw["id"],
            agent_id=raw["agentId"],
            pid=raw["pid"],
            mode=raw["mode"],
            backend=raw["backend"],
            state=raw["state"],
            cols=raw["cols"],
            rows=raw["rows"],
            created_at=raw["createdAt"],
            exit_code=raw.get("exitCode"),
            name=raw.get("name"),
            shell=raw.get("shell"),
            cwd=raw.get("cwd"),
            pausable=raw.get("pausable"),
            floor=raw.get("floor"),
            exit_reason=raw.get("exitReason"),
        )


class TerminalList(list[TerminalInfo]):
    """What ``list_terminals()`` returns: a ``list`` of :class:`TerminalInfo` that also carries ``unreachable_nodes``.

    From a cluster gateway or router the listing may be partial: ``unreachable_nodes`` names the
    live nodes that did not answer in time, so their terminals are missing from the list. It is
    empty from a single server and when every node answered.
    """

    def __init__(self, terminals: Iterable[TerminalInfo] = (), unreachable_nodes: Iterable[str] = ()) -> None:
        super().__init__(terminals)
        #: Live cluster nodes that did not answer in time (their terminals are not listed).
        self.unreachable_nodes: list[str] = list(unreachable_nodes)

    def __repr__(self) -> str:
        if not self.unreachable_nodes:
            return f"TerminalList({list.__repr__(self)})"
        return f"TerminalList({list.__repr__(self)}, unreachable_nodes={self.unreachable_nodes!r})"

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> TerminalList:
        """Builds it from ``terminal.list``'s result (``{terminals, unreachableNodes?}``)."""
        return cls(
            (TerminalInfo.from_wire(item) for item in raw["terminals"]),
            (str(node) for node in raw.get("unreachableNodes") or ()),
        )


@dataclass(frozen=True)
class ExitInfo:
    """How a terminal ended."""

    exit_code: int | None
    signal: str | None
    reason: str | None = None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> ExitInfo:
        """Builds it from the wire object."""
        return cls(exit_code=raw.get("exitCode"), signal=raw.get("signal"), reason=raw.get("reason"))


@dataclass(frozen=True)
class Snapshot:
    """The visible screen."""

    lines: list[str]
    cursor_x: int
    cursor_y: int
    cols: int
    rows: int
    alt_screen: bool

    @property
    def text(self) -> str:
        """The screen's lines joined with newlines, trailing blanks removed."""
        return "\n".join(line.rstrip() for line in self.lines).rstrip()

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Snapshot:
        """Builds it from the wire object."""
        return cls(
            lines=list(raw["lines"]),
            cursor_x=raw["cursor"]["x"],
            cursor_y=raw["cursor"]["y"],
            cols=raw["cols"],
            rows=raw["rows"],
            alt_screen=bool(raw["altScreen"]),
        )


@dataclass(frozen=True)
class ReadResult:
    """A page of scrollback; offsets are absolute byte offsets since the terminal started."""

    data: str
    offset: int
    next_offset: int
    end_offset: int
    #: ``(from, to)`` when bytes that were asked for rotated out of the ring.
    gap: tuple[int, int] | None = None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> ReadResult:
        """Builds it from the wire object."""
        gap = raw.get("gap")
        return cls(
            data=raw["data"],
            offset=raw["offset"],
            next_offset=raw["nextOffset"],
            end_offset=raw["endOffset"],
            gap=(gap["from"], gap["to"]) if isinstance(gap, dict) else None,
        )


@dataclass(frozen=True)
class OutputData:
    """A piece of streamed output; resume from ``next_offset``."""

    data: str
    offset: int
    next_offset: int
    kind: Literal["data"] = "data"


@dataclass(frozen=True)
class OutputGap:
    """Output in ``[start, end)`` was not delivered (rotated out, or a slow reader); read it back with ``read``."""

    start: int
    end: int
    kind: Literal["gap"] = "gap"


@dataclass(frozen=True)
class OutputEnd:
    """The terminal exited; nothing follows. ``offset`` is one past the last byte delivered."""

    offset: int
    exit: ExitInfo | None = None
    kind: Literal["end"] = "end"


#: What ``Terminal.stream()`` yields.
OutputEvent = Union[OutputData, OutputGap, OutputEnd]


@dataclass(frozen=True)
class BatchItem:
    """The outcome of one command of a batch or transaction, in the order given."""

    terminal_id: str
    result: ExecResult | None = None
    error: OrchflowError | None = None

    @property
    def ok(self) -> bool:
        """True when the command ran (whatever its exit code)."""
        return self.error is None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> BatchItem:
        """Builds it from the wire's ``BatchItemResult``."""
        if raw.get("ok"):
            return cls(terminal_id=raw["terminalId"], result=ExecResult.from_wire(raw["result"]))
        return cls(terminal_id=raw["terminalId"], error=error_from_wire(raw.get("error")))


@dataclass(frozen=True)
class Command:
    """One command of a batch or transaction."""

    terminal_id: str
    command: str
    #: Hard limit for the command, in seconds.
    timeout: float | None = None
    #: Limit on time without output, in seconds.
    idle_timeout: float | None = None
    max_output_bytes: int | None = None

    def to_wire(self) -> dict[str, Any]:
        """The wire's ``ExecuteCommand``."""
        from ._validate import command_text, timeout_ms

        wire: dict[str, Any] = {"terminalId": self.terminal_id, "command": command_text(self.command)}
        if self.timeout is not None:
            wire["timeoutMs"] = timeout_ms(self.timeout, "timeout")
        if self.idle_timeout is not None:
            wire["idleTimeoutMs"] = timeout_ms(self.idle_timeout, "idle_timeout")
        if self.max_output_bytes is not None:
            wire["maxOutputBytes"] = self.max_output_bytes
        return wire


@dataclass(frozen=True)
class SecurityAlert:
    """A ``security.alert`` notification."""

    severity: str
    reason: str
    rule: str | None = None
    agent_id: str | None = None
    terminal_id: str | None = None
    command: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> SecurityAlert:
        """Builds it from the notification's params."""
        return cls(
            severity=str(raw.get("severity")),
            reason=str(raw.get("reason")),
            rule=raw.get("rule"),
            agent_id=raw.get("agentId"),
            terminal_id=raw.get("terminalId"),
            command=raw.get("command"),
            raw=raw,
        )
