"""The synchronous facade (orchflow.sync) over a real server, from plain code."""

from __future__ import annotations

import inspect
import threading
from typing import Any

import pytest
from conftest import ADMIN_TOKEN, Server

import orchflow
from orchflow import OutputData, TerminalList, TerminalNotFound
from orchflow.sync import Orchestrator, Terminal


def test_sync_facade_over_websocket(ws_server: Server) -> None:
    def run() -> None:
        with Orchestrator.connect(ws_server.url, token=ADMIN_TOKEN) as orch:
            assert orch.principal["kind"] == "admin"
            with orch.terminal_session("sync-agent") as terminal:
                assert terminal.execute("echo sync", timeout=20).stdout == "sync\n"
                with terminal.stream() as events:
                    terminal.write("echo streamed-sync\r")
                    seen = ""
                    for event in events:
                        assert isinstance(event, OutputData)
                        seen += event.data
                        if "\r\nstreamed-sync" in seen:
                            break
                assert terminal.resize(90, 20) == (90, 20)
                assert terminal.snapshot().cols == 90
                assert "sync" in terminal.read(0).data
                items = orch.batch_execute([(terminal, "echo b1"), (terminal, "echo b2")])
                assert [i.result.stdout for i in items if i.result] == ["b1\n", "b2\n"]
                with orch.transaction() as tx:
                    tx.add(terminal, "echo t1")
                assert tx.results is not None and tx.results[0].ok
                assert orch.pause_all("sync-agent") == 1 and orch.resume_all("sync-agent") == 1
            with pytest.raises(TerminalNotFound):
                orch.terminal("no-such-terminal").execute("true")

    # From a worker thread too (Blender runs add-on code on its own threads).
    errors: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(run, errors))
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    if errors:
        raise errors[0]


def _capture(fn: object, errors: list[BaseException]) -> None:
    try:
        fn()  # type: ignore[operator]
    except BaseException as error:  # noqa: BLE001
        errors.append(error)


def test_sync_facade_over_a_unix_socket(unix_server: Server) -> None:
    with Orchestrator.connect(unix_server.url) as orch:
        terminal = orch.spawn_terminal("sync-unix")
        assert terminal.execute("echo fine", timeout=20).stdout == "fine\n"
        assert terminal.activity()["activity"] == "idle"
        assert [t.id for t in orch.list_terminals("sync-unix", state="running")] == [terminal.id]
        assert orch.list_terminals("sync-unix", state="exited") == []
        script = orch.run_script("echo scripted; (exit 4)", "sync-script", timeout=20)
        assert (script.stdout, script.exit_code) == ("scripted\n", 4)
        assert orch.list_terminals("sync-script") == []
        assert orch.kill_all("sync-unix") == 1
        assert 0 < orch.ping() < 5


@pytest.mark.parametrize(
    ("sync_method", "async_method"),
    [
        (Orchestrator.spawn_terminal, orchflow.Orchestrator.spawn_terminal),
        (Orchestrator.list_terminals, orchflow.Orchestrator.list_terminals),
        (Orchestrator.metrics, orchflow.Orchestrator.metrics),
        (Terminal.execute, orchflow.Terminal.execute),
        (Orchestrator.connect, orchflow.Orchestrator.connect),
        (Orchestrator.sidecar, orchflow.Orchestrator.sidecar),
        (Orchestrator.batch_execute, orchflow.Orchestrator.batch_execute),
    ],
)
def test_sync_facade_mirrors_the_async_signatures(sync_method: Any, async_method: Any) -> None:
    """Keyword for keyword, same kinds and defaults: mypy sees a misspelled keyword, nothing is missing."""

    def shape(method: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()]

    assert shape(sync_method) == shape(async_method)
    assert inspect.signature(sync_method).return_annotation == inspect.signature(async_method).return_annotation


def test_sync_facade_forwards_every_keyword(unix_server: Server) -> None:
    with Orchestrator.connect(unix_server.url) as orch:
        terminal = orch.spawn_terminal("sync-keywords", placement={"labels": {"gpu": "1"}}, cols=90)
        assert terminal.info.cols == 90
        started: list[int] = []
        result = terminal.execute("echo kw", timeout=20, wait_for_floor=True, on_start=started.append, request_timeout=25)
        assert result.stdout == "kw\n" and len(started) == 1
        with pytest.raises(orchflow.Timeout) as late:
            terminal.execute("sleep 20", request_timeout=0.3)
        assert late.value.local
        listed = orch.list_terminals("sync-keywords")
        assert isinstance(listed, TerminalList) and listed.unreachable_nodes == []
        assert terminal.id in orch.metrics(include_processes=True)["processes"]
        assert "processes" not in orch.metrics()
        assert orch.kill_all("sync-keywords") == 1
