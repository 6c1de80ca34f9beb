"""``execute(stop=…)``: stopping a command hands back its partial result (real servers, no mocks)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from conftest import Server, start_server, stop_server

import orchflow
from orchflow import EXECUTE_STOP_WAIT, Cancelled, ExecResult, InvalidParams, Orchestrator, OutputData, Terminal

# Prints a marker the typed command line does not contain (the raw output echoes the command).
PRINT_THEN_SLEEP = 'echo "started-$((6*7))"; sleep 30'
MARKER = "started-42"


def set_when_printed(event: asyncio.Event | threading.Event) -> Callable[[OutputData], None]:
    """An ``on_output`` callback that sets ``event`` once the marker was printed."""
    seen: list[str] = []

    def on_output(chunk: OutputData) -> None:
        seen.append(chunk.data)
        if MARKER in "".join(seen):
            event.set()

    return on_output


async def test_stop_hands_back_the_partial_result(orch: Orchestrator) -> None:
    assert EXECUTE_STOP_WAIT == 5.0
    async with orch.terminal_session("agent-stop") as terminal:
        stop = asyncio.Event()
        task = asyncio.create_task(terminal.execute(PRINT_THEN_SLEEP, on_output=set_when_printed(stop), stop=stop))
        await asyncio.wait_for(stop.wait(), 20)
        stopped_at = time.monotonic()
        with pytest.raises(Cancelled) as cancelled:
            await task
        # The partial result below proves the server answered within the wait; no tighter clock
        # bound (a loaded CI machine may take seconds to deliver SIGINT's prompt).
        waited = time.monotonic() - stopped_at
        assert waited < EXECUTE_STOP_WAIT + 1, f"the server's answer took {waited:.1f} s"
        error = cancelled.value
        assert isinstance(error.data, dict)
        partial = error.data["result"]
        assert isinstance(partial, ExecResult)
        assert MARKER in partial.stdout and not partial.ok
        assert partial.duration < 25
        assert "partial result" in error.message
        after = await terminal.execute("echo usable", timeout=20)
        assert after.stdout == "usable\n"
        assert (await terminal.activity())["activity"] == "idle"


async def test_a_command_that_finishes_first_is_not_affected(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-stop-late") as terminal:
        stop = asyncio.Event()
        result = await terminal.execute("echo quick", timeout=20, stop=stop)
        assert result.stdout == "quick\n" and result.ok
        stop.set()  # after the fact: nothing left to stop
        assert (await terminal.execute("echo again", timeout=20)).stdout == "again\n"


async def test_stop_set_before_the_call_runs_nothing(orch: Orchestrator, tmp_path: Path) -> None:
    marker = tmp_path / f"ran-{orch.transport.name}"
    async with orch.terminal_session("agent-stop-early") as terminal:
        stop = asyncio.Event()
        stop.set()
        with pytest.raises(Cancelled) as cancelled:
            await terminal.execute(f"touch {marker}", stop=stop)
        assert cancelled.value.local and cancelled.value.data is None
        assert (await terminal.execute("echo next", timeout=20)).stdout == "next\n"
        assert [h["command"] for h in await terminal.history()] == ["echo next"]
        assert not marker.exists()


async def test_stop_must_be_an_asyncio_event(unix_orch: Orchestrator) -> None:
    terminal = unix_orch.terminal("not-sent")
    for bad in (threading.Event(), True, "stop"):
        with pytest.raises(InvalidParams) as invalid:
            await terminal.execute("true", stop=bad)  # type: ignore[arg-type]
        assert invalid.value.local and "asyncio.Event" in invalid.value.message


@asynccontextmanager
async def stopping_on_a_frozen_server(workdir: Path, name: str) -> AsyncIterator[tuple[Server, Terminal, asyncio.Task[ExecResult]]]:
    """A command that printed, on a server then frozen with SIGSTOP, with its ``stop`` set: it cannot answer."""
    socket = workdir / f"{name}.sock"
    server: Server = start_server(["--unix", str(socket)], workdir)
    try:
        async with await Orchestrator.connect(f"unix:{socket}") as orch:
            terminal = await orch.spawn_terminal(name)
            stop, printed = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(terminal.execute(PRINT_THEN_SLEEP, on_output=set_when_printed(printed), stop=stop))
            await asyncio.wait_for(printed.wait(), 20)
            os.kill(server.process.pid, signal.SIGSTOP)
            stop.set()
            yield server, terminal, task
    finally:
        stop_server(server)


async def test_no_answer_in_time_raises_a_plain_cancelled(workdir: Path) -> None:
    """A server that cannot answer (stopped with SIGSTOP): after EXECUTE_STOP_WAIT, the local Cancelled."""
    async with stopping_on_a_frozen_server(workdir, "agent-frozen") as (server, terminal, task):
        stopped_at = time.monotonic()
        try:
            with pytest.raises(Cancelled) as cancelled:
                await task
            waited = time.monotonic() - stopped_at
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert EXECUTE_STOP_WAIT - 0.5 <= waited < EXECUTE_STOP_WAIT + 3
        assert cancelled.value.local and cancelled.value.data is None
        # The server got the cancel once it ran again; its late answer is dropped quietly.
        assert (await terminal.execute("echo thawed", timeout=20)).stdout == "thawed\n"


async def test_a_lost_connection_while_stopping_raises_a_plain_cancelled(workdir: Path) -> None:
    async with stopping_on_a_frozen_server(workdir, "agent-lost") as (server, _terminal, task):
        await asyncio.sleep(0.3)  # frozen: it cannot answer the cancel before it dies
        stopped_at = time.monotonic()
        server.process.kill()
        with pytest.raises(Cancelled) as cancelled:
            await task
        assert time.monotonic() - stopped_at < EXECUTE_STOP_WAIT - 1, "a lost connection ends the wait"
        assert cancelled.value.local and cancelled.value.data is None


def test_sync_stop_takes_a_threading_event(unix_server: Server) -> None:
    from orchflow.sync import Orchestrator as SyncOrchestrator

    with SyncOrchestrator.connect(unix_server.url) as orch, orch.terminal_session("sync-stop") as terminal:
        stop = threading.Event()
        with pytest.raises(Cancelled) as cancelled:
            # on_output runs on the facade's loop thread: as good as any other thread to set it from.
            terminal.execute(PRINT_THEN_SLEEP, on_output=set_when_printed(stop), stop=stop)
        partial = cancelled.value.data["result"]
        assert isinstance(partial, ExecResult) and MARKER in partial.stdout
        assert terminal.execute("echo sync-usable", timeout=20, stop=threading.Event()).stdout == "sync-usable\n"
        with pytest.raises(Cancelled) as early:
            terminal.execute("echo never", stop=stop)  # still set: nothing is sent
        assert early.value.data is None
        with pytest.raises(InvalidParams, match="threading.Event"):
            terminal.execute("true", stop=asyncio.Event())  # type: ignore[arg-type]
        assert [h["command"] for h in terminal.history()] == [PRINT_THEN_SLEEP, "echo sync-usable"]
