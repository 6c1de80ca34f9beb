"""Fixtures: real `orchflow serve` processes (stdio sidecar, Unix socket, WebSocket) for the tests."""

from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
sys.path.insert(0, str(PACKAGE / "src"))

from orchflow import Orchestrator, SecurityPolicy, TokenEntry, tokens_file_json  # noqa: E402

REPO = PACKAGE.parent.parent
CLI = str(REPO / "packages" / "server" / "dist" / "cli.mjs")
NODE = os.environ.get("ORCHFLOW_TEST_NODE", "node")
SIDECAR = [NODE, CLI, "serve", "--stdio", "--log-level", "warn"]
ADMIN_TOKEN = "admin-token-0123456789abcdef"
AGENT_TOKEN = "agent-token-0123456789abcdef"


@dataclass
class Server:
    """A running `orchflow serve` and the URL to reach it."""

    process: subprocess.Popen[bytes]
    url: str


def start_server(args: list[str], cwd: Path) -> Server:
    """Starts `orchflow serve ARGS` with JSON logs and waits for its `listening` line."""
    return wait_listening(spawn_server(args, cwd))


def spawn_server(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """Starts `orchflow serve ARGS` with JSON logs (see wait_listening)."""
    return subprocess.Popen(
        [NODE, CLI, "serve", *args, "--log-format", "json"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_listening(process: subprocess.Popen[bytes]) -> Server:
    """Waits for the server's `listening` log line and returns it with its URL."""
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    seen: list[str] = []
    buffer = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        chunk = os.read(process.stderr.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            seen.append(line.decode(errors="replace"))
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == "listening":
                return Server(process, record["listeners"][0]["address"])
    process.kill()
    raise RuntimeError("orchflow serve did not start: " + "\n".join(seen[-10:]))


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orchflow")


@pytest.fixture(scope="session")
def tokens_file(workdir: Path) -> Path:
    """An admin token, and an agent token (ids `ci-*`) whose own policy denies `rm`."""
    path = workdir / "tokens.json"
    path.write_text(
        tokens_file_json(
            [
                TokenEntry(token=ADMIN_TOKEN, kind="admin", name="tests"),
                TokenEntry(
                    token=AGENT_TOKEN,
                    kind="agent",
                    name="ci",
                    agent_id_prefix="ci-",
                    policy=SecurityPolicy(denied_commands=["rm"]),
                ),
            ]
        )
    )
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def servers(workdir: Path, tokens_file: Path) -> Iterator[dict[str, Server]]:
    """A WebSocket server (tokens file, trusted policy) and a Unix-socket server, started together."""
    socket = workdir / "orchflow.sock"
    ws = spawn_server(["--ws", "0", "--tokens", str(tokens_file), "--policy", "trusted"], workdir)
    unix = spawn_server(["--unix", str(socket)], workdir)
    started = {"ws": wait_listening(ws), "unix": wait_listening(unix)}
    started["unix"] = Server(unix, f"unix:{socket}")
    yield started
    for server in started.values():
        stop_server(server)


@pytest.fixture(scope="session")
def ws_server(servers: dict[str, Server]) -> Server:
    return servers["ws"]


@pytest.fixture(scope="session")
def unix_server(servers: dict[str, Server]) -> Server:
    return servers["unix"]


# Overriding `event_loop` is how pytest-asyncio 0.20 (Debian's 0.20.3) gives session-scoped async
# fixtures a loop; 0.23 deprecated it (loop_scope replaces it) and later releases dropped it, so
# the `test` extra in pyproject.toml pins pytest-asyncio>=0.20,<0.23.
@pytest.fixture(scope="session")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the session, so connections (and the sidecar) are shared by the tests."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
async def stdio_orch(workdir: Path) -> AsyncIterator[Orchestrator]:
    async with await Orchestrator.sidecar(SIDECAR, cwd=str(workdir)) as client:
        yield client


@pytest.fixture(scope="session")
async def unix_orch(unix_server: Server) -> AsyncIterator[Orchestrator]:
    async with await Orchestrator.connect(unix_server.url) as client:
        yield client


@pytest.fixture(scope="session")
async def ws_orch(ws_server: Server) -> AsyncIterator[Orchestrator]:
    async with await Orchestrator.connect(ws_server.url, token=ADMIN_TOKEN) as client:
        yield client


@pytest.fixture(params=["stdio", "unix", "websocket"])
def orch(request: pytest.FixtureRequest) -> Orchestrator:
    """A connected client over each transport (one shared connection per transport)."""
    name = {"stdio": "stdio_orch", "unix": "unix_orch", "websocket": "ws_orch"}[request.param]
    client: Orchestrator = request.getfixturevalue(name)
    return client
