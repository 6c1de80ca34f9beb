// Raw input to a terminal (`Orchestrator.write`): who may type, and how. An exited terminal and a
// floor held by someone else refuse at once; the policy (the orchestrator's and the caller's)
// decides whether keystrokes go straight through or are judged line by line (raw-input.ts). The
// person holding the floor has their keystrokes recorded in the audit log, attributed to them,
// before they are typed (and not typed when that record cannot be written).
import { randomUUID } from 'node:crypto';
import type { CallContext } from './commands';
import { ConnectionPolicy } from './connection-policy';
import { terminalExited } from './errors';
import type { FloorControl } from './floor';
import type { RawInputJudge } from './raw-input';
import type { TerminalRegistry } from './registry';
import { principalLabel, type SecurityGate } from './security';

/** What raw input needs from the orchestrator. */
export interface TerminalInputDeps {
  registry: TerminalRegistry;
  floors: FloorControl;
  security: SecurityGate;
  rawInput: RawInputJudge;
}

/** Raw input's way into the terminals: floor, policy and audit first. */
export class TerminalInput {
  /** Input through `deps`. */
  constructor(private readonly deps: TerminalInputDeps) {}

  /**
   * Writes `data` to terminal `terminalId` for the caller in `context`. Throws TerminalNotFound,
   * TerminalExited, FloorHeld and Forbidden at once; resolves once the input is written.
   */
  write(terminalId: string, data: string | Uint8Array, context: CallContext): Promise<void> {
    const { registry, floors, security, rawInput } = this.deps;
    const record = registry.get(terminalId);
    // Before the policy's word: that the terminal is gone is what the caller needs to know.
    if (record.session.exitInfo) throw terminalExited(record.id, record.session.exitInfo);
    floors.assertClear(record.id, context.floorKey);
    const holder = floors.claimOf(record.id, context.floorKey);
    const admin = holder?.kind === 'admin';
    const mode = security.rawInputMode(terminalId, ConnectionPolicy.of(context.principal), admin);
    if (!holder) return rawInput.write(record, data, mode === 'judged', context);
    const principal = holder.principal ?? context.principal;
    const subject = { commandId: randomUUID(), agentId: record.agentId, terminalId: record.id, command: '' };
    const typist = principal ? { ...subject, principal: principalLabel(principal) } : subject;
    return security
      .recordInput(typist, holder.name, data)
      .then(() => rawInput.write(record, data, mode === 'judged', context));
  }
}
