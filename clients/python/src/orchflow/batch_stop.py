"""Running a batch or a transaction commit that a ``stop`` event can abort.

Setting ``stop`` sends ``$/cancelRequest``: the server interrupts the running command(s), starts
none of the rest and answers Cancelled with ``data["results"]``, one wire ``BatchItemResult`` per
command. The caller then gets :class:`~orchflow.Cancelled` whose ``data["results"]`` is the list
of :class:`~orchflow.BatchItem` — also when the batch had finished before the cancel reached the
server (the TypeScript client's ``batchExecute({ signal })`` does the same).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .errors import Cancelled
from .terminal import EXECUTE_STOP_WAIT
from .types import BatchItem

if TYPE_CHECKING:
    from .rpc import RpcPeer


def batch_items(raw: Any) -> list[BatchItem]:
    """The ``BatchItem`` list of a batch's or commit's result ``{ results }``."""
    return [BatchItem.from_wire(item) for item in raw["results"]]


async def request_batch(peer: RpcPeer, method: str, params: dict[str, Any], stop: asyncio.Event | None) -> Any:
    """Sends ``method`` without a timeout (batches may run for hours); ``stop`` aborts it as above."""
    if stop is None:
        return await peer.request(method, params, timeout=0)
    try:
        return await peer.request(
            method, params, timeout=0, stop=stop, stop_wait=EXECUTE_STOP_WAIT, parse_stopped_result=batch_items
        )
    except Cancelled as error:
        data = error.data
        if not isinstance(data, dict):
            raise
        if isinstance(data.get("results"), list):
            # The server's own answer: every command's outcome so far, on the wire.
            items = [BatchItem.from_wire(item) for item in data["results"]]
        elif isinstance(data.get("result"), list):
            # Finished before the cancel reached the server: its whole results, parsed already.
            items = data["result"]
        else:
            raise
        raise Cancelled(error.message, data={"results": items}, local=error.local) from error
