// Who holds a terminal: its shell, or a program the shell started. The kernel says which process
// group is in the foreground of a terminal (`tpgid` in /proc/<pid>/stat of any process attached to
// it); an interactive shell puts itself there at every prompt and each job it starts in a group
// of its own. So the shell's group is learnt once, when the shell is at its first prompt (the
// session is ready), and compared with the foreground group whenever it matters. A wrapper
// (bubblewrap) may run the shell below the session's pid: the foreground at the first prompt is
// then the shell's group as seen from here, which is why it is learnt rather than assumed.
import type { MuxSession } from '@orchflow/mux';
import { foregroundProcessGroup } from '@orchflow/terminal';

/**
 * The shell's process group of a session whose shell has just shown its first prompt, or
 * undefined when it cannot be told (no PTY, the process gone).
 */
export function shellGroupAtPrompt(session: MuxSession): number | undefined {
  if (session.mode === 'scripted' || session.pid <= 0) return undefined;
  return foregroundProcessGroup(session.pid);
}

/**
 * The shell's process group of a session adopted from an earlier process: only when the shell
 * itself holds the terminal right now and is the session's own process (nothing wraps it), since
 * anything else could be a program the shell was running when the orchestrator went away.
 */
export function shellGroupOfAdopted(session: MuxSession): number | undefined {
  const group = shellGroupAtPrompt(session);
  return group === session.pid ? group : undefined;
}

/**
 * True when the shell (group `shellGroup`) holds the session's terminal, or when that cannot be
 * told — an unknown shell group, a terminal whose foreground cannot be read. Callers treat "the
 * shell holds it" as the stricter case, so every doubt falls on that side.
 */
export function shellHoldsTerminal(session: MuxSession, shellGroup: number | undefined): boolean {
  if (shellGroup === undefined) return true;
  const foreground = foregroundProcessGroup(session.pid);
  return foreground === undefined || foreground === shellGroup;
}
