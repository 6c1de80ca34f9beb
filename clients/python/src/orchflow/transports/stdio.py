"""The stdio sidecar: spawns ``orchflow serve --stdio`` and speaks Content-Length frames on its pipes.

The command is found, in order: an explicit ``command=[...]``; ``orchflow`` on ``PATH``; ``npx``
(``npx --yes -p @orchflow/server orchflow``). Supervision (restarting a crashed sidecar) is done
by the client, which reconnects through :func:`start_sidecar` again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ChannelClosed
from ..framing import DEFAULT_MAX_FRAME_BYTES
from .stream import StreamTransport

#: Characters of the sidecar's stderr kept for error messages.
STDERR_TAIL_CHARS = 2048


@dataclass(frozen=True)
class SidecarCommand:
    """How to start the sidecar process."""

    #: The full argv, e.g. ``["orchflow", "serve", "--stdio"]``.
    argv: Sequence[str]
    cwd: str | None = None
    #: Environment; ``None`` inherits this process's.
    env: Mapping[str, str] | None = None
    #: ``True`` passes the sidecar's logs to this process's stderr; ``False`` keeps a tail.
    inherit_stderr: bool = False
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    #: Seconds the sidecar gets to exit after stdin closes, before SIGTERM and again before SIGKILL.
    stop_grace: float = 3.0


def resolve_sidecar_command(command: Sequence[str] | None, extra_args: Sequence[str] = ()) -> list[str]:
    """The argv that starts ``orchflow serve --stdio``: explicit, from PATH, or through npx."""
    if command is not None:
        if not command:
            raise ValueError("command must name a program, e.g. ['orchflow', 'serve', '--stdio']")
        return [*command, *extra_args]
    found = shutil.which("orchflow")
    if found is not None:
        return [found, "serve", "--stdio", *extra_args]
    npx = shutil.which("npx")
    if npx is not None:
        return [npx, "--yes", "-p", "@orchflow/server", "orchflow", "serve", "--stdio", *extra_args]
    raise ChannelClosed(
        "Cannot find orchflow: install @orchflow/server (npm i -g @orchflow/server) so `orchflow` is on "
        "PATH, install Node.js for npx, or pass command=['node', '/path/to/cli.mjs', 'serve', '--stdio']",
        local=True,
    )


class SidecarProcess(StreamTransport):
    """A running sidecar and the framed channel to it."""

    def __init__(self, process: asyncio.subprocess.Process, command: SidecarCommand) -> None:
        assert process.stdout is not None and process.stdin is not None
        super().__init__(process.stdout, process.stdin, name="stdio", max_frame_bytes=command.max_frame_bytes)
        self.process = process
        self.command = command
        self._tail = ""
        self._stderr_task: asyncio.Task[None] | None = None
        if process.stderr is not None:
            self._stderr_task = asyncio.get_running_loop().create_task(self._collect_stderr(process.stderr))

    @property
    def pid(self) -> int:
        """The sidecar's process id."""
        return self.process.pid

    @property
    def stderr_tail(self) -> str:
        """The end of the sidecar's stderr (empty when it is inherited)."""
        return self._tail

    async def _collect_stderr(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(4096):
            self._tail = (self._tail + chunk.decode("utf-8", "replace"))[-STDERR_TAIL_CHARS:]

    async def receive(self) -> Any | None:
        message = await super().receive()
        if message is None:
            try:
                code = await asyncio.wait_for(self.process.wait(), 2.0)
                how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            except asyncio.TimeoutError:
                how = "its stdout closed"
            if self.protocol_error is not None:
                # We killed it (abort): say why, not how it died.
                how = f"it broke the protocol ({self.protocol_error}) and was killed"
            if self._stderr_task is not None:
                await asyncio.wait({self._stderr_task}, timeout=0.5)
            lines = [line for line in self._tail.strip().splitlines() if line.strip()]
            tail = " | ".join(lines[-8:])
            argv = " ".join(self.command.argv)
            hint = ""
            if self.command.argv and os.path.basename(self.command.argv[0]) == "npx":
                # The fallback when `orchflow` is not on PATH: npx fails like this while
                # @orchflow/server is not on npm (or offline).
                hint = (
                    "; npx could not run @orchflow/server: put `orchflow` on PATH, or pass "
                    "command=['node', '/path/to/orchflow/packages/server/dist/cli.mjs', 'serve', '--stdio']"
                )
            self.set_end(
                f"the orchflow sidecar (pid {self.pid}, `{argv}`) ended: {how}"
                + (f"; its last stderr: {tail}" if tail else "")
                + hint
            )
        return message

    async def close(self) -> None:
        """Closes stdin (the server then kills its terminals and exits), then TERM, then KILL."""
        await super().close()
        for signal in (None, "term", "kill"):
            if self.process.returncode is not None:
                break
            try:
                if signal == "term":
                    self.process.terminate()
                elif signal == "kill":
                    self.process.kill()
            except ProcessLookupError:
                break
            try:
                await asyncio.wait_for(self.process.wait(), self.command.stop_grace)
            except asyncio.TimeoutError:
                continue
        if self._stderr_task is not None:
            await asyncio.wait({self._stderr_task}, timeout=1.0)

    def abort(self) -> None:
        """Kills the sidecar outright (what a crash looks like)."""
        if self.process.returncode is None:
            self.process.kill()


async def start_sidecar(command: SidecarCommand) -> SidecarProcess:
    """Spawns the sidecar; raises :class:`ChannelClosed` when it cannot be started at all."""
    argv = list(command.argv)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None if command.inherit_stderr else asyncio.subprocess.PIPE,
            cwd=command.cwd,
            env=dict(command.env) if command.env is not None else None,
            limit=command.max_frame_bytes + 64 * 1024,
            # Its own session: a Ctrl-C meant for this script must not hit the sidecar first.
            start_new_session=True,
        )
    except OSError as error:
        hint = "command not found; check `command` and PATH" if isinstance(error, FileNotFoundError) else str(error)
        raise ChannelClosed(f"Cannot start the orchflow sidecar {argv[0]!r}: {hint}", local=True) from error
    return SidecarProcess(process, command)
