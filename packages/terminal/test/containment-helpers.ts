// Shared by the containment tests: commands that start a process which escapes its terminal's
// session and process tree in each known way, and how to find those processes and the
// terminal's cgroup directories from outside.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverHierarchies } from '../src/containment/cgroup-fs';

/** A sleep duration no other process on the machine uses, so its pid can be found by argv. */
export function uniqueDuration(): string {
  return `${3000 + Math.floor(Math.random() * 1000)}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

/** Ways a command leaves a `sleep <duration>` running behind, by name. */
export const ESCAPES: Record<string, (duration: string) => string> = {
  'setsid -f': (d) => `setsid -f sleep ${d} >/dev/null 2>&1 </dev/null`,
  'nohup & disown': (d) => `nohup sleep ${d} >/dev/null 2>&1 </dev/null & disown`,
  'setsid bash -c "& disown"': (d) => `setsid bash -c "sleep ${d} >/dev/null 2>&1 </dev/null & disown"`,
  'double fork': (d) => `( ( sleep ${d} >/dev/null 2>&1 </dev/null & ) & )`,
};

/** Pids of live (non-zombie) processes whose argv is exactly `sleep <duration>`. */
export function sleepers(duration: string): number[] {
  const wanted = `sleep\0${duration}\0`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') !== wanted) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\S+ \(.*\) [ZX] /.test(stat)) continue;
      out.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

/** Waits (polling) until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The orchflow cgroup directories `pid` is in (empty when it is in none, or gone). */
export function orchflowCgroupDirs(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return [];
  }
  const names = new Set(
    text
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf('/') + 1))
      .filter((name) => name.startsWith('orchflow-')),
  );
  const dirs: string[] = [];
  for (const h of discoverHierarchies()) {
    for (const name of names) if (existsSync(join(h.parent, name))) dirs.push(join(h.parent, name));
  }
  return dirs;
}
