"""A synchronous facade for scripts and tools without an event loop (Blender, notebooks, CLIs).

Every call runs the asyncio client on one background event-loop thread and waits for it::

    from orchflow.sync import Orchestrator
    with Orchestrator.sidecar() as orch:
        with orch.terminal_session("blender") as terminal:
            print(terminal.execute("echo hi", timeout=10).stdout)

Objects from this module must be used from ordinary (non-async) code.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, Literal, TypeVar

from . import _validate as check
from . import client as _client
from .client import ConnectOptions, ReconnectOptions
from .policy import PolicyLike
from .streams import OutputStream
from .terminal import Terminal as _AsyncTerminal
from .transaction import Transaction as _AsyncTransaction
from .types import (
    BatchItem,
    Command,
    ExecResult,
    ExitInfo,
    OutputData,
    OutputEvent,
    ReadResult,
    SecurityAlert,
    Snapshot,
    TerminalInfo,
    TerminalList,
    TerminalState,
)

T = TypeVar("T")

#: How often a call given a ``threading.Event`` to stop it looks at it, in seconds (it has no callback).
_STOP_POLL = 0.05

__all__ = ["ConnectOptions", "Orchestrator", "Terminal", "Transaction"]


class _LoopThread:
    """One daemon thread running an event loop, shared by the connections of this process."""

    _lock = threading.Lock()
    _instance: _LoopThread | None = None

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="orchflow-sync", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> _LoopThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _LoopThread()
            return cls._instance

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if threading.current_thread() is self.thread:
            raise RuntimeError("orchflow.sync called from its own event loop; use the async API there")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except KeyboardInterrupt:
            # Ctrl-C in a script: cancel the call (an execute is then interrupted on the server).
            future.cancel()
            raise

    def run_stoppable(self, start: Callable[[asyncio.Event], Coroutine[Any, Any, T]], stop: threading.Event) -> T:
        """Runs ``start(event)`` on the loop and sets ``event`` there once ``stop`` is set (checked every 50 ms)."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("orchflow.sync called from its own event loop; use the async API there")
        bridge = asyncio.Event()  # bound to the loop when first awaited; set before that, it stays set
        if stop.is_set():
            bridge.set()
        future: Future[T] = asyncio.run_coroutine_threadsafe(start(bridge), self.loop)
        try:
            while not bridge.is_set():
                try:
                    return future.result(_STOP_POLL)
                except concurrent.futures.TimeoutError:
                    if stop.is_set():
                        self.loop.call_soon_threadsafe(bridge.set)
                        break
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return _LoopThread.get().run(coroutine)


async def _call(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


class Terminal:
    """Synchronous twin of :class:`orchflow.Terminal`."""

    def __init__(self, inner: _AsyncTerminal) -> None:
        self._inner = inner

    def __repr__(self) -> str:
        return repr(self._inner)

    @property
    def id(self) -> str:
        """The terminal's id."""
        return self._inner.id

    @property
    def agent_id(self) -> str:
        """The agent that owns it."""
        return self._inner.agent_id

    @property
    def info(self) -> TerminalInfo:
        """What this handle last learned about the terminal."""
        return self._inner.info

    def execute(
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
        stop: threading.Event | None = None,
    ) -> ExecResult:
        """Runs a command and returns its result; Ctrl-C interrupts it on the server (arguments as in the async API).

        ``on_output`` and ``on_start`` run on the loop thread. ``stop`` is a ``threading.Event``
        (set it from another thread, a UI callback say): setting it interrupts the command and
        raises :class:`~orchflow.Cancelled` with the partial result in ``data["result"]``, as
        the async API's ``stop`` does (it is looked at every 50 ms).
        """

        def start(event: asyncio.Event | None) -> Coroutine[Any, Any, ExecResult]:
            return self._inner.execute(
                command,
                timeout=timeout,
                idle_timeout=idle_timeout,
                max_output_bytes=max_output_bytes,
                wait_for_floor=wait_for_floor,
                on_output=on_output,
                on_start=on_start,
                request_timeout=request_timeout,
                stop=event,
            )

        if stop is None:
            return _run(start(None))
        check.event(stop, "stop", threading.Event, "threading.Event")
        return _LoopThread.get().run_stoppable(start, stop)

    def write(self, data: str | bytes) -> int:
        """Sends input as if typed."""
        return _run(self._inner.write(data))

    def resize(self, cols: int, rows: int) -> tuple[int, int]:
        """Changes the size."""
        return _run(self._inner.resize(cols, rows))

    def kill(self, signal: str | None = None) -> ExitInfo:
        """Kills the terminal's process tree."""
        return _run(self._inner.kill(signal))

    def snapshot(self) -> Snapshot:
        """The visible screen."""
        return _run(self._inner.snapshot())

    def read(self, from_offset: int | None = None, max_bytes: int | None = None) -> ReadResult:
        """Retained output by offset."""
        return _run(self._inner.read(from_offset, max_bytes))

    def history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The commands it ran."""
        return _run(self._inner.history(limit))

    def activity(self) -> dict[str, Any]:
        """What the terminal does now (idle, running, awaiting_input, exited), as in the async API."""
        return _run(self._inner.activity())

    @contextlib.contextmanager
    def stream(self, from_offset: int | None = None) -> Iterator[Iterator[OutputEvent]]:
        """``with terminal.stream() as events: for event in events: ...`` (subscribed on entry)."""
        stream: OutputStream = _run(_call(lambda: self._inner.stream(from_offset).start()))

        def events() -> Iterator[OutputEvent]:
            while True:
                try:
                    yield _run(_call(stream.__anext__))
                except StopAsyncIteration:
                    return

        try:
            yield events()
        finally:
            _run(stream.aclose())


class Transaction:
    """Synchronous twin of :class:`orchflow.Transaction` (``with orch.transaction() as tx:`` commits on success)."""

    def __init__(self, inner: _AsyncTransaction) -> None:
        self._inner = inner

    @property
    def results(self) -> list[BatchItem] | None:
        """Results once committed."""
        return self._inner.results

    def add(self, terminal: Terminal | str, command: str, *, timeout: float | None = None) -> Transaction:
        """Queues a command."""
        self._inner.add(terminal if isinstance(terminal, str) else terminal.id, command, timeout=timeout)
        return self

    def commit(self) -> list[BatchItem]:
        """Admits all, then runs them."""
        return _run(self._inner.commit())

    def rollback(self) -> None:
        """Discards it."""
        _run(self._inner.rollback())

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        _run(self._inner.__aexit__(exc_type))


class Orchestrator:
    """Synchronous twin of :class:`orchflow.Orchestrator`; a context manager that closes on exit."""

    def __init__(self, inner: _client.Orchestrator) -> None:
        self._inner = inner

    @classmethod
    def connect(
        cls,
        url_or_options: str | ConnectOptions,
        *,
        token: str | None = None,
        client_name: str | None = None,
        request_timeout: float | None = None,
        reconnect: ReconnectOptions | bool | None = None,
    ) -> Orchestrator:
        """Connects to a running server (``ws://``, ``wss://``, ``unix:PATH``; arguments as in the async API)."""
        return cls(
            _run(
                _client.Orchestrator.connect(
                    url_or_options,
                    token=token,
                    client_name=client_name,
                    request_timeout=request_timeout,
                    reconnect=reconnect,
                )
            )
        )

    @classmethod
    def sidecar(
        cls,
        command: Sequence[str] | None = None,
        *,
        policy: PolicyLike | None = None,
        tokens_file: str | None = None,
        token: str | None = None,
        extra_args: Sequence[str] = (),
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        inherit_stderr: bool = False,
        client_name: str = "orchflow-python",
        request_timeout: float = 30.0,
        max_restarts: int = 3,
        restart_window: float = 60.0,
        stop_grace: float = 3.0,
    ) -> Orchestrator:
        """Starts and connects to an ``orchflow serve --stdio`` sidecar (arguments as in the async API)."""
        return cls(
            _run(
                _client.Orchestrator.sidecar(
                    command,
                    policy=policy,
                    tokens_file=tokens_file,
                    token=token,
                    extra_args=extra_args,
                    cwd=cwd,
                    env=env,
                    inherit_stderr=inherit_stderr,
                    client_name=client_name,
                    request_timeout=request_timeout,
                    max_restarts=max_restarts,
                    restart_window=restart_window,
                    stop_grace=stop_grace,
                )
            )
        )

    @property
    def aio(self) -> _client.Orchestrator:
        """The asyncio client underneath (use it only on the facade's loop thread)."""
        return self._inner

    @property
    def principal(self) -> dict[str, Any]:
        """Who the server takes this client to be."""
        return self._inner.principal

    @property
    def features(self) -> list[str]:
        """What this connection offers."""
        return self._inner.features

    def spawn_terminal(
        self,
        agent_id: str,
        *,
        cwd: str | os.PathLike[str] | None = None,
        shell: str | None = None,
        args: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        secret_env: Mapping[str, str] | None = None,
        cols: int | None = None,
        rows: int | None = None,
        name: str | None = None,
        mode: Literal["interactive", "scripted", "sandboxed"] | None = None,
        scrollback_bytes: int | None = None,
        recording: bool | None = None,
        line_editing: bool | None = None,
        placement: Mapping[str, Any] | None = None,
    ) -> Terminal:
        """Spawns a terminal (keyword arguments as in the async API, ``placement`` included)."""
        return Terminal(
            _run(
                self._inner.spawn_terminal(
                    agent_id,
                    cwd=cwd,
                    shell=shell,
                    args=args,
                    env=env,
                    secret_env=secret_env,
                    cols=cols,
                    rows=rows,
                    name=name,
                    mode=mode,
                    scrollback_bytes=scrollback_bytes,
                    recording=recording,
                    line_editing=line_editing,
                    placement=placement,
                )
            )
        )

    @contextlib.contextmanager
    def terminal_session(self, agent_id: str, **spawn: Any) -> Iterator[Terminal]:
        """A terminal killed when the block ends."""
        terminal = self.spawn_terminal(agent_id, **spawn)
        try:
            yield terminal
        finally:
            if not self._inner.is_closed:
                with contextlib.suppress(Exception):
                    terminal.kill()

    def terminal(self, terminal: TerminalInfo | str) -> Terminal:
        """A handle on an existing terminal (by info or id)."""
        return Terminal(self._inner.terminal(terminal))

    def list_terminals(self, agent_id: str | None = None, state: TerminalState | None = None) -> TerminalList:
        """The visible terminals, optionally narrowed to one agent or one state.

        A ``list`` whose ``unreachable_nodes`` names the cluster nodes that did not answer in time.
        """
        return _run(self._inner.list_terminals(agent_id, state))

    def run_script(self, script: str, agent_id: str = "script", *, timeout: float | None = None, **spawn: Any) -> ExecResult:
        """Runs ``script`` in a fresh terminal, kills it (also on failure) and returns the ExecResult."""
        return _run(self._inner.run_script(script, agent_id, timeout=timeout, **spawn))

    def batch_execute(
        self,
        commands: Sequence[Command | tuple[Terminal | _AsyncTerminal | str, str]],
        *,
        mode: Literal["sequential", "parallel"] | None = None,
        stop_on_error: bool | None = None,
        wait_for_floor: bool | None = None,
        stop: threading.Event | None = None,
    ) -> list[BatchItem]:
        """Runs several commands (arguments as in the async API; ``stop`` a ``threading.Event``
        that aborts the batch as the async API's ``stop`` does, looked at every 50 ms)."""
        converted: list[Command | tuple[_AsyncTerminal | str, str]] = []
        for entry in commands:
            if isinstance(entry, Command):
                converted.append(entry)
            else:
                target, command = entry
                converted.append((target.id if isinstance(target, Terminal) else target, command))

        def start(event: asyncio.Event | None) -> Coroutine[Any, Any, list[BatchItem]]:
            return self._inner.batch_execute(
                converted, mode=mode, stop_on_error=stop_on_error, wait_for_floor=wait_for_floor, stop=event
            )

        if stop is None:
            return _run(start(None))
        check.event(stop, "stop", threading.Event, "threading.Event")
        return _LoopThread.get().run_stoppable(start, stop)

    def transaction(self) -> Transaction:
        """Opens a transaction."""
        return Transaction(_run(self._inner.transaction()))

    def kill_all(self, agent_id: str | None = None) -> int:
        """Kills every terminal (admin)."""
        return _run(self._inner.kill_all(agent_id))

    def pause_all(self, agent_id: str | None = None) -> int:
        """Pauses every terminal (admin)."""
        return _run(self._inner.pause_all(agent_id))

    def resume_all(self, agent_id: str | None = None) -> int:
        """Resumes every paused terminal (admin)."""
        return _run(self._inner.resume_all(agent_id))

    def metrics(self, include_processes: bool = False) -> dict[str, Any]:
        """Orchestrator metrics (``include_processes`` also samples every terminal's process tree)."""
        return _run(self._inner.metrics(include_processes))

    def ping(self) -> float:
        """Round trip in seconds."""
        return _run(self._inner.ping())

    def on_security_alert(self, listener: Callable[[SecurityAlert], None]) -> Callable[[], None]:
        """Hears security alerts (the listener runs on the loop thread)."""
        return self._inner.on_security_alert(listener)

    def close(self) -> None:
        """Closes cleanly (the server kills this connection's terminals)."""
        _run(self._inner.close())

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
