"""LSP-style ``Content-Length`` framing, the framing of stdio and Unix-socket connections.

A frame is ``Content-Length: N\\r\\n`` (other headers such as ``Content-Type`` allowed and
ignored), an empty line, then ``N`` bytes of UTF-8 JSON. The decoder accepts input split at any
byte boundary and refuses a frame above ``max_frame_bytes`` before buffering its body.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import OrchflowError, ParseError, PayloadTooLarge

#: Largest frame sent or accepted by default: 16 MiB, as on the server.
DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
#: Largest header block accepted.
MAX_HEADER_BYTES = 8 * 1024


def encode_frame(message: Any, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> bytes:
    """The Content-Length frame of ``message`` (a JSON-serialisable value)."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(body) > max_frame_bytes:
        raise PayloadTooLarge(f"Message of {len(body)} bytes exceeds the {max_frame_bytes}-byte frame limit", local=True)
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def parse_header(header: bytes, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> int:
    """The body length named by a header block (without the blank line); raises on a bad header."""
    length: int | None = None
    for line in header.split(b"\r\n"):
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise ParseError(f"Malformed frame header line {line[:80]!r}", local=True)
        key = name.strip().lower()
        if key == b"content-length":
            text = value.strip()
            if not text.isdigit():
                raise ParseError(f"Invalid Content-Length {text[:40]!r}", local=True)
            length = int(text)
        elif key == b"content-type":
            charset = value.decode("latin-1").lower()
            if "charset=" in charset and not any(c in charset for c in ("utf-8", "utf8")):
                raise ParseError(f"Unsupported Content-Type {charset!r}: frames are UTF-8", local=True)
    if length is None:
        raise ParseError("Frame header has no Content-Length", local=True)
    if length > max_frame_bytes:
        raise PayloadTooLarge(f"Frame of {length} bytes exceeds the {max_frame_bytes}-byte limit", local=True)
    return length


class FrameDecoder:
    """Incremental decoder (what the stdio and Unix transports use): :meth:`feed` bytes, get bodies.

    The header block is capped at :data:`MAX_HEADER_BYTES` and a body above ``max_frame_bytes``
    is refused from its header, so a broken peer cannot make it buffer without bound.
    """

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._body_length = -1
        self._max = max_frame_bytes
        #: The framing error that ended the stream, once there was one.
        self.error: OrchflowError | None = None

    @property
    def mid_frame(self) -> bool:
        """True when bytes of an unfinished frame are buffered."""
        return bool(self._buffer) or self._body_length >= 0

    def feed(self, data: bytes) -> list[bytes]:
        """Adds ``data`` and returns the body of every frame now complete, in order.

        A bad header (:class:`~orchflow.errors.ParseError`, :class:`~orchflow.errors.PayloadTooLarge`)
        is kept in :attr:`error` — the frames before it are still returned — and the stream cannot
        be resynchronised after it: later calls return nothing.
        """
        out: list[bytes] = []
        if self.error is not None:
            return out
        self._buffer += data
        try:
            self._split(out)
        except OrchflowError as error:
            self.error = error
            self._buffer.clear()
        return out

    def _split(self, out: list[bytes]) -> None:
        while True:
            if self._body_length < 0:
                end = self._buffer.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES + 4)
                if end < 0:
                    if len(self._buffer) > MAX_HEADER_BYTES + 3:
                        raise ParseError(f"Frame header exceeds {MAX_HEADER_BYTES} bytes", local=True)
                    return
                self._body_length = parse_header(bytes(self._buffer[:end]), self._max)
                del self._buffer[: end + 4]
            if len(self._buffer) < self._body_length:
                return
            out.append(bytes(self._buffer[: self._body_length]))
            del self._buffer[: self._body_length]
            self._body_length = -1


def decode_body(body: bytes) -> Any:
    """Parses a frame body; raises :class:`~orchflow.errors.ParseError` if it is not UTF-8 JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ParseError(f"Frame body is not UTF-8 ({error.reason} at byte {error.start})", local=True) from None
    except json.JSONDecodeError as error:
        raise ParseError(f"Frame body is not JSON ({error.msg} at char {error.pos})", local=True) from None
    except RecursionError:
        raise ParseError("Frame body is JSON nested too deeply to parse", local=True) from None
