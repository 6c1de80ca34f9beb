"""Error classes: every ErrorCode has one, and the server's errors arrive as them with its message."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN, AGENT_TOKEN, Server

import orchflow
from orchflow import (
    ChannelClosed,
    ErrorCode,
    Forbidden,
    InvalidParams,
    InvalidState,
    Orchestrator,
    OrchflowError,
    PolicyDenied,
    SpawnFailed,
    TerminalNotFound,
    Timeout,
    Unauthorized,
    VersionMismatch,
    error_from_wire,
)


def test_every_error_code_has_its_own_class() -> None:
    for code in ErrorCode:
        error = error_from_wire({"code": int(code), "message": f"m{code}", "data": {"rule": "r"}})
        assert type(error) is not OrchflowError, code
        assert error.code == code and error.message == f"m{code}"
        assert type(error).__name__ == error.code_name
        assert isinstance(error, OrchflowError)
        assert getattr(orchflow, type(error).__name__) is type(error)
    denied = error_from_wire({"code": -32002, "message": "no", "data": {"rule": "deniedCommands[0]: rm", "reason": "r", "command": "rm x"}})
    assert isinstance(denied, PolicyDenied) and denied.rule == "deniedCommands[0]: rm" and denied.command == "rm x"
    unknown = error_from_wire({"code": -31999, "message": "new"})
    assert type(unknown) is OrchflowError and unknown.code_name == "UnknownError"
    assert isinstance(error_from_wire("garbage"), OrchflowError)


async def test_server_errors_arrive_typed(unix_orch: Orchestrator) -> None:
    with pytest.raises(TerminalNotFound) as missing:
        await unix_orch.terminal("no-such-terminal").execute("true")
    assert "no-such-terminal" in missing.value.message and not missing.value.local
    async with unix_orch.terminal_session("agent-errors") as terminal:
        with pytest.raises(InvalidParams) as bad:
            await terminal.kill(signal="SIGNOTHING")
        assert bad.value.code == ErrorCode.INVALID_PARAMS and not bad.value.local
        tx = await unix_orch.transaction()
        await tx.rollback()
        with pytest.raises(InvalidState):
            await tx.rollback()
        # A local timeout: the request gives up and cancels the command on the server.
        t0 = time.monotonic()
        with pytest.raises(Timeout) as late:
            await terminal.execute("sleep 20", request_timeout=0.3)
        assert late.value.local
        assert (await terminal.execute("echo still-here", timeout=20)).stdout == "still-here\n"
        assert time.monotonic() - t0 < 15
    with pytest.raises(SpawnFailed):
        await unix_orch.spawn_terminal("agent-errors", cwd="/definitely/not/here")
    with pytest.raises(InvalidParams) as local:
        await unix_orch.spawn_terminal("bad\nid")
    assert local.value.local and isinstance(local.value, ValueError)


async def test_tokens_principals_and_per_token_policy(ws_server: Server) -> None:
    with pytest.raises(Unauthorized):
        await Orchestrator.connect(ws_server.url, token="wrong-token-0123456789")
    async with await Orchestrator.connect(ws_server.url, token=AGENT_TOKEN) as agent:
        assert agent.principal["kind"] == "agent"
        async with agent.terminal_session("ci-1") as terminal:
            assert (await terminal.execute("echo ok", timeout=20)).stdout == "ok\n"
            with pytest.raises(PolicyDenied) as denied:
                await terminal.execute("rm -f /tmp/orchflow-python-nothing")
            assert denied.value.rule is not None and denied.value.rule.startswith("connection:deniedCommands")
            assert denied.value.command == "rm -f /tmp/orchflow-python-nothing"
        with pytest.raises(OrchflowError) as other:
            await agent.spawn_terminal("not-ci")
        assert isinstance(other.value, (Forbidden, TerminalNotFound, Unauthorized))
        with pytest.raises(Forbidden):
            await agent.kill_all()
    async with await Orchestrator.connect(ws_server.url, token=ADMIN_TOKEN) as admin:
        assert admin.principal["kind"] == "admin"


async def test_version_mismatch_is_refused(tmp_path: Path) -> None:
    """A (fake) server speaking protocol 2.x: the client refuses it as the TypeScript client does."""
    path = str(tmp_path / "v2.sock")

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        header = await reader.readuntil(b"\r\n\r\n")
        length = int(header.split(b":")[1].strip().split(b"\r\n")[0])
        request = json.loads(await reader.readexactly(length))
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": request["id"],
                "result": {
                    "protocolVersion": "2.0.0",
                    "serverInfo": {"name": "future", "version": "9"},
                    "capabilities": {"transports": ["unix"], "executionModes": [], "backends": [], "isolationLevels": [], "features": []},
                    "principal": {"kind": "admin"},
                },
            }
        ).encode()
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        await reader.read()
        writer.close()

    server = await asyncio.start_unix_server(serve, path)
    async with server:
        with pytest.raises(VersionMismatch) as mismatch:
            await Orchestrator.connect(f"unix://{path}")
        assert "2.0.0" in mismatch.value.message and "1.0.0" in mismatch.value.message


async def test_closed_client_raises_channel_closed(unix_server: Server) -> None:
    orch = await Orchestrator.connect(unix_server.url)
    terminal = await orch.spawn_terminal("agent-closed")
    await orch.close()
    assert orch.is_closed
    with pytest.raises(ChannelClosed):
        await terminal.execute("true")
    with pytest.raises(InvalidParams):
        await Orchestrator.connect("http://example.invalid")


async def test_a_sidecar_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(ChannelClosed) as missing:
        await Orchestrator.sidecar([str(tmp_path / "no-orchflow-here")])
    assert "command not found" in missing.value.message
    with pytest.raises(ChannelClosed) as died:
        await Orchestrator.sidecar(["sh", "-c", "echo broken config >&2; exit 4"], max_restarts=0)
    assert "exit code 4" in died.value.message and "broken config" in died.value.message


async def test_missing_features_fail_before_sending(unix_server: Server) -> None:
    async with await Orchestrator.connect(unix_server.url) as orch:
        # As if talking to an older server that lists none of the optional features.
        orch._handshake["capabilities"] = {**orch.capabilities, "features": []}
        with pytest.raises(orchflow.Unsupported) as unsupported:
            await orch.batch_execute([("t", "true")])
        assert unsupported.value.data == {"feature": "batchExecute", "transport": "unix"}
        with pytest.raises(orchflow.Unsupported):
            await orch.kill_all()
