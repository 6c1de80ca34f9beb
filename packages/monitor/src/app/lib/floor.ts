// Floor control as the page uses it: whether this client can take a terminal's floor at all
// (a client or server without floor control builds and runs, the buttons just stay away), whether
// the page itself holds it (only then do keystrokes go to the terminal), and reading the
// `terminal.floor` notification.
import type { FloorHolder, FloorState } from './types';

/** The floor methods of a terminal handle (RemoteTerminal from a client with floor control). */
export interface FloorMethods {
  takeFloor(): Promise<FloorState>;
  releaseFloor(): Promise<FloorState>;
}

/** The handle's floor methods, or undefined when this client has none. */
export function floorMethods(handle: object): FloorMethods | undefined {
  const candidate = handle as Partial<FloorMethods>;
  if (typeof candidate.takeFloor !== 'function' || typeof candidate.releaseFloor !== 'function')
    return undefined;
  return {
    takeFloor: () => candidate.takeFloor!.call(handle),
    releaseFloor: () => candidate.releaseFloor!.call(handle),
  };
}

/** True when `current` is the very holding `mine` (what this page's take returned). */
export function holdsFloor(current: FloorHolder | null | undefined, mine: FloorHolder | undefined): boolean {
  if (!current || !mine) return false;
  return current.name === mine.name && current.kind === mine.kind && current.since === mine.since;
}

/** Reads a floor state (a take/release result or a `terminal.floor` notification); undefined if malformed. */
export function parseFloorState(value: unknown): FloorState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.terminalId !== 'string') return undefined;
  if (v.holder === null || v.holder === undefined) return { terminalId: v.terminalId, holder: null };
  const holder = parseHolder(v.holder);
  return holder ? { terminalId: v.terminalId, holder } : undefined;
}

/** Reads a floor holder; undefined if malformed. */
export function parseHolder(value: unknown): FloorHolder | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const h = value as Record<string, unknown>;
  if (typeof h.name !== 'string' || typeof h.since !== 'string') return undefined;
  if (h.kind !== 'admin' && h.kind !== 'agent') return undefined;
  return { name: h.name, kind: h.kind, since: h.since };
}
