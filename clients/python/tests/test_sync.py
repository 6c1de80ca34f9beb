"""The synchronous facade (orchflow.sync) over a real server, from plain code."""

from __future__ import annotations

import threading

import pytest
from conftest import ADMIN_TOKEN, Server

from orchflow import OutputData, TerminalNotFound
from orchflow.sync import Orchestrator


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
