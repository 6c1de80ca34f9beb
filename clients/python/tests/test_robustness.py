"""Failure paths: raising callbacks, malformed frames, timeouts, cancelled subscribes, broken handshakes,
and what a cluster gateway adds (placement, partial answers).

Most tests talk to a scripted peer on the other end of a real socketpair (the malformed input
they need is exactly what a real server never sends); the rest use a real `orchflow serve`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from types import MappingProxyType
from typing import Any

import pytest
from conftest import AGENT_TOKEN, Server

from orchflow import (
    ChannelClosed,
    InternalError,
    InvalidParams,
    Orchestrator,
    PayloadTooLarge,
    PROTOCOL_VERSION,
    PolicyDenied,
    TerminalInfo,
    TerminalList,
    TerminalNotFound,
    Timeout,
    Unavailable,
)
from orchflow.client import _complete_or_raise
from orchflow.framing import FrameDecoder, encode_frame
from orchflow.rpc import RpcPeer
from orchflow.streams import OutputStream, SubscriptionRouter
from orchflow.transports.base import Transport
from orchflow.transports.stream import StreamTransport
from orchflow.transports.websocket import open_websocket

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError on this


class FakePeer:
    """The server end of a socketpair: reads the client's frames, writes whatever the test says."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = FrameDecoder()
        self.inbox: list[Any] = []

    async def next_message(self, timeout: float = 10.0) -> Any:
        while not self.inbox:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
            assert chunk, "the client closed the connection"
            self.inbox += [json.loads(body) for body in self.decoder.feed(chunk)]
        return self.inbox.pop(0)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, message: Any) -> None:
        await self.send_raw(encode_frame(message))

    async def closed(self, timeout: float = 10.0) -> bool:
        """True once the client closed its end (EOF or reset)."""
        try:
            while await asyncio.wait_for(self.reader.read(65536), timeout):
                pass
        except ConnectionError:
            pass
        return True


@pytest.fixture
async def pair() -> AsyncIterator[tuple[StreamTransport, FakePeer]]:
    left, right = socket.socketpair()
    client_reader, client_writer = await asyncio.open_connection(sock=left)
    peer_reader, peer_writer = await asyncio.open_connection(sock=right)
    transport = StreamTransport(client_reader, client_writer, name="test")
    yield transport, FakePeer(peer_reader, peer_writer)
    await transport.close()
    peer_writer.close()


@pytest.fixture
def reported() -> Iterator[list[dict[str, Any]]]:
    """What reached the loop's exception handler during the test."""
    loop = asyncio.get_event_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    loop.set_exception_handler(previous)


# ---------------------------------------------------------------- the reader survives callbacks (1)


async def test_a_raising_notification_handler_is_reported_and_the_reader_goes_on(
    pair: tuple[StreamTransport, FakePeer], reported: list[dict[str, Any]]
) -> None:
    transport, fake = pair
    peer = RpcPeer(transport)
    peer.ready.set()
    peer.on_notification("security.alert", lambda params: 1 / 0)
    answer = asyncio.create_task(peer.request("x.y", {}))
    request = await fake.next_message()
    await fake.send({"jsonrpc": "2.0", "method": "security.alert", "params": {"rule": "r"}})
    await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": {"ok": True}})
    assert await asyncio.wait_for(answer, 10) == {"ok": True}
    assert any(isinstance(c.get("exception"), ZeroDivisionError) for c in reported)


async def test_a_malformed_subscribe_answer_fails_that_request_only(pair: tuple[StreamTransport, FakePeer]) -> None:
    transport, fake = pair
    peer = RpcPeer(transport)
    peer.ready.set()
    router = SubscriptionRouter(peer)
    stream = OutputStream(router, "t1", None, 1 << 20)
    opening = asyncio.create_task(stream.start())
    request = await fake.next_message()
    assert request["method"] == "terminal.subscribe"
    await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": {"offset": 0}})  # no subscriptionId
    with pytest.raises(InternalError, match="Malformed answer to terminal.subscribe"):
        await asyncio.wait_for(opening, 10)
    # (4d) the stream is not left half-open: iterating raises the same error instead of hanging.
    with pytest.raises(InternalError, match="Malformed answer"):
        await asyncio.wait_for(stream.__anext__(), 10)
    # The connection lives on.
    pinged = asyncio.create_task(peer.request("$/ping", {}))
    ping = await fake.next_message()
    await fake.send({"jsonrpc": "2.0", "id": ping["id"], "result": {}})
    assert await asyncio.wait_for(pinged, 10) == {}


async def test_a_deeply_nested_frame_ends_the_stream_connection_with_the_reason(
    pair: tuple[StreamTransport, FakePeer],
) -> None:
    transport, fake = pair
    lost: list[str] = []
    peer = RpcPeer(transport, on_lost=lambda error: lost.append(error.message))
    peer.ready.set()
    answer = asyncio.create_task(peer.request("x.y", {}))
    await fake.next_message()
    await fake.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(DEEP), DEEP.encode()))
    with pytest.raises(ChannelClosed, match="nested too deeply"):
        await asyncio.wait_for(answer, 10)
    assert lost and "protocol error" in lost[0]
    assert await fake.closed()


async def test_a_raising_lost_handler_still_fails_requests_and_closes(
    pair: tuple[StreamTransport, FakePeer], reported: list[dict[str, Any]]
) -> None:
    transport, fake = pair

    def broken(error: Exception) -> None:
        raise RuntimeError("listener bug")

    peer = RpcPeer(transport, on_lost=broken)
    peer.ready.set()
    answer = asyncio.create_task(peer.request("x.y", {}))
    await fake.next_message()
    fake.writer.close()
    with pytest.raises(ChannelClosed):
        await asyncio.wait_for(answer, 10)
    await asyncio.wait_for(peer.closed.wait(), 10)
    assert peer.is_closed
    assert any(isinstance(c.get("exception"), RuntimeError) for c in reported)


async def test_security_alert_listener_that_raises_does_not_break_the_connection(
    ws_server: Server, reported: list[dict[str, Any]]
) -> None:
    async with await Orchestrator.connect(ws_server.url, token=AGENT_TOKEN) as orch:
        heard = asyncio.Event()

        def listener(alert: Any) -> None:
            heard.set()
            raise RuntimeError("alert listener bug")

        orch.on_security_alert(listener)
        async with orch.terminal_session("ci-alerts") as terminal:
            with pytest.raises(PolicyDenied):
                await terminal.execute("rm -rf /tmp/nothing-here", timeout=20)
            await asyncio.wait_for(heard.wait(), 20)
            assert (await terminal.execute("echo still-alive", timeout=20)).stdout == "still-alive\n"
        assert any(isinstance(c.get("exception"), RuntimeError) for c in reported)


# ---------------------------------------------------------------- framing of stdio / unix (5, 7)


async def test_frames_split_at_every_byte_and_coalesced_arrive_in_order(pair: tuple[StreamTransport, FakePeer]) -> None:
    transport, fake = pair
    messages = [{"jsonrpc": "2.0", "id": i, "result": {"text": f"héllo ✓ {i}"}} for i in range(3)]
    wire = b"".join(encode_frame(m) for m in messages)
    wire = wire.replace(b"\r\n\r\n", b"\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n", 1)
    for byte in wire:  # one byte per write: every split point
        await fake.send_raw(bytes([byte]))
    await fake.send_raw(wire)  # all three frames in one write
    got = [await asyncio.wait_for(transport.receive(), 10) for _ in range(6)]
    assert got == messages + messages


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (b"Content-Length: 999999999999\r\n\r\n", "exceeds the 16777216-byte limit"),
        (b"X-Padding: " + b"a" * 9000, "header exceeds 8192 bytes"),
        (b"Content-Length: twelve\r\n\r\n", "Invalid Content-Length"),
        (b"Content-Length: 2\r\n\r\n\xff\xfe", "not UTF-8"),
        (b"Content-Length: 5\r\n\r\nhello", "not JSON"),
    ],
)
async def test_a_framing_error_closes_the_connection_with_the_reason(
    pair: tuple[StreamTransport, FakePeer], wire: bytes, reason: str
) -> None:
    transport, fake = pair
    good = {"jsonrpc": "2.0", "method": "first", "params": {}}
    await fake.send_raw(encode_frame(good) + wire)
    assert await asyncio.wait_for(transport.receive(), 10) == good  # what came before is delivered
    assert await asyncio.wait_for(transport.receive(), 10) is None
    assert reason in transport.describe_end() and transport.protocol_error is not None
    assert await fake.closed()


async def test_a_sidecar_that_breaks_framing_is_killed_and_named(tmp_path: Any) -> None:
    script = "import sys, time; sys.stdout.write('Content-Length: nope\\r\\n\\r\\n'); sys.stdout.flush(); time.sleep(120)"
    started = time.monotonic()
    with pytest.raises(ChannelClosed) as failed:
        await Orchestrator.sidecar([sys.executable, "-c", script], max_restarts=0, request_timeout=30)
    assert "broke the protocol" in failed.value.message and "Invalid Content-Length" in failed.value.message
    assert time.monotonic() - started < 20


async def test_a_sidecar_that_dies_at_once_is_named_and_a_failing_npx_says_what_to_do(tmp_path: Any) -> None:
    # What a clone without `orchflow` on PATH hits: the npx fallback, with @orchflow/server not on npm.
    npx = tmp_path / "npx"
    npx.write_text("#!/bin/sh\necho 'sh: 1: orchflow: not found' >&2\nexit 127\n")
    npx.chmod(0o755)
    with pytest.raises(ChannelClosed) as failed:
        await Orchestrator.sidecar([str(npx), "--yes", "-p", "@orchflow/server", "orchflow"], max_restarts=0)
    message = failed.value.message
    assert f"`{npx} --yes -p @orchflow/server orchflow`" in message
    assert "exit code 127" in message and "orchflow: not found" in message
    assert "put `orchflow` on PATH" in message and "packages/server/dist/cli.mjs" in message


# ---------------------------------------------------------------- timeouts (3) and reconnect failures (2)


async def test_requests_time_out_by_default_except_unbounded_ones(pair: tuple[StreamTransport, FakePeer]) -> None:
    transport, fake = pair
    peer = RpcPeer(transport, default_timeout=0.5)
    peer.ready.set()
    unbounded = asyncio.create_task(peer.request("terminal.execute", {}, timeout=0))
    with pytest.raises(Timeout, match="x.y within 0.5 s"):
        await peer.request("x.y", {})
    assert not unbounded.done()
    sent = {m["method"]: m for m in [await fake.next_message() for _ in range(3)]}
    assert sent["$/cancelRequest"]["params"] == {"id": sent["x.y"]["id"]}  # the timed-out one only
    await fake.send({"jsonrpc": "2.0", "id": sent["terminal.execute"]["id"], "result": "done"})
    assert await asyncio.wait_for(unbounded, 10) == "done"
    # Waiting for a reconnect is bounded too.
    peer.ready.clear()
    with pytest.raises(Timeout, match="not back within 0.5 s"):
        await peer.request("x.y", {})
    with pytest.raises(Timeout, match="not back within 0.5 s"):
        await peer.request("terminal.execute", {}, timeout=0)


async def test_open_websocket_maps_handshake_failures_to_typed_errors() -> None:
    async def not_websocket(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: nonsense\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_websocket, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ChannelClosed, match="WebSocket handshake failed"):
            await open_websocket(f"ws://127.0.0.1:{port}")
    finally:
        server.close()
        await server.wait_closed()
    with pytest.raises(InvalidParams, match="not a valid WebSocket URL"):
        await open_websocket("ws://")


async def test_a_reconnect_that_fails_unexpectedly_gives_up_and_fails_waiting_requests(ws_server: Server) -> None:
    from conftest import ADMIN_TOKEN

    orch = await Orchestrator.connect(ws_server.url, token=ADMIN_TOKEN)
    gave_up = asyncio.Event()
    orch.on_connection_event(lambda event: gave_up.set() if event.type == "gave_up" else None)

    async def broken_connector() -> Any:
        raise RuntimeError("connector bug")

    orch._connector = broken_connector
    orch.transport.abort()
    await asyncio.wait_for(gave_up.wait(), 30)
    with pytest.raises(ChannelClosed, match="connector bug"):
        await asyncio.wait_for(orch.list_terminals(), 10)
    assert orch.is_closed
    await orch.close()


# ---------------------------------------------------------------- cancelled subscribe (4b/c)


async def test_a_subscribe_cancelled_before_its_answer_unsubscribes_on_the_late_answer(
    pair: tuple[StreamTransport, FakePeer],
) -> None:
    transport, fake = pair
    peer = RpcPeer(transport)
    peer.ready.set()
    router = SubscriptionRouter(peer)
    opening = asyncio.create_task(OutputStream(router, "t1", None, 1 << 20).start())
    request = await fake.next_message()
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    cancel = await fake.next_message()
    assert cancel == {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request["id"]}}
    # The server had already subscribed: its answer arrives after the cancel.
    await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": {"subscriptionId": "s9", "offset": 0}})
    undo = await fake.next_message()
    assert undo["method"] == "terminal.unsubscribe" and undo["params"] == {"subscriptionId": "s9"}
    assert router.sinks == {}


async def test_a_cancelled_stream_start_leaves_no_subscription_on_a_real_server(unix_server: Server) -> None:
    async with await Orchestrator.connect(unix_server.url) as orch:
        terminal = await orch.spawn_terminal("agent-cancel-sub")
        stream = terminal.stream()
        opening = asyncio.create_task(stream.start())
        deadline = time.monotonic() + 10
        # Wait until the subscribe is on the wire. A fast server can answer it between two looks
        # at the pending table (it was never seen pending, and start() is done): then the answer
        # won the race, the other path below.
        while not orch._peer._pending and not opening.done():
            assert time.monotonic() < deadline, "the subscribe was never sent"
            await asyncio.sleep(0.001)
        opening.cancel()  # races the server's answer: either path must leave nothing subscribed
        try:
            await opening
        except asyncio.CancelledError:
            assert orch._router.sinks == {}
            with pytest.raises(ChannelClosed, match="cancelled"):
                await stream.__anext__()
        else:  # the answer won the race: start() completed, the stream is open as usual
            await stream.aclose()
        assert orch._router.sinks == {}
        await orch.ping()  # the connection is fine


# ---------------------------------------------------------------- emergency controls (6), transactions (9)


def test_partial_emergency_controls_raise_unavailable() -> None:
    assert _complete_or_raise("killAll", "killed", {"killed": 3}) == 3
    assert _complete_or_raise("killAll", "killed", {"killed": 3, "unreachableNodes": []}) == 3
    with pytest.raises(Unavailable) as partial:
        _complete_or_raise("pauseAll", "paused", {"paused": 2, "unreachableNodes": ["node-b"]})
    assert partial.value.data == {"reason": "partial", "paused": 2, "unreachableNodes": ["node-b"]}
    assert "node-b" in partial.value.message
    # A node that answered late may still have acted: the message must not claim either outcome.
    assert "may or may not have been paused" in partial.value.message
    assert "were not" not in partial.value.message


async def test_a_commit_that_fails_before_it_is_sent_rolls_back(unix_server: Server) -> None:
    async with await Orchestrator.connect(unix_server.url) as orch:
        terminal = await orch.spawn_terminal("agent-tx-rollback")
        with pytest.raises(PayloadTooLarge):
            async with await orch.transaction() as tx:
                for _ in range(17):  # 17 × 1 MiB: over the 16 MiB frame limit, refused before sending
                    tx.add(terminal, "echo " + "x" * (1024 * 1024 - 5))
        # __aexit__ rolled the transaction back on the server: it is gone.
        with pytest.raises(Exception) as gone:
            await orch._peer.request("tx.rollback", {"txId": tx.id})
        assert not isinstance(gone.value, (ChannelClosed, Timeout, TerminalNotFound)), gone.value


# ---------------------------------------------------------------- what a cluster gateway adds: placement, partial lists

TERMINAL_INFO = {
    "id": "t-1", "agentId": "gpu-agent", "pid": 42, "mode": "interactive", "backend": "direct",
    "state": "running", "cols": 80, "rows": 24, "createdAt": "2026-01-01T00:00:00.000Z",
}


async def gateway_client(transport: StreamTransport, fake: FakePeer) -> Orchestrator:
    """An Orchestrator connected over the socketpair, the fake peer answering the handshake as a gateway would."""

    async def connector() -> Transport:
        return transport

    opening = asyncio.create_task(Orchestrator._open(connector, None, "test", 10.0, None))
    init = await fake.next_message()
    capabilities = {"transports": ["test"], "executionModes": ["interactive"], "backends": [], "isolationLevels": [], "features": []}
    await fake.send({
        "jsonrpc": "2.0",
        "id": init["id"],
        "result": {
            "protocolVersion": PROTOCOL_VERSION,
            "serverInfo": {"name": "gateway", "version": "1"},
            "capabilities": capabilities,
            "principal": {"kind": "admin"},
        },
    })
    return await asyncio.wait_for(opening, 10)


async def test_spawn_terminal_sends_the_placement(pair: tuple[StreamTransport, FakePeer]) -> None:
    transport, fake = pair
    orch = await gateway_client(transport, fake)
    # Any mapping (this one is not JSON-serializable as it is) goes out as TerminalConfig.placement.
    placement = MappingProxyType({"labels": MappingProxyType({"gpu": "1"}), "node": "node-a"})
    spawning = asyncio.create_task(orch.spawn_terminal("gpu-agent", cols=100, placement=placement))
    request = await fake.next_message()
    assert request["method"] == "terminal.spawn"
    assert request["params"] == {
        "agentId": "gpu-agent",
        "config": {"cols": 100, "placement": {"labels": {"gpu": "1"}, "node": "node-a"}},
    }
    await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": TERMINAL_INFO})
    terminal = await asyncio.wait_for(spawning, 10)
    assert terminal.id == "t-1"
    labels_only = asyncio.create_task(orch.spawn_terminal("gpu-agent", placement={"labels": {"region": "eu"}}))
    request = await fake.next_message()
    assert request["params"]["config"] == {"placement": {"labels": {"region": "eu"}}}
    await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": TERMINAL_INFO})
    await asyncio.wait_for(labels_only, 10)
    await orch.close()


async def test_list_terminals_keeps_the_unreachable_nodes_of_a_partial_listing(pair: tuple[StreamTransport, FakePeer]) -> None:
    transport, fake = pair
    orch = await gateway_client(transport, fake)
    answers: list[dict[str, Any]] = [
        {"terminals": [TERMINAL_INFO], "unreachableNodes": ["node-b", "node-c"]},
        {"terminals": [TERMINAL_INFO]},  # every node answered (or a single server)
    ]
    listed: list[TerminalList] = []
    for answer in answers:
        listing = asyncio.create_task(orch.list_terminals(agent_id="gpu-agent"))
        request = await fake.next_message()
        assert request["method"] == "terminal.list" and request["params"] == {"agentId": "gpu-agent"}
        await fake.send({"jsonrpc": "2.0", "id": request["id"], "result": answer})
        listed.append(await asyncio.wait_for(listing, 10))
    partial, complete = listed
    assert isinstance(partial, TerminalList) and isinstance(partial, list)
    assert [t.id for t in partial] == ["t-1"] and partial.unreachable_nodes == ["node-b", "node-c"]
    assert "unreachable_nodes=['node-b', 'node-c']" in repr(partial)
    assert complete.unreachable_nodes == [] and [t.id for t in complete] == ["t-1"]
    assert partial[0].exit_reason is None
    # A terminal of a lost node is listed exited, with why.
    lost = TerminalInfo.from_wire({**TERMINAL_INFO, "state": "exited", "exitCode": None, "exitReason": "node-lost"})
    assert lost.state == "exited" and lost.exit_reason == "node-lost"
    assert TerminalList() == [] and TerminalList().unreachable_nodes == []
    await orch.close()
