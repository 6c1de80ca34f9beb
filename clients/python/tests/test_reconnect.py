"""What happens when a connection is lost: WebSocket reconnects and resumes, a sidecar restarts, a Unix socket ends."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from conftest import ADMIN_TOKEN, SIDECAR, Server

from orchflow import ChannelClosed, ConnectionEvent, Orchestrator, OutputData, TerminalNotFound
from orchflow.transports.stdio import SidecarProcess


def events_of(orch: Orchestrator) -> tuple[list[ConnectionEvent], asyncio.Event]:
    seen: list[ConnectionEvent] = []
    reconnected = asyncio.Event()

    def hear(event: ConnectionEvent) -> None:
        seen.append(event)
        if event.type == "reconnected":
            reconnected.set()

    orch.on_connection_event(hear)
    return seen, reconnected


async def test_websocket_drop_reconnects_and_resumes_the_stream(ws_server: Server) -> None:
    async with await Orchestrator.connect(ws_server.url, token=ADMIN_TOKEN) as orch:
        assert "reconnect" in orch.features
        seen, reconnected = events_of(orch)
        terminal = await orch.spawn_terminal("agent-reconnect")
        async with terminal.stream(from_offset=0) as events:
            await terminal.execute("echo before-drop", timeout=20)
            chunks: list[OutputData] = []
            async for event in events:
                assert isinstance(event, OutputData)
                chunks.append(event)
                if "before-drop\r\n" in "".join(c.data for c in chunks):
                    break
            admitted = asyncio.Event()
            in_flight = asyncio.create_task(
                terminal.execute("sleep 1; echo during-drop", on_start=lambda offset: admitted.set())
            )
            await asyncio.wait_for(admitted.wait(), 20)  # the server is running it
            orch.transport.abort()  # no close frame, no $/shutdown: a drop
            with pytest.raises(ChannelClosed):
                await in_flight
            await asyncio.wait_for(reconnected.wait(), 30)
            assert [e.type for e in seen][:2] == ["lost", "reconnecting"]
            assert seen[-1].resumed == 1
            # The terminal survived the drop (reconnectGraceMs), and so did the running command.
            after = await terminal.execute("echo after-drop", timeout=20)
            assert after.stdout == "after-drop\n"
            async for event in events:
                assert isinstance(event, OutputData)
                chunks.append(event)
                if "after-drop\r\n" in "".join(c.data for c in chunks):
                    break
        # No byte missed or repeated across the reconnect: every chunk starts where the last ended.
        for previous, chunk in zip(chunks, chunks[1:]):
            assert chunk.offset == previous.next_offset
        text = "".join(c.data for c in chunks)
        assert text.count("\r\nduring-drop\r\n") == 1 and text.count("\r\nafter-drop\r\n") == 1
        assert text == (await terminal.read(from_offset=0, max_bytes=chunks[-1].next_offset)).data


async def test_crashed_sidecar_is_restarted_then_given_up_on() -> None:
    async with await Orchestrator.sidecar(SIDECAR, max_restarts=1, restart_window=120) as orch:
        assert "reconnect" not in orch.features
        seen, restarted = events_of(orch)
        terminal = await orch.spawn_terminal("agent-crash")
        stream = await terminal.stream().start()
        first = orch.transport
        assert isinstance(first, SidecarProcess)
        os.kill(first.pid, signal.SIGKILL)
        with pytest.raises(ChannelClosed) as cut:
            await stream.__anext__()
        assert "sidecar" in cut.value.message
        await asyncio.wait_for(restarted.wait(), 30)
        assert orch.transport is not first
        with pytest.raises(TerminalNotFound):  # the terminals died with the old sidecar
            await terminal.execute("true")
        fresh = await orch.spawn_terminal("agent-crash")
        assert (await fresh.execute("echo reborn", timeout=20)).stdout == "reborn\n"
        assert any(e.type == "lost" for e in seen)
        # A second crash within the window is one too many for max_restarts=1: the client closes.
        second = orch.transport
        assert isinstance(second, SidecarProcess)
        os.kill(second.pid, signal.SIGKILL)
        await asyncio.wait_for(orch._peer.closed.wait(), 30)
        assert seen[-1].type == "gave_up" and seen[-1].error is not None
        assert "2 times within 120 s" in seen[-1].error.message
        with pytest.raises(ChannelClosed):
            await fresh.execute("true")
    assert first.process.returncode is not None and second.process.returncode is not None


async def test_unix_socket_drop_ends_the_client(unix_server: Server) -> None:
    orch = await Orchestrator.connect(unix_server.url)
    terminal = await orch.spawn_terminal("agent-unix-drop")
    orch.transport.abort()
    await asyncio.wait_for(orch._peer.closed.wait(), 10)
    assert orch.is_closed
    with pytest.raises(ChannelClosed):
        await terminal.execute("true")
    await orch.close()
