// Where a sidecar runs by default: in a session of its own only when the client has a controlling
// terminal (a Ctrl-C there must not reach it), else in the client's session — a session of its
// own is also a scheduling group of its own on Linux, which slowed every round trip. Real
// processes: `setsid` starts the client without a controlling terminal, `script` with one (a PTY).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'sidecar-session.mts');
const node = `'${process.execPath}' --import tsx '${fixture}'`;

interface Sessions {
  own: number;
  sidecar: number;
  defaultDetached: boolean;
}

function parse(output: string): Sessions {
  const line = output.split(/\r?\n/).find((text) => text.startsWith('{'));
  if (!line) throw new Error(`no JSON line in: ${output}`);
  return JSON.parse(line) as Sessions;
}

/** Runs the fixture with no controlling terminal (a new session, as a service or CI job has). */
function withoutTerminal(choice: string): Sessions {
  return parse(execFileSync('setsid', ['--wait', 'sh', '-c', `${node} ${choice}`], { encoding: 'utf8' }));
}

/** Runs the fixture in a PTY that is its controlling terminal (as a CLI tool typed at a shell). */
function withTerminal(choice: string): Sessions {
  return parse(execFileSync('script', ['-qec', `${node} ${choice}`, '/dev/null'], { encoding: 'utf8' }));
}

describe.runIf(process.platform === 'linux')('sidecar session', () => {
  it('shares the client session when the client has no controlling terminal', () => {
    const sessions = withoutTerminal('default');
    expect(sessions.defaultDetached).toBe(false);
    expect(sessions.sidecar).toBe(sessions.own);
  }, 30_000);

  it('gets a session of its own when a Ctrl-C at the client terminal could reach it', () => {
    const sessions = withTerminal('default');
    expect(sessions.defaultDetached).toBe(true);
    expect(sessions.sidecar).not.toBe(sessions.own);
  }, 30_000);

  it('follows an explicit detached either way', () => {
    const detached = withoutTerminal('true');
    expect(detached.sidecar).not.toBe(detached.own);
    const attached = withTerminal('false');
    expect(attached.sidecar).toBe(attached.own);
  }, 30_000);
});
