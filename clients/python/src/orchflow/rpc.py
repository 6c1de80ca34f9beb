"""JSON-RPC 2.0 peer: request ids and matching, timeouts, ``$/cancelRequest``, ``$/progress`` and notifications.

The peer reads one transport at a time. When that transport ends, every request in flight fails
with :class:`~orchflow.errors.ChannelClosed` ("outcome unknown") and ``on_lost`` is told; the
client may then :meth:`RpcPeer.attach` a new transport (a reconnect) or :meth:`RpcPeer.shut`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import Cancelled, ChannelClosed, InternalError, OrchflowError, Timeout, error_from_wire
from .transports.base import Transport

CANCEL_REQUEST = "$/cancelRequest"
PROGRESS = "$/progress"
#: Default timeout of requests, in seconds (the TypeScript client's ``timeoutMs``).
DEFAULT_REQUEST_TIMEOUT = 30.0

NotificationHandler = Callable[[dict[str, Any]], None]


@dataclass
class _Pending:
    future: asyncio.Future[Any]
    method: str
    on_result: Callable[[Any], None] | None
    #: Called with the result of an answer that arrives after the caller cancelled (to undo it).
    on_late_result: Callable[[Any], None] | None = None


class RpcPeer:
    """Matches responses to requests over a (replaceable) transport."""

    def __init__(
        self,
        transport: Transport,
        *,
        on_lost: Callable[[OrchflowError], None] | None = None,
        default_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._ids = itertools.count(1)
        #: Seconds a request waits for its answer unless it passes ``timeout`` (0: no limit).
        self.default_timeout = default_timeout
        self._pending: dict[int, _Pending] = {}
        #: Cancelled requests whose late answer must be undone (request id -> callback).
        self._orphans: dict[int, Callable[[Any], None]] = {}
        self._progress: dict[str, Callable[[Any], None]] = {}
        self._handlers: dict[str, list[NotificationHandler]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._on_lost = on_lost
        self._closed_error: OrchflowError | None = None
        self._closing = False
        #: Set while a transport carries the client (cleared during a reconnect).
        self.ready = asyncio.Event()
        self.closed = asyncio.Event()
        self._transport = transport
        self._reader: asyncio.Task[None] | None = None
        self.attach(transport)

    @property
    def transport(self) -> Transport:
        """The transport in use."""
        return self._transport

    @property
    def is_closed(self) -> bool:
        """True once the peer was shut (closed by the caller, or reconnecting gave up)."""
        return self._closed_error is not None

    def attach(self, transport: Transport) -> None:
        """Reads from ``transport`` from now on (the first one, or a reconnected one)."""
        self._transport = transport
        self._reader = asyncio.get_running_loop().create_task(self._read(transport))

    def on_notification(self, method: str, handler: NotificationHandler) -> Callable[[], None]:
        """Calls ``handler(params)`` for each ``method`` notification; returns the function that stops it."""
        self._handlers.setdefault(method, []).append(handler)

        def stop() -> None:
            handlers = self._handlers.get(method, [])
            if handler in handlers:
                handlers.remove(handler)

        return stop

    async def request(
        self,
        method: str,
        params: dict[str, Any],
        *,
        timeout: float | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_late_result: Callable[[Any], None] | None = None,
        internal: bool = False,
        stop: asyncio.Event | None = None,
        stop_wait: float = 0.0,
        parse_stopped_result: Callable[[Any], Any] | None = None,
    ) -> Any:
        """Sends a request and waits for its result; task cancellation sends ``$/cancelRequest``.

        ``timeout`` is in seconds: ``None`` uses :attr:`default_timeout`, ``0`` waits without limit
        (commands, which may run for hours). ``on_late_result`` gets the result of an answer that
        arrives after this call was cancelled (a subscription to undo, say).

        ``stop``: setting it sends ``$/cancelRequest`` and waits up to ``stop_wait`` seconds for the
        server's answer (the request's own ``timeout`` no longer applies), then raises
        :class:`~orchflow.errors.Cancelled`: with the data of the server's Cancelled answer (an
        execute's ``{"result": …}``, the partial result), with ``{"result": result}`` when the answer
        was a result (the work had finished first; ``parse_stopped_result`` converts it, and a
        result it rejects counts as no answer), else (no answer in time, another error, a lost
        connection) with no ``data``. Already set: raises before anything is sent.
        """
        if timeout is None:
            timeout = self.default_timeout
        if stop is not None and stop.is_set():
            raise _stopped(method, "stop was set before it was sent")
        if not internal and not self.ready.is_set():
            await self._wait_ready(method, timeout)
        if self._closed_error is not None:
            raise ChannelClosed(self._closed_error.message, local=True)
        if stop is not None and stop.is_set():
            raise _stopped(method, "stop was set before it was sent")
        request_id = next(self._ids)
        message_params = params
        token: str | None = None
        if on_progress is not None:
            token = f"p{request_id}"
            meta = dict(params.get("_meta") or {})
            meta["progressToken"] = token
            message_params = {**params, "_meta": meta}
            self._progress[token] = on_progress
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, method, on_result, on_late_result)
        transport = self._transport
        cancel_sent = False
        stop_waiter: asyncio.Task[Any] | None = None
        try:
            try:
                await transport.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": message_params})
            except ChannelClosed:
                raise await self._send_failure(transport, request_id) from None
            if stop is None:
                if timeout <= 0:
                    return await future
                try:
                    return await asyncio.wait_for(future, timeout)
                except asyncio.TimeoutError:
                    raise self._timed_out(transport, request_id, method, timeout, on_late_result) from None
            stop_waiter = asyncio.get_running_loop().create_task(stop.wait())
            await asyncio.wait({future, stop_waiter}, timeout=timeout if timeout > 0 else None, return_when=asyncio.FIRST_COMPLETED)
            if future.done():
                return future.result()
            if not stop_waiter.done():
                raise self._timed_out(transport, request_id, method, timeout, on_late_result)
            # Stopped: tell the server at once, then wait (bounded) for what it says about the stopped work.
            cancel_sent = True
            self._cancel_remote(transport, request_id)
            local = _stopped(method, "stop was set")
            if stop_wait > 0:
                await asyncio.wait({future}, timeout=stop_wait)
            if not future.done():
                if on_late_result is not None and transport is self._transport and self._closed_error is None:
                    self._orphans[request_id] = on_late_result
                raise local
            raise _stopped_answer(local, future, parse_stopped_result)
        except asyncio.CancelledError:
            if not cancel_sent and (not future.done() or future.cancelled()):
                self._cancel_remote(transport, request_id)
                if on_late_result is not None and transport is self._transport and self._closed_error is None:
                    self._orphans[request_id] = on_late_result
            raise
        finally:
            if stop_waiter is not None:
                stop_waiter.cancel()
            self._pending.pop(request_id, None)
            if token is not None:
                self._progress.pop(token, None)

    def _timed_out(
        self,
        transport: Transport,
        request_id: int,
        method: str,
        timeout: float,
        on_late_result: Callable[[Any], None] | None,
    ) -> Timeout:
        """Cancels a request nobody answered in time on the server; the error its caller raises."""
        self._cancel_remote(transport, request_id)
        if on_late_result is not None and transport is self._transport and self._closed_error is None:
            self._orphans[request_id] = on_late_result
        return Timeout(
            f"No answer to {method} within {timeout:g} s; the request was cancelled on the server",
            local=True,
        )

    async def _send_failure(self, transport: Transport, request_id: int) -> ChannelClosed:
        """The error for a request that could not be sent: why the connection ended, once the reader knows."""
        self._pending.pop(request_id, None)
        reader = self._reader
        if reader is not None and transport is self._transport and not reader.done():
            await asyncio.wait({reader}, timeout=3.0)
        return ChannelClosed(f"Connection lost: {transport.describe_end()}", local=True)

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        """Sends a notification (no answer)."""
        await self._transport.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def shut(self, error: OrchflowError | None = None) -> None:
        """Closes the transport for good; pending and later requests fail with ChannelClosed."""
        self._closing = True
        if self._closed_error is None:
            self._closed_error = error or ChannelClosed("The connection was closed", local=True)
        self.ready.set()  # wakes requests waiting for a reconnect; they then see the error
        self._fail_pending(self._closed_error)
        try:
            await self._transport.close()
        finally:
            if self._reader is not None and self._reader is not asyncio.current_task():
                await asyncio.wait({self._reader}, timeout=5.0)
            self.closed.set()

    async def _wait_ready(self, method: str, timeout: float) -> None:
        """Waits for a reconnect to finish, at most ``timeout`` (else the default) seconds."""
        bound = timeout if timeout > 0 else self.default_timeout
        if bound <= 0:
            await self.ready.wait()
            return
        try:
            await asyncio.wait_for(self.ready.wait(), bound)
        except asyncio.TimeoutError:
            raise Timeout(
                f"{method} was not sent: the connection was not back within {bound:g} s; retry later",
                local=True,
            ) from None

    def _cancel_remote(self, transport: Transport, request_id: int) -> None:
        if transport is not self._transport or self._closed_error is not None:
            return
        task = asyncio.get_running_loop().create_task(
            self._send_quietly(transport, {"jsonrpc": "2.0", "method": CANCEL_REQUEST, "params": {"id": request_id}})
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _send_quietly(transport: Transport, message: dict[str, Any]) -> None:
        try:
            await transport.send(message)
        except OrchflowError:
            pass  # the connection is gone: the server treats that as a drop anyway

    async def _read(self, transport: Transport) -> None:
        """Dispatches ``transport``'s messages; however it ends, requests in flight fail and on_lost is told."""
        failure: str | None = None
        try:
            while True:
                message = await transport.receive()
                if message is None:
                    break
                for item in message if isinstance(message, list) else [message]:
                    if isinstance(item, dict):
                        self._dispatch(transport, item)
        except Exception as error:  # a bug (ours or the transport's) must not strand pending requests
            failure = f"the client's reader failed ({type(error).__name__}: {error})"
            self._report(error, "orchflow: reading the connection failed")
            with contextlib.suppress(Exception):
                transport.abort()
        finally:
            self._ended(transport, failure)

    def _ended(self, transport: Transport, failure: str | None) -> None:
        if transport is not self._transport:
            return
        reason = failure or transport.describe_end()
        error = ChannelClosed(f"Connection lost: {reason}; the outcome of requests in flight is unknown", local=True)
        self._fail_pending(error)
        if self._closing or self._closed_error is not None:
            return
        self.ready.clear()
        if self._on_lost is not None:
            try:
                self._on_lost(error)
                return
            except Exception as bug:
                self._report(bug, "orchflow: the connection-lost handler failed")
        self._closed_error = error
        self.ready.set()
        self.closed.set()

    @staticmethod
    def _report(error: BaseException, message: str) -> None:
        """Hands an exception raised by a callback to the loop's exception handler (it is logged)."""
        asyncio.get_running_loop().call_exception_handler({"message": message, "exception": error})

    def _call(self, callback: Callable[[Any], None], value: Any, what: str) -> None:
        """Runs a user callback; an exception in it is reported, not allowed to end the reader."""
        try:
            callback(value)
        except Exception as error:
            self._report(error, f"orchflow: a {what} callback raised")

    def _fail_pending(self, error: OrchflowError) -> None:
        pending = list(self._pending.values())
        self._pending.clear()
        self._progress.clear()
        self._orphans.clear()
        for entry in pending:
            if not entry.future.done():
                entry.future.set_exception(ChannelClosed(error.message, local=True))

    def _dispatch(self, transport: Transport, message: dict[str, Any]) -> None:
        method = message.get("method")
        if isinstance(method, str):
            if "id" in message:
                # The server never calls the client; answer so it does not wait.
                reply = {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": f"The Python client serves no method {method!r}"},
                }
                task = asyncio.get_running_loop().create_task(self._send_quietly(transport, reply))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                return
            params = message.get("params")
            if not isinstance(params, dict):
                return
            if method == PROGRESS:
                callback = self._progress.get(str(params.get("token")))
                if callback is not None:
                    self._call(callback, params.get("value"), "progress")
                return
            for handler in list(self._handlers.get(method, ())):
                self._call(handler, params, f"{method} notification")
            return
        request_id = message.get("id")
        if isinstance(request_id, int) and request_id in self._orphans:
            undo = self._orphans.pop(request_id)
            if "error" not in message:
                self._call(undo, message.get("result"), "late-answer")
            return
        entry = self._pending.get(request_id) if isinstance(request_id, int) else None
        if entry is None or entry.future.done():
            return
        try:
            if "error" in message:
                entry.future.set_exception(error_from_wire(message["error"]))
                return
            result = message.get("result")
            if entry.on_result is not None:
                # Runs before any later notification is dispatched (a subscription's first output).
                entry.on_result(result)
        except Exception as error:  # a malformed answer fails its request, not the connection
            if not entry.future.done():
                entry.future.set_exception(
                    InternalError(f"Malformed answer to {entry.method}: {type(error).__name__}: {error}", local=True)
                )
            return
        entry.future.set_result(result)


def _stopped(method: str, why: str) -> Cancelled:
    """The local Cancelled of a request whose ``stop`` event was set."""
    return Cancelled(f"Request '{method}' was cancelled: {why}", local=True)


def _stopped_answer(
    local: Cancelled, answer: asyncio.Future[Any], parse: Callable[[Any], Any] | None
) -> Cancelled:
    """What a stopped request raises once answered: the server's Cancelled data, a result that beat it, or ``local``."""
    if answer.cancelled():
        return local
    error = answer.exception()
    if error is not None:
        if not isinstance(error, Cancelled) or error.local or error.data is None:
            return local  # another error, or the connection was lost (ChannelClosed): no word on the work
        data = error.data
        if parse is not None and isinstance(data, dict) and "result" in data:
            try:
                data = {**data, "result": parse(data["result"])}
            except Exception:
                return local
        return Cancelled(f"{local.message}; the server answered: {error.message}", data=data)
    try:
        result = parse(answer.result()) if parse is not None else answer.result()
    except Exception:
        return local
    return Cancelled(
        f"{local.message}; it had already completed; its result is in data['result']", data={"result": result}
    )
