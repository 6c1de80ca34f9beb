// What `mode: 'sandboxed'` requires of a launch wrapper, shared by every backend: the shell must
// start at the `sandbox` isolation level (bubblewrap: own PID, mount and IPC namespaces) or in a
// container. A wrapper that only sets limits or a network namespace is not a sandbox.
import type { TerminalSpawnOptions } from '@orchflow/terminal';

/** The isolation level a launch wrapper declares, if any. */
export type LaunchLevel = NonNullable<TerminalSpawnOptions['launch']>['level'];

/** True when a wrapper of `level` sandboxes the shell (`sandbox` or `container`). */
export function sandboxes(level: LaunchLevel): boolean {
  return level === 'sandbox' || level === 'container';
}
