"""The plan's Discord-bot runner, driven from the console instead of Discord.

Each "channel" gets its own agent terminal; messages starting with ``!`` are commands:

    !run <command>     run it in the channel's terminal, reply with the output (2000-char messages)
    !cd <dir>          change the terminal's directory
    !stop              interrupt the command running in the channel, reply with its output so far
                       (``execute(stop=…)`` → $/cancelRequest; the server answers with the partial result)
    !status            list the bot's terminals
    !reset             kill the channel's terminal

Input lines look like ``#channel message`` (``#general !run ls``); a line without ``#`` goes to
``#general``. Run it:  /usr/bin/python3 clients/python/examples/discord_bot_runner.py
A real bot would call ``Bot.handle(channel, text, reply)`` from discord.py's ``on_message``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # run from a checkout without installing

from _server import add_server_arguments, sidecar_command  # noqa: E402

from orchflow import Cancelled, ExecResult, Orchestrator, OrchflowError, PolicyDenied, SecurityPolicy, Terminal  # noqa: E402

#: Discord's message size limit.
MESSAGE_LIMIT = 2000
Reply = Callable[[str], Awaitable[None]]

#: Where orchflow's tokens file lives on the bot's host (``orchflow serve --tokens FILE``).
TOKENS_FILE = os.environ.get("ORCHFLOW_TOKENS_FILE", "/etc/orchflow/tokens.json")

#: What the bot's agents may run (the plan's SecurityPolicy, with its field names).
#: What this does NOT stop: ``python3`` is allowed, and a Python program (``python3 -c …``, or a
#: script the channel wrote with ``echo > x.py``) can do anything the sidecar's OS user can —
#: open any file, start any process — because orchflow judges the command line, not what the
#: interpreter does at run time. ``forbidden_paths`` and ``network_access=False`` shrink what the
#: listed commands may name (and set the server's network policy), but only an OS sandbox (a
#: dedicated user, a container; ``isolation_level``) contains an interpreter. Drop ``python3`` if
#: the channel is not trusted.
BOT_POLICY = SecurityPolicy(
    allowed_commands=["ls", "cat", "echo", "pwd", "cd", "git status", "git log", "python3", "sleep", "date", "wc", "head"],
    denied_commands=["rm"],
    # Home directories (SSH keys, cloud credentials, the bot's own Discord token) and orchflow's tokens.
    forbidden_paths=["~", "/home", "/root", *([TOKENS_FILE] if os.path.isabs(TOKENS_FILE) else [])],
    network_access=False,
    max_execution_time=60,
)


class Bot:
    """Maps channels to terminals and commands to orchflow calls."""

    def __init__(self, orch: Orchestrator) -> None:
        self.orch = orch
        self.terminals: dict[str, Terminal] = {}
        self.running: dict[str, asyncio.Task[None]] = {}
        self.stops: dict[str, asyncio.Event] = {}

    async def terminal_for(self, channel: str) -> Terminal:
        if channel not in self.terminals:
            self.terminals[channel] = await self.orch.spawn_terminal(f"discord-{channel}", name=f"#{channel}")
        return self.terminals[channel]

    async def handle(self, channel: str, text: str, reply: Reply) -> None:
        verb, _, rest = text.strip().partition(" ")
        try:
            if verb == "!run" and rest:
                await self.run(channel, rest, reply)
            elif verb == "!cd" and rest:
                result = await (await self.terminal_for(channel)).execute(f"cd {rest} && pwd", timeout=10)
                await reply(f"📁 {result.cwd}" if result.exit_code == 0 else f"cd failed: {result.stdout.strip()}")
            elif verb == "!stop":
                task = self.running.get(channel)
                if task is None or task.done():
                    await reply("nothing is running")
                else:
                    self.stops[channel].set()
            elif verb == "!status":
                listed = await self.orch.list_terminals()
                await reply("\n".join(f"{t.name or t.id}: {t.state}" for t in listed) or "no terminals")
            elif verb == "!reset":
                terminal = self.terminals.pop(channel, None)
                if terminal is not None:
                    await terminal.kill()
                await reply("terminal reset")
            else:
                await reply("commands: !run <cmd>, !cd <dir>, !stop, !status, !reset")
        except PolicyDenied as denied:
            await reply(f"⛔ denied by policy ({denied.rule}): {denied.reason}")
        except OrchflowError as error:
            await reply(f"⚠️ {error.code_name}: {error.message}")

    async def run(self, channel: str, command: str, reply: Reply) -> None:
        terminal = await self.terminal_for(channel)

        stop = asyncio.Event()

        async def job() -> None:
            try:
                result = await terminal.execute(command, stop=stop)
            except Cancelled as cancelled:
                # `!stop`: the server interrupted the command and answered with what it printed.
                partial = cancelled.data.get("result") if isinstance(cancelled.data, dict) else None
                if isinstance(partial, ExecResult) and partial.stdout:
                    await self.send_output(partial.stdout, reply)
                await reply(f"🛑 `{command}` interrupted")
                return
            except PolicyDenied as denied:
                await reply(f"⛔ denied by policy ({denied.rule}): {denied.reason}")
                return
            status = "✅" if result.ok else ("⏱️ timed out" if result.timed_out else f"❌ exit {result.exit_code}")
            await self.send_output(result.stdout or "(no output)", reply)
            await reply(f"{status} `{command}` in {result.duration:.2f}s")

        task = asyncio.create_task(job())
        self.stops[channel] = stop
        self.running[channel] = task
        await asyncio.sleep(0)  # started; the console keeps reading (so `!stop` can arrive)


    @staticmethod
    async def send_output(body: str, reply: Reply) -> None:
        """Sends ``body`` in messages that fit Discord's limit."""
        for start in range(0, len(body), MESSAGE_LIMIT - 20):
            await reply(body[start : start + MESSAGE_LIMIT - 20])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_arguments(parser)
    args = parser.parse_args()
    if args.url:
        orch = await Orchestrator.connect(args.url, token=args.token)
    else:
        orch = await Orchestrator.sidecar(sidecar_command(args), policy=BOT_POLICY)
    async with orch:
        bot = Bot(orch)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        print("bot ready: type `#channel !run <command>` (Ctrl-D to quit)", flush=True)
        while line := (await reader.readline()).decode():
            line = line.strip()
            if not line:
                continue
            channel, text = ("general", line) if not line.startswith("#") else line[1:].split(" ", 1)

            async def reply(message: str, channel: str = channel) -> None:
                print(f"[#{channel}] bot: {message}", flush=True)

            await bot.handle(channel, text, reply)
        # End of input: let the commands still running finish, then close (kills the terminals).
        await asyncio.gather(*bot.running.values(), return_exceptions=True)
    print("bot stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
