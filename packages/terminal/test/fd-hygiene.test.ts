// No fd of the orchestrator in a terminal: node-pty opens PTY masters without close-on-exec, so
// before the launcher a shell inherited the masters of every terminal spawned before it and a
// command could type into another agent's shell (`printf 'touch x\r' >&22`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalFixture } from './fixture';

const { dir, spawn } = terminalFixture('fds');

/** `ls -l /proc/<pid>/fd` output as fd number → link target. */
function parseFds(listing: string): Map<number, string> {
  const fds = new Map<number, string>();
  for (const line of listing.split('\n')) {
    const m = / (\d+) -> (.*)$/.exec(line.trim());
    if (m) fds.set(Number(m[1]), m[2] as string);
  }
  return fds;
}

// Every fd above 2 of a shell started after ten others, or the masters they would have leaked.
// `; true`: a shell running a last command would exec it, and `ls` would list its own open dir.
const LIST_OWN = 'ls -l /proc/$$/fd; true';
// A child of the shell: `sh -c` lists its own fds (inherited from the shell).
const LIST_CHILD = `sh -c 'ls -l /proc/$$/fd; true'`;

describe('file descriptors of a terminal', () => {
  it('a shell spawned after ten others holds only its tty (and bash its 255 dup of it)', async () => {
    for (let i = 0; i < 10; i++) await spawn();
    const t = await spawn();
    for (const command of [LIST_OWN, LIST_CHILD]) {
      const fds = parseFds((await t.execute(command)).stdout);
      expect([...fds.values()].some((target) => target.includes('ptmx'))).toBe(false);
      const extra = [...fds.keys()].filter((fd) => fd > 2 && fd !== 255);
      expect({ command, extra: extra.map((fd) => `${fd} -> ${fds.get(fd)}`) }).toEqual({
        command,
        extra: [],
      });
      // What is there is this terminal's own tty.
      for (const fd of [0, 1, 2]) expect(fds.get(fd)).toMatch(/^\/dev\/pts\/\d+$/);
    }
  });

  it('a command cannot type into an earlier terminal through any inherited fd', async () => {
    const victims = [await spawn(), await spawn()];
    const attacker = await spawn();
    const mark = join(dir(), 'typed-by-another-terminal');
    // The attack of the issue, over every fd number a leaked master could have. Its own output
    // goes to /dev/null: bash keeps copies of the fds it redirects (at 10 and up), and those
    // would only reach the attacker's own terminal.
    const r = await attacker.execute(
      `(for n in $(seq 3 254); do printf 'touch ${mark}\\r' >&$n; done) >/dev/null 2>&1; echo done`,
    );
    expect(r.stdout).toBe('done\n');
    // A victim shell that got the line would have run it by the time it answers a command.
    for (const victim of victims) expect((await victim.execute('echo alive')).stdout).toBe('alive\n');
    expect(existsSync(mark)).toBe(false);
  });

  it('a scripted-mode command spawned after PTY terminals holds only its pipes', async () => {
    for (let i = 0; i < 3; i++) await spawn();
    const t = await spawn('scripted');
    for (const command of [LIST_OWN, LIST_CHILD]) {
      const fds = parseFds((await t.execute(command)).stdout);
      expect([...fds.values()].some((target) => target.includes('ptmx'))).toBe(false);
      expect([...fds.keys()].filter((fd) => fd > 2)).toEqual([]);
    }
  });
});
