"""Unix-socket transport: Content-Length frames on a local socket (``orchflow serve --unix PATH``)."""

from __future__ import annotations

import asyncio

from ..errors import ChannelClosed
from ..framing import DEFAULT_MAX_FRAME_BYTES
from .stream import StreamTransport


async def open_unix(path: str, *, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> StreamTransport:
    """Connects to the orchflow server listening on ``path``."""
    try:
        reader, writer = await asyncio.open_unix_connection(path, limit=max_frame_bytes + 64 * 1024)
    except OSError as error:
        raise ChannelClosed(
            f"Cannot connect to the orchflow Unix socket {path!r}: {error.strerror or error}; "
            "is `orchflow serve --unix PATH` running?",
            local=True,
        ) from error
    return StreamTransport(reader, writer, name="unix", max_frame_bytes=max_frame_bytes)
