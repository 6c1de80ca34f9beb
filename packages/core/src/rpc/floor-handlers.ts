// Handlers of `terminal.floor.take` / `terminal.floor.release`, and delivery of the
// `terminal.floor` notification. A connection is one floor holder (its `floorKey`), named by its
// principal's `name`, else its client's `clientInfo.name`, else its principal's kind. Taking or
// releasing a floor is a control: viewers get Forbidden, agents reach only their own terminals.
// Changes go to connections subscribed to the terminal (as `terminal.activity` does) and to the
// holder who gained or lost it; when the connection closes, the floors it holds are released.
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import type { TerminalFloorEvent } from '../floor';
import type { Connection } from './connection';
import type { HandlerContext } from './handler-context';
import { readOnly } from './principal-scope';

/** Registers the floor methods; returns what to run when the connection closes. */
export function registerFloorHandlers({ orch, conn, peer, serve }: HandlerContext): () => void {
  serve('terminal.floor.take', ({ terminalId, force }, scope) => {
    conn.controllableTerminal('terminal.floor.take', terminalId);
    const { principal } = scope;
    if (principal.kind === 'viewer') throw readOnly('terminal.floor.take', principal);
    if (force && !scope.isAdmin) {
      throw new OrchflowError(
        ErrorCode.Forbidden,
        'Only an admin may take a floor someone else holds (force: true); wait for the holder to hand it back, or ask an admin',
        { terminalId, method: 'terminal.floor.take' },
      );
    }
    const claim = { key: conn.floorKey, name: holderName(principal, conn), kind: principal.kind, principal };
    return orch.takeFloor(terminalId, claim, { force: force === true });
  });

  serve('terminal.floor.release', ({ terminalId }) => {
    conn.controllableTerminal('terminal.floor.release', terminalId);
    return orch.releaseFloor(terminalId, conn.floorKey);
  });

  const onFloor = (change: TerminalFloorEvent): void => {
    if (!conn.initialized || conn.closed) return;
    const holderChanged = change.holderKey === conn.floorKey || change.previousKey === conn.floorKey;
    if (!holderChanged && !conn.subscriptions.watches(change.terminalId)) return;
    // A closed channel rejects; the connection's own close path cleans up.
    peer
      .notify('terminal.floor', { terminalId: change.terminalId, holder: change.holder })
      .catch(() => undefined);
  };
  orch.on('terminal.floor', onFloor);
  return () => {
    orch.off('terminal.floor', onFloor);
    orch.releaseFloors(conn.floorKey);
  };
}

/** How others see this connection as a floor holder. */
function holderName(principal: Exclude<Principal, { kind: 'viewer' }>, conn: Connection): string {
  const named = principal.name?.trim() || conn.clientName?.trim();
  return named || principal.kind;
}
