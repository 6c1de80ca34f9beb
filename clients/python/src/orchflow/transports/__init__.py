"""Transports: how JSON-RPC messages reach an orchflow server (stdio sidecar, Unix socket, WebSocket)."""

from __future__ import annotations

from .base import Transport
from .stdio import SidecarCommand, SidecarProcess, resolve_sidecar_command, start_sidecar
from .stream import StreamTransport
from .unix import open_unix

__all__ = [
    "SidecarCommand",
    "SidecarProcess",
    "StreamTransport",
    "Transport",
    "open_unix",
    "resolve_sidecar_command",
    "start_sidecar",
]
