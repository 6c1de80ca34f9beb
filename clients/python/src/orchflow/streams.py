"""Output subscriptions: routes ``terminal.output`` / ``terminal.gap`` / ``terminal.exit`` to streams.

A stream keeps a cursor (the next byte it wants). After a WebSocket reconnect the client
re-subscribes it from the cursor and drops bytes delivered twice, so a reader sees no byte
missed or repeated. The buffer between the connection and a slow reader is bounded: beyond
``max_buffered_bytes`` buffered data becomes one explicit gap (read it back by offset).
"""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Any

from .errors import ChannelClosed, InvalidState, OrchflowError
from .types import ExitInfo, OutputData, OutputEnd, OutputEvent, OutputGap

if TYPE_CHECKING:
    from .rpc import RpcPeer

#: Default bound of a stream's client-side buffer: 8 MiB.
DEFAULT_STREAM_BUFFER_BYTES = 8 * 1024 * 1024


class StreamSink:
    """The client side of one subscription."""

    def __init__(self, terminal_id: str, max_buffered_bytes: int) -> None:
        self.terminal_id = terminal_id
        self.subscription_id: str | None = None
        self.cursor = 0
        self._started = False
        self._events: collections.deque[OutputEvent] = collections.deque()
        self._bytes = 0
        self._max = max_buffered_bytes
        self._error: OrchflowError | None = None
        self._ended = False
        self._wake = asyncio.Event()

    def start(self, offset: int) -> None:
        if not self._started:
            self._started = True
            self.cursor = offset

    def data(self, params: dict[str, Any]) -> None:
        if self._ended:
            return
        data = params.get("data")
        offset = params.get("offset")
        if not isinstance(data, str) or not isinstance(offset, int):
            return
        next_offset = params.get("nextOffset")
        if not isinstance(next_offset, int):
            next_offset = offset + len(data.encode("utf-8"))
        if next_offset <= self.cursor:
            return  # already delivered before a reconnect
        if offset < self.cursor:
            # Overlap after a resume: keep only the bytes past the cursor.
            data = data.encode("utf-8")[self.cursor - offset :].decode("utf-8", "replace")
            offset = self.cursor
        self.cursor = next_offset
        self._events.append(OutputData(data=data, offset=offset, next_offset=next_offset))
        self._bytes += next_offset - offset
        if self._bytes > self._max:
            self._collapse()
        self._wake.set()

    def gap(self, params: dict[str, Any]) -> None:
        start, end = params.get("from"), params.get("to")
        if isinstance(start, int) and isinstance(end, int):
            self.cursor = max(self.cursor, end)
            self._events.append(OutputGap(start=start, end=end))
            self._wake.set()

    def exit(self, params: dict[str, Any]) -> None:
        self._events.append(OutputEnd(offset=self.cursor, exit=ExitInfo.from_wire(params)))
        self._ended = True
        self._wake.set()

    def fail(self, error: OrchflowError) -> None:
        if not self._ended:
            self._error = error
            self._wake.set()

    def stop(self) -> None:
        self._ended = True
        self._wake.set()

    async def next(self) -> OutputEvent | None:
        while True:
            if self._events:
                event = self._events.popleft()
                if isinstance(event, OutputData):
                    self._bytes -= event.next_offset - event.offset
                return event
            if self._error is not None:
                raise self._error
            if self._ended:
                return None
            self._wake.clear()
            await self._wake.wait()

    def _collapse(self) -> None:
        first = self._events[0]
        start = first.offset if isinstance(first, OutputData) else first.start if isinstance(first, OutputGap) else self.cursor
        self._events.clear()
        self._bytes = 0
        self._events.append(OutputGap(start=start, end=self.cursor))


class SubscriptionRouter:
    """Routes one connection's output notifications to their streams."""

    def __init__(self, peer: RpcPeer) -> None:
        self.peer = peer
        self.sinks: dict[str, StreamSink] = {}
        self._background: set[asyncio.Task[None]] = set()
        peer.on_notification("terminal.output", lambda p: self._route(p, "data"))
        peer.on_notification("terminal.gap", lambda p: self._route(p, "gap"))
        peer.on_notification("terminal.exit", lambda p: self._route(p, "exit"))

    def _route(self, params: dict[str, Any], kind: str) -> None:
        sink = self.sinks.get(str(params.get("subscriptionId")))
        if sink is None:
            return
        if kind == "data":
            sink.data(params)
        elif kind == "gap":
            sink.gap(params)
        else:
            sink.exit(params)

    async def subscribe(self, sink: StreamSink, from_offset: int | None, *, internal: bool = False) -> None:
        """Opens (or, after a reconnect, re-opens) ``sink``'s subscription."""
        params: dict[str, Any] = {"terminalId": sink.terminal_id}
        if from_offset is not None:
            params["fromOffset"] = from_offset

        def register(result: Any) -> None:
            # In the reader, before any notification that follows the answer is routed. A malformed
            # result raises here, before anything changes: the request fails, the connection lives.
            subscription_id = str(result["subscriptionId"])
            offset = int(result["offset"])
            if sink.subscription_id is not None:
                self.sinks.pop(sink.subscription_id, None)
            sink.subscription_id = subscription_id
            sink.start(offset)
            self.sinks[subscription_id] = sink

        def undo_late(result: Any) -> None:
            # The caller cancelled, but the server had subscribed: unsubscribe, or it streams forever.
            if isinstance(result, dict) and "subscriptionId" in result:
                self._unsubscribe_in_background(str(result["subscriptionId"]))

        try:
            await self.peer.request(
                "terminal.subscribe", params, on_result=register, on_late_result=undo_late, internal=internal
            )
        except asyncio.CancelledError:
            # The answer may have been registered just before the cancel reached us.
            if sink.subscription_id is not None and self.sinks.get(sink.subscription_id) is sink:
                self.sinks.pop(sink.subscription_id, None)
                self._unsubscribe_in_background(sink.subscription_id)
            sink.stop()
            raise

    def _unsubscribe_in_background(self, subscription_id: str) -> None:
        if self.peer.is_closed:
            return

        async def send() -> None:
            try:
                await self.peer.request("terminal.unsubscribe", {"subscriptionId": subscription_id})
            except OrchflowError:
                pass  # best effort: the connection may be gone, and the subscription with it

        task = asyncio.get_running_loop().create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def unsubscribe(self, sink: StreamSink) -> None:
        """Stops delivery and tells the server (best effort)."""
        sink.stop()
        subscription_id = sink.subscription_id
        if subscription_id is None or self.sinks.pop(subscription_id, None) is None:
            return
        if not self.peer.is_closed and self.peer.ready.is_set():
            try:
                await self.peer.request("terminal.unsubscribe", {"subscriptionId": subscription_id})
            except OrchflowError:
                pass

    async def resume_all(self) -> int:
        """Re-subscribes every open stream from its cursor (after a reconnect that kept the terminals)."""
        resumed = 0
        for sink in list(self.sinks.values()):
            try:
                await self.subscribe(sink, sink.cursor, internal=True)
                resumed += 1
            except OrchflowError as error:
                self.fail_one(sink, error)
        return resumed

    def fail_one(self, sink: StreamSink, error: OrchflowError) -> None:
        if sink.subscription_id is not None:
            self.sinks.pop(sink.subscription_id, None)
        sink.fail(error)

    def fail_all(self, error: OrchflowError) -> None:
        """Fails every stream: the connection was lost and its terminals are gone (or we gave up)."""
        for sink in list(self.sinks.values()):
            self.fail_one(sink, ChannelClosed(error.message, local=True))


class OutputStream:
    """``Terminal.stream()``: an async context manager whose body iterates output events.

    Use ``async with terminal.stream() as events: async for event in events: ...``: the
    subscription is open before you run anything, and is closed when the block ends — also when
    you ``break`` out of the loop. A bare ``async for`` over an unopened stream raises
    :class:`~orchflow.errors.InvalidState`: nothing would close its subscription after a ``break``.
    ``await stream.start()`` opens it without a block; then call ``await stream.aclose()`` yourself
    (``contextlib.aclosing(await terminal.stream().start())`` does that for you).
    """

    def __init__(self, router: SubscriptionRouter, terminal_id: str, from_offset: int | None, max_buffered_bytes: int) -> None:
        self._router = router
        self._from = from_offset
        self._sink = StreamSink(terminal_id, max_buffered_bytes)
        self._opened = False
        self._done = False
        self._failed: BaseException | None = None

    async def start(self) -> OutputStream:
        """Opens the subscription now (idempotent); output printed after this is never missed.

        If the subscribe fails (or is cancelled), the stream is not open: iterating it raises that error.
        """
        if self._done:
            raise InvalidState("This output stream was closed; open a new one with terminal.stream()", local=True)
        if not self._opened:
            self._opened = True
            try:
                await self._router.subscribe(self._sink, self._from)
            except BaseException as error:
                self._opened = False
                self._done = True
                self._failed = error if isinstance(error, OrchflowError) else ChannelClosed(
                    "Opening the output stream was cancelled", local=True
                )
                raise
        return self

    @property
    def offset(self) -> int:
        """The next byte offset this stream will deliver (resume from it later)."""
        return self._sink.cursor

    def __aiter__(self) -> OutputStream:
        return self

    async def __anext__(self) -> OutputEvent:
        if self._failed is not None:
            raise self._failed
        if self._done:
            raise StopAsyncIteration
        if not self._opened:
            raise InvalidState(
                "Iterate an output stream inside `async with terminal.stream() as events:` (or after "
                "`await stream.start()`, then `await stream.aclose()`), so its subscription is closed "
                "when you stop reading",
                local=True,
            )
        try:
            event = await self._sink.next()
        except BaseException:
            await self.aclose()
            raise
        if event is None or isinstance(event, OutputEnd):
            await self.aclose()
            if event is None:
                raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        """Ends the iteration and the subscription (idempotent)."""
        self._done = True
        await self._router.unsubscribe(self._sink)

    async def __aenter__(self) -> OutputStream:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
