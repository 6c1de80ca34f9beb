"""WebSocket transport (needs the ``websocket`` extra: ``pip install orchflow[websocket]``).

One JSON-RPC message per text frame. The client offers the subprotocols
``orchflow.v1+binary-output`` and ``orchflow.v1``; under the first, the server sends
``terminal.output`` as binary frames ``uint32 BE N | N bytes of JSON header | raw UTF-8 data``,
which are put back together here into the notification a text frame would carry.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ChannelClosed, InvalidParams, Unauthorized
from ..framing import DEFAULT_MAX_FRAME_BYTES

if TYPE_CHECKING:
    from websockets.legacy.client import WebSocketClientProtocol

SUBPROTOCOLS = ("orchflow.v1+binary-output", "orchflow.v1")


def decode_binary_output(frame: bytes) -> dict[str, Any]:
    """Rebuilds a ``terminal.output`` notification from its binary frame; raises ValueError if malformed."""
    if len(frame) < 4:
        raise ValueError("binary frame shorter than its 4-byte header length")
    (length,) = struct.unpack_from(">I", frame, 0)
    if 4 + length > len(frame):
        raise ValueError("binary frame header length overruns the frame")
    header = json.loads(frame[4 : 4 + length].decode("utf-8"))
    params = header.get("params") if isinstance(header, dict) else None
    if (
        not isinstance(params, dict)
        or header.get("method") != "terminal.output"
        or "terminalId" not in params
        or "offset" not in params
        or "data" in params
    ):
        raise ValueError("binary frame is not a terminal.output header")
    params["data"] = frame[4 + length :].decode("utf-8", "replace")
    notification: dict[str, Any] = header
    return notification


class WebSocketTransport:
    """A :class:`~orchflow.transports.base.Transport` over one WebSocket connection."""

    name = "websocket"

    def __init__(self, socket: WebSocketClientProtocol) -> None:
        self._socket = socket
        self._end = "the WebSocket closed"

    async def send(self, message: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._socket.send(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
        except ConnectionClosed as error:
            raise ChannelClosed(f"Cannot send: the WebSocket closed ({error})", local=True) from error

    async def receive(self) -> Any | None:
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                frame = await self._socket.recv()
            except ConnectionClosed as error:
                self._end = f"the WebSocket closed ({error})"
                return None
            try:
                if isinstance(frame, bytes):
                    return decode_binary_output(frame)
                return json.loads(frame)
            except (ValueError, RecursionError):
                # A malformed frame (not JSON, not UTF-8, nested too deep to parse) is dropped,
                # as the TypeScript client does.
                continue

    async def close(self) -> None:
        await self._socket.close()

    def abort(self) -> None:
        # No close frame: the server sees the TCP connection vanish, i.e. a drop.
        transport = self._socket.transport
        if transport is not None:
            transport.abort()

    def describe_end(self) -> str:
        return self._end


async def open_websocket(
    url: str,
    *,
    token: str | None = None,
    open_timeout: float = 10.0,
    binary_output: bool = True,
    headers: Mapping[str, str] | None = None,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
) -> WebSocketTransport:
    """Opens a WebSocket to ``url`` (``ws://`` or ``wss://``)."""
    try:
        from websockets.exceptions import InvalidStatusCode, InvalidURI, WebSocketException
        from websockets.legacy.client import connect
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise InvalidParams(
            "WebSocket support needs the optional dependency: pip install 'orchflow[websocket]'", local=True
        ) from error
    extra: dict[str, str] = dict(headers or {})
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    protocols = list(SUBPROTOCOLS if binary_output else SUBPROTOCOLS[1:])
    try:
        socket = await connect(
            url,
            subprotocols=protocols,  # type: ignore[arg-type]
            extra_headers=extra,
            open_timeout=open_timeout,
            max_size=max_frame_bytes + 64 * 1024,
            # The server heartbeats us; its pings are answered by the library.
            ping_interval=None,
            compression=None,
        )
    except InvalidStatusCode as error:
        if error.status_code == 401:
            raise Unauthorized(f"The server at {url} refused the token (HTTP 401)", local=False) from error
        raise ChannelClosed(f"Cannot connect to {url}: HTTP {error.status_code}", local=True) from error
    except InvalidURI as error:
        raise InvalidParams(f"{url!r} is not a valid WebSocket URL: {error}", local=True) from error
    except WebSocketException as error:
        # InvalidMessage, InvalidHeader, NegotiationError…: whatever answered is not an orchflow server
        # speaking WebSocket (or the handshake broke); a typed error lets the reconnect loop retry.
        raise ChannelClosed(f"Cannot connect to {url}: WebSocket handshake failed ({type(error).__name__}: {error})", local=True) from error
    except (OSError, asyncio.TimeoutError) as error:
        raise ChannelClosed(f"Cannot connect to {url}: {error}", local=True) from error
    return WebSocketTransport(socket)
