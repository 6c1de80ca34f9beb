"""The transport interface the RPC layer drives."""

from __future__ import annotations

from typing import Any, Protocol


class Transport(Protocol):
    """One connection carrying JSON-RPC messages (dicts, or lists for batches)."""

    #: Short name used in capabilities and error messages: ``stdio``, ``unix``, ``websocket``.
    name: str

    async def send(self, message: Any) -> None:
        """Sends one message; raises :class:`~orchflow.errors.ChannelClosed` once the connection is gone."""

    async def receive(self) -> Any | None:
        """The next message, or ``None`` once the connection has closed."""

    async def close(self) -> None:
        """Closes the connection cleanly (idempotent)."""

    def abort(self) -> None:
        """Cuts the connection without a goodbye (what a network drop looks like to the server)."""

    def describe_end(self) -> str:
        """Why the connection ended, for the ChannelClosed message."""
