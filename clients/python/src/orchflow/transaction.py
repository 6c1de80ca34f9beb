"""``Transaction``: commands admitted together at commit — if any is denied, none runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from . import _validate as check
from .batch_stop import batch_items, request_batch
from .errors import OrchflowError
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
        self,
        *,
        mode: Literal["sequential", "parallel"] | None = None,
        stop_on_error: bool | None = None,
        stop: asyncio.Event | None = None,
    ) -> list[BatchItem]:
        """Admits every queued command, then runs them; a denial fails the whole commit (PolicyDenied).

        ``stop`` aborts the commit as :meth:`Orchestrator.batch_execute`'s aborts a batch
        (:class:`~orchflow.Cancelled`, ``data["results"]``). A commit ends the transaction
        whatever its outcome: commands that ran are not undone.
        """
        if stop is not None:
            check.event(stop, "stop", asyncio.Event, "asyncio.Event")
            self._orch._require("cancellation", "commit() with stop")
        params: dict[str, Any] = {"txId": self.id, "commands": [c.to_wire() for c in self._queued]}
        if mode is not None:
            params["mode"] = mode
        if stop_on_error is not None:
            params["stopOnError"] = stop_on_error
        try:
            raw = await request_batch(self._orch._peer, "tx.commit", params, stop)
        except OrchflowError as error:
            # The server answered (a denial…): it dropped the transaction. A local failure (the
            # connection was not back, the message too large…) may leave it open: __aexit__ rolls back.
            if not error.local:
                self._finished = True
            raise
        self._finished = True
        self.results = batch_items(raw)
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
            try:
                await self.commit()
            except BaseException:
                if not self._finished:
                    await self._rollback_quietly()
                raise
        elif exc_type is None:
            await self.rollback()
        else:
            await self._rollback_quietly()

    async def _rollback_quietly(self) -> None:
        """Rolls back while another error is already on its way (that one is what the caller sees)."""
        with contextlib.suppress(OrchflowError):
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
