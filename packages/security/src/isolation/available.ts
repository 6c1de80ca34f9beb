// Which isolation levels this machine can provide, for capability negotiation. Only cheap checks
// (executables on PATH): `container` is left out because whether an engine answers is only known
// by asking it, which spawning a container terminal does (with a clear error when it cannot).
import type { IsolationLevel } from '../policy/schema';
import { findExecutable } from './tools';

/** The isolation levels whose tools are installed: `none` always, `process`, `sandbox`. */
export function availableIsolationLevels(): IsolationLevel[] {
  const levels: IsolationLevel[] = ['none'];
  if (findExecutable('prlimit') && findExecutable('setpriv')) levels.push('process');
  if (findExecutable('bwrap')) levels.push('sandbox');
  return levels;
}
