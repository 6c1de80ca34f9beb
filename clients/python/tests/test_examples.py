"""The examples run for real: the console Discord-bot runner and the Blender-style sync script."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import PACKAGE, SIDECAR

EXAMPLES = PACKAGE / "examples"
ENV = {**os.environ, "ORCHFLOW_SIDECAR": " ".join(SIDECAR)}


class Console:
    """The bot's stdin/stdout, read line by line with a deadline."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "discord_bot_runner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=ENV,
        )
        self.lines: list[str] = []
        self._buffer = b""

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def expect(self, text: str, timeout: float = 30) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if text in line:
                    self.lines.remove(line)
                    return line
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"never saw {text!r}; got {self.lines}"
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, f"the bot exited before {text!r}; got {self.lines}"
                self._buffer += chunk
                *complete, self._buffer = self._buffer.split(b"\n")
                self.lines += [c.decode() for c in complete]


def test_discord_bot_runner() -> None:
    bot = Console()
    try:
        bot.expect("bot ready")
        bot.send("#general !run echo hello-from-discord")
        bot.expect("[#general] bot: hello-from-discord")
        bot.expect("✅ `echo hello-from-discord`")
        bot.send("#ops !run rm -rf /tmp/orchflow-example")
        assert "deniedCommands[0]: rm" in bot.expect("[#ops] bot: ⛔ denied by policy")
        # `!stop` replies with what the command printed before it: stop once it has printed.
        started = Path(tempfile.mkdtemp()) / "started"
        bot.send(f"#general !run echo before-stop; echo yes > {started}; sleep 30")
        deadline = time.monotonic() + 30
        while not started.exists():
            assert time.monotonic() < deadline, f"the command never started; got {bot.lines}"
            time.sleep(0.05)
        bot.send("#general !stop")
        bot.expect("[#general] bot: before-stop")
        bot.expect("🛑 `echo before-stop;")
        t0 = time.monotonic()
        bot.send("#general !run echo after-stop")
        bot.expect("✅ `echo after-stop`")
        assert time.monotonic() - t0 < 20, "the sleep was not interrupted"
        bot.send("#general !status")
        bot.expect("#general: running")
    finally:
        assert bot.process.stdin is not None
        bot.process.stdin.close()
    bot.expect("bot stopped")
    assert bot.process.wait(30) == 0


def test_blender_script() -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "blender_script.py"), "--frames", "3"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "progress 3/3" in run.stdout
    assert "rendered 3 frames" in run.stdout and run.stdout.rstrip().endswith("done")


def test_readme_api_tour(tmp_path: Path) -> None:
    """The README's API tour runs as written (only the sidecar command is this repository's built one)."""
    readme = (PACKAGE / "README.md").read_text()
    tour = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert "Orchestrator.sidecar(policy=" in tour
    script = tour.replace("Orchestrator.sidecar(policy=", f"Orchestrator.sidecar(command={SIDECAR!r}, policy=")
    run = subprocess.run(
        [sys.executable, "-c", script],
        # TMPDIR: the directory the tour makes for its project lands in (and goes with) tmp_path.
        env={**os.environ, "PYTHONPATH": str(PACKAGE / "src"), "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    # pytest found no tests (exit 5), the stream showed the command's output, curl was denied.
    assert run.stdout.startswith("5 "), run.stdout
    assert "streamed" in run.stdout
    assert "allowedCommands" in run.stdout or "not allowed" in run.stdout, run.stdout
    assert [path.name.startswith("orchflow-tour-") for path in tmp_path.iterdir() if path.is_dir()] == [True]


def test_readme_lists_the_cluster_arguments() -> None:
    """The API list names ``placement`` (spawn_terminal) and ``unreachable_nodes`` (list_terminals)."""
    readme = (PACKAGE / "README.md").read_text()
    terminals = readme.split("- **Terminals**:", 1)[1].split("\n- **", 1)[0]
    assert "line_editing=, placement=)" in terminals
    assert "`placement={" in terminals and "TerminalList" in terminals and "`unreachable_nodes`" in terminals
