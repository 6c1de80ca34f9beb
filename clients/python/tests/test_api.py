"""The client API over stdio, a Unix socket and WebSocket, against a real `orchflow serve`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from orchflow import (
    Command,
    ExecResult,
    InvalidParams,
    InvalidState,
    Orchestrator,
    OutputData,
    OutputEnd,
    PolicyDenied,
    PROTOCOL_VERSION,
    TerminalList,
)


async def test_handshake_reports_the_connection(orch: Orchestrator) -> None:
    assert orch.protocol_version.split(".")[0] == PROTOCOL_VERSION.split(".")[0]
    assert orch.principal["kind"] == "admin"
    assert orch.capabilities["transports"] == [orch.transport.name]
    for feature in ("subscriptions", "cancellation", "batchExecute", "transactions", "emergencyControls", "shutdown"):
        assert feature in orch.features
    assert 0 < await orch.ping() < 5


async def test_execute_returns_a_typed_result(orch: Orchestrator, tmp_path: Path) -> None:
    async with orch.terminal_session("agent-1", cwd=tmp_path) as terminal:
        result = await terminal.execute("echo hello; (exit 3)", timeout=20)
        assert isinstance(result, ExecResult)
        assert result.stdout == "hello\n"
        assert result.exit_code == 3 and result.signal is None
        assert not result.timed_out and not result.truncated
        assert result.cwd == str(tmp_path)
        assert 0 <= result.duration < 20
        cd = await terminal.execute("cd / && pwd", timeout=20)
        assert cd.stdout == "/\n" and cd.cwd == "/"
        slow = await terminal.execute("sleep 10", timeout=0.5)
        assert slow.timed_out and slow.exit_code != 0
        big = await terminal.execute("seq 1 20000", max_output_bytes=2000, timeout=20)
        assert big.truncated
        chunks: list[OutputData] = []
        started: list[int] = []
        live = await terminal.execute("echo streamed", on_output=chunks.append, on_start=started.append, timeout=20)
        assert live.stdout == "streamed\n"
        assert "streamed" in "".join(c.data for c in chunks) and started


async def test_terminal_session_kills_on_exit(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-session") as terminal:
        listed = await orch.list_terminals(agent_id="agent-session")
        assert [t.id for t in listed] == [terminal.id]
        assert listed[0].state == "running"
    after = await orch.list_terminals(agent_id="agent-session")
    assert all(t.state == "exited" for t in after)


async def test_the_shells_line_editor_is_off_unless_asked(orch: Orchestrator) -> None:
    probe = "[[ -o emacs || -o vi ]] && echo editor-on || echo editor-off"
    async with orch.terminal_session("agent-editor") as plain:
        assert (await plain.execute(probe, timeout=20)).stdout == "editor-off\n"
    async with orch.terminal_session("agent-editor", line_editing=True) as editing:
        assert (await editing.execute(probe, timeout=20)).stdout == "editor-on\n"


async def test_a_single_server_takes_and_ignores_a_placement(orch: Orchestrator) -> None:
    placement = {"labels": {"gpu": "1"}, "node": "node-a"}
    async with orch.terminal_session("agent-placed", placement=placement) as terminal:
        assert (await terminal.execute("echo placed", timeout=20)).stdout == "placed\n"
        listed = await orch.list_terminals(agent_id="agent-placed")
        assert isinstance(listed, TerminalList) and listed.unreachable_nodes == []
        assert [t.id for t in listed] == [terminal.id]
    # The server checks the placement's shape (its schema is strict).
    with pytest.raises(InvalidParams) as bad:
        await orch.spawn_terminal("agent-placed", placement={"label": {"gpu": "1"}})
    assert not bad.value.local and "placement" in bad.value.message


async def test_write_resize_snapshot_read(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-io", cols=80, rows=24) as terminal:
        assert await terminal.resize(100, 30) == (100, 30)
        assert terminal.info.cols == 100
        await terminal.execute("stty size", timeout=20)
        result = await terminal.execute("stty size", timeout=20)
        assert result.stdout.strip() == "30 100"
        async with terminal.stream() as events:
            written = await terminal.write("echo typed-$((6*7))\r")
            assert written > 0
            seen = ""
            async for event in events:
                assert isinstance(event, OutputData)
                seen += event.data
                if "typed-42\r\n" in seen:
                    break
        deadline = time.monotonic() + 20
        while "typed-42" not in (await terminal.snapshot()).text:
            assert time.monotonic() < deadline, "snapshot never showed the typed command's output"
            await asyncio.sleep(0.05)
        page = await terminal.read(from_offset=0)
        assert page.offset == 0 and "typed-42" in page.data and page.next_offset == page.end_offset
        tail = await terminal.read(from_offset=page.end_offset - 4, max_bytes=2)
        assert tail.offset == page.end_offset - 4 and tail.next_offset == tail.offset + 2


async def test_stream_resumes_from_an_offset_and_ends_on_exit(orch: Orchestrator) -> None:
    terminal = await orch.spawn_terminal("agent-stream")
    first = await terminal.execute("echo one", timeout=20)
    assert first.output_offset is not None
    collected = ""
    start = None
    async with terminal.stream(from_offset=0) as replay:
        async for event in replay:
            if isinstance(event, OutputData):
                start = event.offset if start is None else start
                collected += event.data
                if "one\r\n" in collected:
                    break  # leaving the block unsubscribes
    with pytest.raises(InvalidState, match="async with"):
        async for _ in terminal.stream():
            pass
    assert start == 0
    async with terminal.stream() as events:
        await terminal.execute("exit 7", timeout=20)
        kinds = [event async for event in events]
    end = kinds[-1]
    assert isinstance(end, OutputEnd) and end.exit is not None and end.exit.exit_code == 7


async def test_batch_and_transactions(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-batch") as a, orch.terminal_session("agent-batch") as b:
        items = await orch.batch_execute([(a, "echo A"), Command(b.id, "echo B", timeout=10), (a, "false")], mode="parallel")
        assert [i.ok for i in items] == [True, True, True]
        assert items[0].result is not None and items[0].result.stdout == "A\n"
        assert items[2].result is not None and items[2].result.exit_code == 1
        stopped = await orch.batch_execute([(a, "false"), (a, "echo never")], stop_on_error=True)
        assert stopped[1].error is not None and stopped[1].error.code_name == "Cancelled"
        async with await orch.transaction() as tx:
            tx.add(a, "echo tx1").add(b, "echo tx2")
        assert tx.results is not None and [r.result.stdout for r in tx.results if r.result] == ["tx1\n", "tx2\n"]
        rolled = await orch.transaction()
        rolled.add(a, "echo no")
        await rolled.rollback()
        with pytest.raises(InvalidParams):
            await orch.batch_execute([])
    scripted = await orch.run_script("echo $((2+3))", agent_id="agent-script", timeout=20)
    assert scripted.stdout == "5\n"
    assert [t for t in await orch.list_terminals(agent_id="agent-script") if t.state != "exited"] == []


async def test_pause_resume_and_kill_all(orch: Orchestrator) -> None:
    a = await orch.spawn_terminal("agent-emergency")
    await orch.spawn_terminal("agent-emergency")
    assert await orch.pause_all("agent-emergency") == 2
    assert {t.state for t in await orch.list_terminals(agent_id="agent-emergency")} == {"paused"}
    assert await orch.resume_all("agent-emergency") == 2
    assert (await a.execute("echo alive", timeout=20)).stdout == "alive\n"
    assert await orch.kill_all("agent-emergency") == 2
    assert [t for t in await orch.list_terminals(agent_id="agent-emergency") if t.state != "exited"] == []
    metrics = await orch.metrics()
    assert metrics["commandsExecuted"] >= 1


async def test_cancelling_the_task_interrupts_the_command(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-cancel") as terminal:
        started = asyncio.Event()
        task = asyncio.create_task(terminal.execute("sleep 30", on_start=lambda _offset: started.set()))
        await asyncio.wait_for(started.wait(), 20)
        deadline = time.monotonic() + 20
        while (await terminal.activity())["activity"] != "running":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        t0 = time.monotonic()
        after = await terminal.execute("echo usable", timeout=20)
        assert after.stdout == "usable\n"
        assert time.monotonic() - t0 < 15, "the sleep was not interrupted"
        history = await terminal.history()
        sleep = next(h for h in history if h["command"] == "sleep 30")
        assert sleep.get("exitCode") != 0 and sleep["durationMs"] < 25000


async def test_security_alert_and_policy_from_a_sidecar(workdir: Path) -> None:
    from conftest import SIDECAR

    from orchflow import SecurityPolicy

    policy = SecurityPolicy(allowed_commands=["echo", "true"], max_execution_time=30, max_memory_mb=512, network_access=False)
    async with await Orchestrator.sidecar(SIDECAR, policy=policy, cwd=str(workdir), inherit_stderr=True) as orch:
        alerts = []
        orch.on_security_alert(alerts.append)
        async with orch.terminal_session("agent-policy") as terminal:
            assert (await terminal.execute("echo allowed", timeout=10)).stdout == "allowed\n"
            with pytest.raises(PolicyDenied) as denied:
                await terminal.execute("ls /")
            assert denied.value.rule is not None and "allowedCommands" in denied.value.rule
            assert denied.value.command == "ls /"
            assert "ls" in str(denied.value)
            deadline = time.monotonic() + 10
            while not alerts:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            assert alerts[0].rule == denied.value.rule
