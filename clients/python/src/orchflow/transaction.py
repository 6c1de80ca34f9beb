"""``Transaction``: commands admitted together at commit — if any is denied, none runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from .types import BatchItem, Command

if TYPE_CHECKING:
    from .client import Orchestrator
    from .terminal import Terminal


class Transaction:
    """An open transaction (``tx.begin``). Use as ``async with await orch.transaction() as tx:``;
    leaving the block commits (``tx.results``), an exception rolls back."""

    def __init__(self, orchestrator: Orchestrator, tx_id: str) -> None:
        self._orch = orchestrator
        #: The server's id of this transaction.
        self.id = tx_id
        self._queued: list[Command] = []
        #: Results once committed, in the order the commands were added.
        self.results: list[BatchItem] | None = None
        self._finished = False

    def add(
        self,
        terminal: Terminal | str,
        command: str,
        *,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        max_output_bytes: int | None = None,
    ) -> Transaction:
        """Queues a command (nothing is sent before commit)."""
        terminal_id = terminal if isinstance(terminal, str) else terminal.id
        entry = Command(terminal_id, command, timeout=timeout, idle_timeout=idle_timeout, max_output_bytes=max_output_bytes)
        entry.to_wire()  # validate now, not at commit
        self._queued.append(entry)
        return self

    async def commit(
        self, *, mode: Literal["sequential", "parallel"] | None = None, stop_on_error: bool | None = None
    ) -> list[BatchItem]:
        """Admits every queued command, then runs them; a denial fails the whole commit (PolicyDenied)."""
        params: dict[str, Any] = {"txId": self.id, "commands": [c.to_wire() for c in self._queued]}
        if mode is not None:
            params["mode"] = mode
        if stop_on_error is not None:
            params["stopOnError"] = stop_on_error
        self._finished = True
        raw = await self._orch._peer.request("tx.commit", params)
        self.results = [BatchItem.from_wire(item) for item in raw["results"]]
        return self.results

    async def rollback(self) -> None:
        """Discards the transaction without running anything."""
        self._finished = True
        await self._orch._peer.request("tx.rollback", {"txId": self.id})

    async def __aenter__(self) -> Transaction:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if self._finished:
            return
        if exc_type is None and self._queued:
            await self.commit()
        else:
            await self.rollback()


def commands_to_wire(commands: Sequence[Command | tuple[Terminal | str, str]]) -> list[dict[str, Any]]:
    """Batch commands as the wire's ``ExecuteCommand`` list."""
    out: list[dict[str, Any]] = []
    for entry in commands:
        if isinstance(entry, Command):
            out.append(entry.to_wire())
        else:
            terminal, command = entry
            terminal_id = terminal if isinstance(terminal, str) else terminal.id
            out.append(Command(terminal_id, command).to_wire())
    return out
