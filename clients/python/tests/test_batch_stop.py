"""``batch_execute(stop=…)`` and ``Transaction.commit(stop=…)``: aborting hands back every command's outcome (real servers)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from conftest import Server

from orchflow import BatchItem, Cancelled, InvalidParams, Orchestrator

NOT_RUN = "Not run: the batch was aborted"


async def set_once_exists(path: Path, stop: asyncio.Event) -> None:
    """Sets ``stop`` once the first command has created ``path`` (it is running then)."""
    for _ in range(400):
        if path.exists():
            stop.set()
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never appeared: the first command did not run")


def check_aborted(results: list[BatchItem], terminal_id: str) -> None:
    """The first command interrupted with its partial result, the second never started."""
    first, second = results
    assert first.terminal_id == terminal_id and first.error is not None
    assert first.error.code_name == "Cancelled"
    partial = first.error.data["result"]
    assert "printed-first" in partial["stdout"] and partial["exitCode"] != 0
    assert second.error is not None and second.error.code_name == "Cancelled"
    assert second.error.message == NOT_RUN


async def test_stop_aborts_a_batch(orch: Orchestrator, tmp_path: Path) -> None:
    ready, later = tmp_path / f"ready-{orch.transport.name}", tmp_path / f"later-{orch.transport.name}"
    async with orch.terminal_session("agent-batch-stop") as terminal:
        stop = asyncio.Event()
        watcher = asyncio.create_task(set_once_exists(ready, stop))
        with pytest.raises(Cancelled) as cancelled:
            await orch.batch_execute(
                [(terminal, f"echo printed-first; touch {ready}; sleep 30"), (terminal, f"touch {later}")], stop=stop
            )
        await watcher
        assert isinstance(cancelled.value.data, dict)
        results = cancelled.value.data["results"]
        assert all(isinstance(item, BatchItem) for item in results)
        check_aborted(results, terminal.id)
        assert (await terminal.execute("echo usable", timeout=20)).stdout == "usable\n"
        assert not later.exists()


async def test_stop_aborts_a_commit_which_ends_the_transaction(orch: Orchestrator, tmp_path: Path) -> None:
    ready, later = tmp_path / f"tx-ready-{orch.transport.name}", tmp_path / f"tx-later-{orch.transport.name}"
    async with orch.terminal_session("agent-commit-stop") as terminal:
        tx = await orch.transaction()
        tx.add(terminal, f"echo printed-first; touch {ready}; sleep 30").add(terminal, f"touch {later}")
        stop = asyncio.Event()
        watcher = asyncio.create_task(set_once_exists(ready, stop))
        with pytest.raises(Cancelled) as cancelled:
            await tx.commit(stop=stop)
        await watcher
        check_aborted(cancelled.value.data["results"], terminal.id)
        assert not later.exists()
        assert (await terminal.execute("echo usable", timeout=20)).stdout == "usable\n"


async def test_a_batch_that_finishes_first_is_not_affected(orch: Orchestrator) -> None:
    async with orch.terminal_session("agent-batch-late") as terminal:
        stop = asyncio.Event()
        results = await orch.batch_execute([(terminal, "echo quick")], stop=stop)
        assert results[0].result is not None and results[0].result.stdout == "quick\n"
        stop.set()  # after the fact: nothing left to stop
        with pytest.raises(Cancelled) as early:
            await orch.batch_execute([(terminal, "echo never")], stop=stop)  # set before: nothing is sent
        assert early.value.local and early.value.data is None
        assert [h["command"] for h in await terminal.history()] == ["echo quick"]


async def test_stop_must_be_an_asyncio_event(unix_orch: Orchestrator) -> None:
    async with unix_orch.terminal_session("agent-batch-bad-stop") as terminal:
        with pytest.raises(InvalidParams, match="asyncio.Event"):
            await unix_orch.batch_execute([(terminal, "true")], stop=threading.Event())  # type: ignore[arg-type]
        tx = await unix_orch.transaction()
        tx.add(terminal, "true")
        with pytest.raises(InvalidParams, match="asyncio.Event"):
            await tx.commit(stop=True)  # type: ignore[arg-type]
        await tx.rollback()


def test_sync_batch_stop_takes_a_threading_event(unix_server: Server, tmp_path: Path) -> None:
    from orchflow.sync import Orchestrator as SyncOrchestrator

    ready, later = tmp_path / "sync-ready", tmp_path / "sync-later"
    with SyncOrchestrator.connect(unix_server.url) as orch, orch.terminal_session("sync-batch-stop") as terminal:
        stop = threading.Event()

        def set_once_ready() -> None:
            for _ in range(400):
                if ready.exists():
                    stop.set()
                    return
                threading.Event().wait(0.05)

        watcher = threading.Thread(target=set_once_ready)
        watcher.start()
        with pytest.raises(Cancelled) as cancelled:
            orch.batch_execute([(terminal, f"echo printed-first; touch {ready}; sleep 30"), (terminal, f"touch {later}")], stop=stop)
        watcher.join()
        check_aborted(cancelled.value.data["results"], terminal.id)
        assert not later.exists()
        assert terminal.execute("echo sync-usable", timeout=20).stdout == "sync-usable\n"
