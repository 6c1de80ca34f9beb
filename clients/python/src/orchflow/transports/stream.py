"""Content-Length framed JSON-RPC over an asyncio byte stream (Unix socket, sidecar pipes)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..errors import ChannelClosed, OrchflowError
from ..framing import DEFAULT_MAX_FRAME_BYTES, MAX_HEADER_BYTES, encode_frame, parse_header


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

    async def send(self, message: Any) -> None:
        if self._closed or self._writer.is_closing():
            raise ChannelClosed(f"Cannot send: {self._end}", local=True)
        self._writer.write(encode_frame(message, self._max))
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as error:
            raise ChannelClosed(f"Cannot send: {error}", local=True) from error

    async def receive(self) -> Any | None:
        while True:
            try:
                header = await self._reader.readuntil(b"\r\n\r\n")
                length = parse_header(header[:-4], self._max)
                body = await self._reader.readexactly(length)
            except asyncio.LimitOverrunError:
                self._end = f"a frame header exceeded {MAX_HEADER_BYTES} bytes"
                return None
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                return None
            except OrchflowError as error:
                self._end = f"framing error: {error.message}"
                return None
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue  # a body that is not JSON is skipped, as the server skips ours

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
