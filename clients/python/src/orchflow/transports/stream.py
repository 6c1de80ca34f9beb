"""Content-Length framed JSON-RPC over an asyncio byte stream (Unix socket, sidecar pipes)."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from ..errors import ChannelClosed, OrchflowError
from ..framing import DEFAULT_MAX_FRAME_BYTES, FrameDecoder, decode_body, encode_frame

#: Bytes read from the stream at a time.
READ_CHUNK = 64 * 1024


class StreamTransport:
    """A :class:`~orchflow.transports.base.Transport` over an asyncio reader/writer pair."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        name: str,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        self.name = name
        self._reader = reader
        self._writer = writer
        self._max = max_frame_bytes
        self._closed = False
        self._end = "the connection closed"
        self._decoder = FrameDecoder(max_frame_bytes)
        self._ready: collections.deque[Any] = collections.deque()
        #: Why the peer broke the protocol (a bad header, a body that is not JSON), once it did.
        self.protocol_error: str | None = None

    async def send(self, message: Any) -> None:
        if self._closed or self._writer.is_closing():
            raise ChannelClosed(f"Cannot send: {self._end}", local=True)
        self._writer.write(encode_frame(message, self._max))
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as error:
            raise ChannelClosed(f"Cannot send: {error}", local=True) from error

    async def receive(self) -> Any | None:
        """The next message; ``None`` at the end, also after a framing error (then the connection is cut).

        Frames are never skipped: after a bad header the byte stream cannot be resynchronised, and a
        body that is not JSON means the peer is not speaking the protocol (the request it answered
        would otherwise wait forever).
        """
        while not self._ready:
            if self.protocol_error is not None:
                return None
            try:
                chunk = await self._reader.read(READ_CHUNK)
            except (ConnectionError, OSError):
                return None
            if not chunk:
                if self._decoder.mid_frame and not self._closed:
                    self._end = "the connection closed in the middle of a frame"
                return None
            try:
                for body in self._decoder.feed(chunk):
                    self._ready.append(decode_body(body))
            except OrchflowError as error:
                self._broken(error.message)
            if self._decoder.error is not None and self.protocol_error is None:
                self._broken(self._decoder.error.message)
        return self._ready.popleft()

    def _broken(self, reason: str) -> None:
        """Records a protocol error and cuts the connection (messages decoded before it are still delivered)."""
        self.protocol_error = reason
        self._end = f"protocol error from the peer: {reason}"
        self.abort()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass

    def abort(self) -> None:
        self._closed = True
        transport = self._writer.transport
        transport.abort()

    def describe_end(self) -> str:
        return self._end

    def set_end(self, reason: str) -> None:
        """Records why the connection ended (the sidecar's exit, say)."""
        self._end = reason
