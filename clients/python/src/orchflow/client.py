"""``Orchestrator``: a connection to an orchflow server (mirrors ``OrchflowClient`` of @orchflow/client).

``connect()`` performs the ``initialize`` handshake and checks the protocol version. Over
WebSocket a dropped connection is reconnected with backoff and every open output stream resumes
from its last offset (the server keeps a dropped connection's terminals for 60 s); a stdio
sidecar that crashes is restarted (its terminals died with it). Requests in flight when a
connection is lost fail with :class:`~orchflow.errors.ChannelClosed`: their outcome is unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from . import _validate as check
from .batch_stop import batch_items, request_batch
from .errors import (
    ChannelClosed,
    Forbidden,
    InvalidParams,
    OrchflowError,
    Unauthorized,
    Unavailable,
    Unsupported,
    VersionMismatch,
)
from .policy import PolicyLike, policy_json
from .rpc import RpcPeer
from .streams import SubscriptionRouter
from .terminal import Terminal
from .transaction import Transaction, commands_to_wire
from .transports.base import Transport
from .transports.stdio import SidecarCommand, resolve_sidecar_command, start_sidecar
from .transports.unix import open_unix
from .types import BatchItem, Command, ExecResult, SecurityAlert, TerminalInfo, TerminalList
from .version import PROTOCOL_VERSION, __version__, protocol_mismatch

#: Seconds ``close()`` waits for the server to release the connection's terminals.
CLOSE_TIMEOUT = 5.0
_FATAL = (Unauthorized, Forbidden, VersionMismatch)


@dataclass(frozen=True)
class ReconnectOptions:
    """Backoff of reconnects (WebSocket) and sidecar restarts (stdio)."""

    #: Attempts per outage before giving up and closing.
    max_attempts: int = 10
    #: Delay before the first attempt, in seconds; doubles per attempt.
    initial_delay: float = 0.1
    #: Largest delay between attempts.
    max_delay: float = 5.0
    #: With a window (seconds), at most ``max_attempts`` outages within it are recovered from:
    #: a sidecar that keeps crashing is not restarted forever.
    window: float | None = None


@dataclass(frozen=True)
class ConnectOptions:
    """What ``Orchestrator.connect`` takes besides a bare URL."""

    #: ``ws://…``, ``wss://…``, ``unix:/path``, ``unix:///path`` or ``unix://relative/path``.
    url: str
    token: str | None = None
    client_name: str = "orchflow-python"
    #: Seconds every request waits for its answer (and for a reconnect before it is sent), like the
    #: TypeScript client's ``timeoutMs``; 0 disables it. Requests that run commands (``execute``
    #: without a ``timeout``, ``batch_execute``, a transaction's commit) and ``kill_all`` have no limit.
    request_timeout: float = 30.0
    #: Reconnect after a drop (WebSocket), or ``False`` to end with the connection.
    reconnect: ReconnectOptions | bool = True
    #: Offer ``orchflow.v1+binary-output`` (terminal output as binary frames) on WebSocket.
    binary_output: bool = True
    #: Seconds to wait for a connection to open.
    connect_timeout: float = 10.0
    #: Extra HTTP headers for the WebSocket upgrade.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionEvent:
    """A reconnect or sidecar-restart event: ``lost``, ``reconnecting``, ``reconnected`` or ``gave_up``."""

    type: Literal["lost", "reconnecting", "reconnected", "gave_up"]
    attempt: int = 0
    delay: float = 0.0
    error: OrchflowError | None = None
    #: Output streams resumed (``reconnected``).
    resumed: int = 0


Connector = Callable[[], Awaitable[Transport]]


class Orchestrator:
    """A connection to an orchflow server; the same API over every transport.

    ``async with await Orchestrator.connect("ws://127.0.0.1:7777", token=...) as orch:``
    """

    def __init__(
        self,
        connector: Connector,
        transport: Transport,
        *,
        token: str | None,
        client_name: str,
        request_timeout: float,
        reconnect: ReconnectOptions | None,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        self._connector = connector
        self._token = token
        self._client_name = client_name
        self._request_timeout = request_timeout
        self._reconnect = reconnect
        self._cleanup = cleanup
        self._peer = RpcPeer(transport, on_lost=self._lost, default_timeout=request_timeout)
        self._router = SubscriptionRouter(self._peer)
        self._handshake: dict[str, Any] = {}
        self._listeners: list[Callable[[ConnectionEvent], None]] = []
        self._reconnecting: asyncio.Task[None] | None = None
        self._outages: list[float] = []
        self._closing = False

    # ------------------------------------------------------------------ constructors

    @classmethod
    async def connect(
        cls,
        url_or_options: str | ConnectOptions,
        *,
        token: str | None = None,
        client_name: str | None = None,
        request_timeout: float | None = None,
        reconnect: ReconnectOptions | bool | None = None,
    ) -> Orchestrator:
        """Connects to a running server: ``ws://``/``wss://`` (WebSocket) or ``unix:PATH`` (Unix socket)."""
        options = url_or_options if isinstance(url_or_options, ConnectOptions) else ConnectOptions(url=url_or_options)
        overrides: dict[str, Any] = {}
        if token is not None:
            overrides["token"] = token
        if client_name is not None:
            overrides["client_name"] = client_name
        if request_timeout is not None:
            overrides["request_timeout"] = request_timeout
        if reconnect is not None:
            overrides["reconnect"] = reconnect
        if overrides:
            from dataclasses import replace

            options = replace(options, **overrides)
        url = options.url
        connector: Connector
        if url.startswith(("ws://", "wss://")):
            from .transports.websocket import open_websocket

            def connector() -> Awaitable[Transport]:
                return open_websocket(
                    url,
                    token=options.token,
                    open_timeout=options.connect_timeout,
                    binary_output=options.binary_output,
                    headers=options.headers,
                )

            policy = _reconnect_policy(options.reconnect)
        elif url.startswith("unix:"):
            path = url[len("unix://") :] if url.startswith("unix://") else url[len("unix:") :]
            if not path:
                raise InvalidParams(f"{url!r} names no socket path; use unix:/path/to/orchflow.sock", local=True)

            def connector() -> Awaitable[Transport]:
                return open_unix(path)

            # A Unix-socket server kills a dropped connection's terminals: nothing to come back to.
            policy = None
        else:
            raise InvalidParams(
                f"Unsupported URL {url!r}: use ws://HOST:PORT, wss://…, or unix:/path/to/socket "
                "(Orchestrator.sidecar() starts a stdio sidecar)",
                local=True,
            )
        return await cls._open(connector, options.token, options.client_name, options.request_timeout, policy)

    @classmethod
    async def sidecar(
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
        """Starts ``orchflow serve --stdio`` (``command``, else ``orchflow`` on PATH, else npx) and connects.

        ``policy`` (a :class:`~orchflow.policy.SecurityPolicy` or a preset name) is written to a
        private temporary file and passed as ``--policy FILE``; ``tokens_file`` as ``--tokens``.
        A crashed sidecar is restarted (at most ``max_restarts`` times within ``restart_window``
        seconds; then the client closes with ChannelClosed); ``close()`` stops it.
        """
        args = list(extra_args)
        cleanup: Callable[[], None] | None = None
        if policy is not None:
            value = policy_json(policy)
            if isinstance(value, str):
                args += ["--policy", value]
            else:
                import json

                fd, policy_path = tempfile.mkstemp(prefix="orchflow-policy-", suffix=".json")
                with os.fdopen(fd, "w") as handle:
                    json.dump(value, handle)
                args += ["--policy", policy_path]

                def cleanup() -> None:
                    with contextlib.suppress(OSError):
                        os.unlink(policy_path)

        if tokens_file is not None:
            args += ["--tokens", tokens_file]
        argv = resolve_sidecar_command(command, args)
        spec = SidecarCommand(argv=argv, cwd=cwd, env=env, inherit_stderr=inherit_stderr, stop_grace=stop_grace)

        def connector() -> Awaitable[Transport]:
            return start_sidecar(spec)

        restart = (
            ReconnectOptions(max_attempts=max_restarts, initial_delay=0.25, max_delay=2.0, window=restart_window)
            if max_restarts > 0
            else None
        )
        try:
            return await cls._open(connector, token, client_name, request_timeout, restart, cleanup)
        except BaseException:
            if cleanup is not None:
                cleanup()
            raise

    @classmethod
    async def _open(
        cls,
        connector: Connector,
        token: str | None,
        client_name: str,
        request_timeout: float,
        reconnect: ReconnectOptions | None,
        cleanup: Callable[[], None] | None = None,
    ) -> Orchestrator:
        transport = await connector()
        orch = cls(
            connector,
            transport,
            token=token,
            client_name=client_name,
            request_timeout=request_timeout,
            reconnect=reconnect,
            cleanup=cleanup,
        )
        try:
            await orch._initialize()
        except BaseException:
            orch._reconnect = None
            await orch._peer.shut()
            raise
        return orch

    async def _initialize(self) -> None:
        params: dict[str, Any] = {
            "protocolVersion": PROTOCOL_VERSION,
            "clientInfo": {"name": self._client_name, "version": __version__},
        }
        if self._token is not None:
            params["token"] = self._token
        result = await self._peer.request("initialize", params, timeout=self._request_timeout, internal=True)
        reason = protocol_mismatch(str(result.get("protocolVersion")))
        if reason is not None:
            raise VersionMismatch(reason, local=True)
        self._handshake = result
        self._peer.ready.set()

    # ------------------------------------------------------------------ what the server said

    @property
    def server_info(self) -> dict[str, Any]:
        """The server's ``{name, version}``."""
        info: dict[str, Any] = self._handshake["serverInfo"]
        return info

    @property
    def capabilities(self) -> dict[str, Any]:
        """What this connection offers (transports, execution modes, features…)."""
        caps: dict[str, Any] = self._handshake.get("capabilities", {})
        return caps

    @property
    def features(self) -> list[str]:
        """``capabilities.features``: ``subscriptions``, ``cancellation``, ``reconnect``…"""
        return list(self.capabilities.get("features", []))

    @property
    def principal(self) -> dict[str, Any]:
        """Who the server takes this client to be (``{kind: admin|agent|viewer, …}``)."""
        principal: dict[str, Any] = self._handshake["principal"]
        return principal

    @property
    def protocol_version(self) -> str:
        """The server's protocol version."""
        return str(self._handshake["protocolVersion"])

    @property
    def transport(self) -> Transport:
        """The transport in use now (changes after a reconnect)."""
        return self._peer.transport

    @property
    def is_closed(self) -> bool:
        """True once closed (by ``close()``, or after reconnecting gave up)."""
        return self._peer.is_closed

    def _require(self, feature: str, what: str) -> None:
        if feature not in self.features:
            raise Unsupported(
                f"{what} needs the '{feature}' feature, which this {self.transport.name} connection does not offer",
                data={"feature": feature, "transport": self.transport.name},
                local=True,
            )

    # ------------------------------------------------------------------ terminals

    async def spawn_terminal(
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
        """Spawns a terminal owned by ``agent_id`` (``TerminalConfig`` fields as keyword arguments).

        ``placement`` says where a cluster (``orchflow node`` processes behind a router or gateway) runs it:
        ``{"labels": {"gpu": "a100"}}`` for a live node carrying every one of those labels (exact
        values), ``{"node": "node-a"}`` for that node only, or both. A single server ignores it.
        """
        config: dict[str, Any] = {}
        if cwd is not None:
            config["cwd"] = os.fspath(cwd)
        if shell is not None:
            config["shell"] = shell
        if args is not None:
            config["args"] = list(args)
        if env is not None:
            config["env"] = dict(env)
        if secret_env is not None:
            config["secretEnv"] = dict(secret_env)
        if cols is not None:
            config["cols"] = check.positive_int(cols, "cols", check.MAX_DIMENSION)
        if rows is not None:
            config["rows"] = check.positive_int(rows, "rows", check.MAX_DIMENSION)
        if name is not None:
            config["name"] = name
        if mode is not None:
            config["mode"] = mode
        if scrollback_bytes is not None:
            config["scrollbackBytes"] = check.positive_int(scrollback_bytes, "scrollback_bytes")
        if recording is not None:
            config["recording"] = recording
        if line_editing is not None:
            config["lineEditing"] = line_editing
        if placement is not None:
            config["placement"] = _placement(placement)
        params: dict[str, Any] = {"agentId": check.ident(agent_id, "agent_id")}
        if config:
            params["config"] = config
        info = await self._peer.request("terminal.spawn", params, timeout=self._request_timeout)
        return Terminal(self, TerminalInfo.from_wire(info))

    @contextlib.asynccontextmanager
    async def terminal_session(self, agent_id: str, **spawn: Any) -> AsyncIterator[Terminal]:
        """``async with orch.terminal_session("agent") as t:`` — a terminal killed when the block ends."""
        terminal = await self.spawn_terminal(agent_id, **spawn)
        try:
            yield terminal
        finally:
            if not self.is_closed:
                with contextlib.suppress(OrchflowError):
                    await asyncio.shield(terminal.kill())

    def terminal(self, terminal: TerminalInfo | str) -> Terminal:
        """A handle on an existing terminal (from :meth:`list_terminals`, or by id)."""
        if isinstance(terminal, str):
            info = TerminalInfo(id=terminal, agent_id="", pid=0, mode="interactive", backend="", state="running", cols=0, rows=0, created_at="")
            return Terminal(self, info)
        return Terminal(self, terminal)

    async def list_terminals(
        self, agent_id: str | None = None, state: Literal["starting", "running", "paused", "exited"] | None = None
    ) -> TerminalList:
        """The terminals this client may see, optionally narrowed.

        A :class:`~orchflow.types.TerminalList` (a ``list``): from a cluster its ``unreachable_nodes``
        names the live nodes that did not answer in time, whose terminals are missing from it.
        """
        params: dict[str, Any] = {}
        if agent_id is not None:
            params["agentId"] = check.ident(agent_id, "agent_id")
        if state is not None:
            params["state"] = state
        result = await self._peer.request("terminal.list", params, timeout=self._request_timeout)
        return TerminalList.from_wire(result)

    async def batch_execute(
        self,
        commands: Sequence[Union[Command, tuple[Union[Terminal, str], str]]],
        *,
        mode: Literal["sequential", "parallel"] | None = None,
        stop_on_error: bool | None = None,
        wait_for_floor: bool | None = None,
        stop: asyncio.Event | None = None,
    ) -> list[BatchItem]:
        """Runs several commands; results line up with ``commands`` (``(terminal, "cmd")`` pairs or :class:`Command`).

        ``stop``: setting this event aborts the batch. The server interrupts the running
        command(s) and starts none of the rest; this call waits up to :data:`EXECUTE_STOP_WAIT`
        seconds for its answer and raises :class:`~orchflow.Cancelled` whose ``data["results"]``
        is one :class:`BatchItem` per command: finished ones as they ended, an interrupted one
        failed with ``Cancelled`` (its partial result in ``error.data["result"]``), the rest
        ``Cancelled`` ("Not run: the batch was aborted"). A batch that finished first raises
        ``Cancelled`` too, with all its results. No answer in time or a lost connection: a plain
        ``Cancelled`` (``data`` is ``None``). Set before the call: nothing is sent. Needs the
        ``cancellation`` feature.
        """
        self._require("batchExecute", "batch_execute()")
        if stop is not None:
            check.event(stop, "stop", asyncio.Event, "asyncio.Event")
            self._require("cancellation", "batch_execute() with stop")
        if not commands:
            raise InvalidParams("batch_execute() needs at least one command", local=True)
        params: dict[str, Any] = {"commands": commands_to_wire(commands)}
        if mode is not None:
            params["mode"] = mode
        if stop_on_error is not None:
            params["stopOnError"] = stop_on_error
        if wait_for_floor is not None:
            params["waitForFloor"] = wait_for_floor
        return batch_items(await request_batch(self._peer, "terminal.batchExecute", params, stop))

    async def transaction(self) -> Transaction:
        """Opens a transaction: its commands are admitted together at commit, or none runs."""
        self._require("transactions", "transaction()")
        result = await self._peer.request("tx.begin", {}, timeout=self._request_timeout)
        return Transaction(self, str(result["txId"]))

    async def run_script(self, script: str, agent_id: str = "script", *, timeout: float | None = None, **spawn: Any) -> ExecResult:
        """Runs ``script`` in a fresh terminal, kills it (also on failure) and returns the ExecResult."""
        async with self.terminal_session(agent_id, **spawn) as terminal:
            return await terminal.execute(script, timeout=timeout)

    # ------------------------------------------------------------------ orchestrator-wide

    async def kill_all(self, agent_id: str | None = None) -> int:
        """Kills every terminal (or one agent's); admin only. Returns how many.

        In a cluster, nodes that did not answer make it fail with :class:`~orchflow.errors.Unavailable`
        (``data``: ``reason='partial'``, ``killed``, ``unreachableNodes``): their terminals may still run.
        """
        self._require("emergencyControls", "kill_all()")
        # No timeout: an emergency stop must not be abandoned halfway (as in the TypeScript client).
        result = await self._peer.request("orchestrator.killAll", _agent(agent_id), timeout=0)
        return _complete_or_raise("killAll", "killed", result)

    async def pause_all(self, agent_id: str | None = None) -> int:
        """Pauses every terminal (or one agent's); admin only. Returns how many (Unavailable as kill_all)."""
        self._require("emergencyControls", "pause_all()")
        result = await self._peer.request("orchestrator.pauseAll", _agent(agent_id))
        return _complete_or_raise("pauseAll", "paused", result)

    async def resume_all(self, agent_id: str | None = None) -> int:
        """Resumes every paused terminal (or one agent's); admin only. Returns how many (Unavailable as kill_all)."""
        self._require("emergencyControls", "resume_all()")
        result = await self._peer.request("orchestrator.resumeAll", _agent(agent_id))
        return _complete_or_raise("resumeAll", "resumed", result)

    async def metrics(self, include_processes: bool = False) -> dict[str, Any]:
        """Orchestrator metrics (terminal counts, commands run, uptime…)."""
        self._require("metrics", "metrics()")
        params = {"includeProcesses": True} if include_processes else {}
        result: dict[str, Any] = await self._peer.request("orchestrator.metrics", params, timeout=self._request_timeout)
        return result

    async def ping(self) -> float:
        """Round-trip time to the server, in seconds."""
        started = time.perf_counter()
        await self._peer.request("$/ping", {}, timeout=self._request_timeout)
        return time.perf_counter() - started

    def on_security_alert(self, listener: Callable[[SecurityAlert], None]) -> Callable[[], None]:
        """Calls ``listener`` with each ``security.alert``; returns the function that stops it."""
        return self._peer.on_notification("security.alert", lambda params: listener(SecurityAlert.from_wire(params)))

    def on_connection_event(self, listener: Callable[[ConnectionEvent], None]) -> Callable[[], None]:
        """Hears reconnects and sidecar restarts; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # ------------------------------------------------------------------ lifecycle

    async def close(self) -> None:
        """Ends the connection cleanly: ``$/shutdown`` (the server kills this connection's terminals), then closes."""
        if self._closing:
            await self._peer.closed.wait()
            return
        self._closing = True
        if self._reconnecting is not None and not self._reconnecting.done():
            self._reconnecting.cancel()
        try:
            if not self._peer.is_closed and self._peer.ready.is_set() and "shutdown" in self.features:
                with contextlib.suppress(OrchflowError, asyncio.TimeoutError):
                    await self._peer.request("$/shutdown", {}, timeout=CLOSE_TIMEOUT)
            await self._peer.shut()
            self._router.fail_all(ChannelClosed("The connection was closed", local=True))
        finally:
            if self._cleanup is not None:
                self._cleanup()
                self._cleanup = None

    async def __aenter__(self) -> Orchestrator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ reconnecting

    def _emit(self, event: ConnectionEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as error:  # a listener's bug must not stop the reconnect
                asyncio.get_running_loop().call_exception_handler(
                    {"message": "orchflow: a connection-event listener raised", "exception": error}
                )

    def _lost(self, error: OrchflowError) -> None:
        self._emit(ConnectionEvent("lost", error=error))
        if self._closing or not self._handshake:
            # Closing, or lost during the first handshake (connect() then fails with ChannelClosed).
            self._reconnecting = asyncio.get_running_loop().create_task(self._peer.shut(error))
            return
        if self._reconnecting is not None and not self._reconnecting.done():
            return  # an attempt of the reconnect in progress failed; that loop carries on
        resumable = "reconnect" in self.features
        if not resumable:
            # The terminals (and so the streams) died with the connection.
            self._router.fail_all(error)
        if self._reconnect is None:
            self._router.fail_all(error)
            self._reconnecting = asyncio.get_running_loop().create_task(self._peer.shut(error))
            return
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect_loop(error, self._reconnect))

    async def _reconnect_loop(self, error: OrchflowError, options: ReconnectOptions) -> None:
        try:
            await self._reconnect_attempts(error, options)
        except asyncio.CancelledError:
            raise
        except Exception as failure:  # never leave requests waiting for a reconnect that died
            asyncio.get_running_loop().call_exception_handler(
                {"message": "orchflow: reconnecting failed unexpectedly", "exception": failure}
            )
            await self._give_up(
                ChannelClosed(f"Gave up reconnecting: {type(failure).__name__}: {failure}", local=True)
            )

    async def _reconnect_attempts(self, error: OrchflowError, options: ReconnectOptions) -> None:
        last: OrchflowError = error
        # The old connection is dead to us; make sure it is gone (a sidecar that broke framing still runs).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._peer.transport.close(), 30.0)
        if options.window is not None:
            now = time.monotonic()
            self._outages = [t for t in self._outages if now - t < options.window] + [now]
            if len(self._outages) > options.max_attempts:
                await self._give_up(ChannelClosed(
                    f"Gave up: the connection was lost {len(self._outages)} times within {options.window:g} s; last: {error.message}",
                    local=True,
                ))
                return
        for attempt in range(1, options.max_attempts + 1):
            delay = min(options.max_delay, options.initial_delay * 2 ** (attempt - 1))
            self._emit(ConnectionEvent("reconnecting", attempt=attempt, delay=delay, error=last))
            await asyncio.sleep(delay)
            try:
                transport = await self._connector()
            except OrchflowError as failure:
                last = failure
                continue
            self._peer.attach(transport)
            try:
                await self._initialize()
            except _FATAL as fatal:
                last = fatal
                break
            except OrchflowError as failure:
                last = failure
                await transport.close()
                continue
            resumed = await self._router.resume_all() if "reconnect" in self.features else 0
            self._emit(ConnectionEvent("reconnected", attempt=attempt, resumed=resumed))
            return
        await self._give_up(ChannelClosed(f"Gave up reconnecting: {last.message}", local=True))

    async def _give_up(self, gave_up: ChannelClosed) -> None:
        self._router.fail_all(gave_up)
        self._emit(ConnectionEvent("gave_up", error=gave_up))
        await self._peer.shut(gave_up)


def _complete_or_raise(method: str, field: str, result: Any) -> int:
    """The count of an emergency control, or Unavailable when cluster nodes did not answer."""
    count = int(result[field])
    unreachable = result.get("unreachableNodes") or []
    if not unreachable:
        return count
    nodes = ", ".join(str(node) for node in unreachable)
    raise Unavailable(
        f"{method} reached only part of the cluster: {count} terminal(s) {field}, but node(s) {nodes} "
        f"did not answer in time or were lost while running terminals, so their terminals may or may not "
        f"have been {field}; retry, or check those nodes",
        data={"reason": "partial", field: count, "unreachableNodes": list(unreachable)},
        local=False,
    )


def _placement(placement: Mapping[str, Any]) -> dict[str, Any]:
    """``TerminalConfig.placement`` as sent: a plain-dict copy (``labels`` too). The server checks its shape."""
    wire = dict(placement)
    if isinstance(wire.get("labels"), Mapping):
        wire["labels"] = dict(wire["labels"])
    return wire


def _agent(agent_id: str | None) -> dict[str, Any]:
    return {} if agent_id is None else {"agentId": check.ident(agent_id, "agent_id")}


def _reconnect_policy(value: ReconnectOptions | bool) -> ReconnectOptions | None:
    if value is True:
        return ReconnectOptions()
    if value is False:
        return None
    return value
