// The sidecar supervisor and agent terminal against the real `orchflow serve --stdio`. The tests
// share one supervisor and run in order (a sidecar start costs seconds on a loaded machine): start
// and run, persistent shell, crash and restart, crashes over the cap, recovery, stop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentTerminalRunner, type SidecarStatus, SidecarSupervisor } from '../src/core/index';
import { alive, SERVER, until } from './helpers';

const sidecar = new SidecarSupervisor({
  server: SERVER,
  maxRestarts: 2,
  restartDelayMs: 50,
  stopGraceMs: 2_000,
});
const runner = new AgentTerminalRunner(sidecar);
const states: SidecarStatus[] = [];
sidecar.onStatusChange((s) => states.push(s));

async function run(command: string): Promise<{ text: string; exitCode: number | null; cwd: string }> {
  const chunks: string[] = [];
  const outcome = await runner.run(command, (text) => chunks.push(text));
  return { text: chunks.join(''), exitCode: outcome.exitCode, cwd: outcome.cwd };
}

async function runningPid(not?: number): Promise<number> {
  const status = await sidecar.waitFor(
    (s) => s.state === 'failed' || (s.state === 'running' && s.pid !== undefined && s.pid !== not),
  );
  if (status.state === 'failed') throw new Error(`the sidecar failed: ${status.error}`);
  return status.pid as number;
}

afterAll(() => sidecar.stop());

describe.sequential('SidecarSupervisor with a real orchflow serve --stdio', () => {
  it('starts the sidecar and runs a command with streamed output and its exit code', async () => {
    const result = await run('echo hello; printf "\\033[31mred\\033[0m\\n"; (exit 3)');
    expect(result.exitCode).toBe(3);
    expect(result.text).toBe('hello\nred\n'); // streamed, ANSI stripped, LF line ends
    expect(sidecar.status).toMatchObject({ state: 'running', restarts: 0 });
    expect(alive(sidecar.status.pid as number)).toBe(true);
  });

  it('keeps one persistent shell between runs', async () => {
    await run('cd /tmp && export ORCHFLOW_DEMO=kept');
    const result = await run('echo "$PWD $ORCHFLOW_DEMO"');
    expect(result).toEqual({ text: '/tmp kept\n', exitCode: 0, cwd: '/tmp' });
  });

  it('runs a command that ends the shell exactly once, then starts a fresh shell for the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-vscode-exit-'));
    try {
      const log = join(dir, 'ran.log');
      // Like a script that ends with `exit`: its side effect must happen once, not again on a new shell.
      const ended = await run(`echo ran >> ${log}; exit 7`);
      expect(ended.exitCode).toBe(7);
      expect(readFileSync(log, 'utf8')).toBe('ran\n');
      const next = await run(`echo again >> ${log}; echo "fresh $ORCHFLOW_DEMO"`);
      expect(next).toMatchObject({ text: 'fresh \n', exitCode: 0 });
      expect(readFileSync(log, 'utf8')).toBe('ran\nagain\n');
      // A command that kills its own shell mid-run ends without an exit code, and is not sent again.
      expect(await run(`echo killed >> ${log}; kill -KILL $$`)).toMatchObject({ exitCode: null });
      expect(readFileSync(log, 'utf8')).toBe('ran\nagain\nkilled\n');
      expect(await run('echo next')).toMatchObject({ text: 'next\n', exitCode: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarts a sidecar killed with SIGKILL, and the next command works', async () => {
    const first = await runningPid();
    process.kill(first, 'SIGKILL');
    const second = await runningPid(first);
    await until(() => !alive(first), 'the killed sidecar to be gone');
    expect(sidecar.status.restarts).toBe(1);

    // A new sidecar means a new shell: the old one's state is gone, the command still runs.
    const result = await run('echo "after-restart $ORCHFLOW_DEMO"; false');
    expect(result).toMatchObject({ text: 'after-restart \n', exitCode: 1 });
    expect(sidecar.status.pid).toBe(second);
  });

  it('gives up when crashes exceed the cap, with a clear error', async () => {
    states.length = 0;
    const second = await runningPid();
    process.kill(second, 'SIGKILL'); // restart 2 of 2
    const third = await runningPid(second);
    process.kill(third, 'SIGKILL'); // over the cap
    const failed = await sidecar.waitFor((s) => s.state === 'failed');
    expect(failed.error).toMatch(
      /\(pid \d+\) died \(killed by SIGKILL.*already restarted 2 times .*giving up/,
    );
    expect(states.map((s) => s.state)).toEqual(['restarting', 'running', 'restarting', 'failed']);

    const error = await run('echo never').catch((e: unknown) => e);
    expect(error).toMatchObject({ codeName: 'Unavailable' });
    expect((error as Error).message).toMatch(/giving up\. Fix the cause .*then restart the sidecar\./);
    for (const pid of [second, third]) await until(() => !alive(pid), `crashed sidecar ${pid} to be gone`);
  });

  it('starts afresh after a give-up with restart()', async () => {
    await sidecar.restart();
    expect(sidecar.status).toMatchObject({ state: 'running', restarts: 0 });
    expect(await run('echo back')).toMatchObject({ text: 'back\n', exitCode: 0 });
  });

  it('leaves no process behind on stop (sidecar and the terminal shell)', async () => {
    const shell = Number((await run('echo $$')).text.trim());
    const pid = await runningPid();
    expect(alive(shell)).toBe(true);

    await sidecar.stop();
    expect(sidecar.status.state).toBe('stopped');
    await until(() => !alive(pid), `sidecar ${pid} to exit`);
    await until(() => !alive(shell), `terminal shell ${shell} to exit`);
  });

  it('reports a sidecar that cannot be started', async () => {
    const missing = new SidecarSupervisor({ server: { command: 'orchflow-does-not-exist-here' } });
    const error = await missing.client().catch((e: unknown) => e);
    expect(error).toMatchObject({ codeName: 'Unavailable' });
    expect((error as Error).message).toMatch(
      /Could not start orchflow: .*command not found; check `command` and PATH/,
    );
    expect(missing.status.state).toBe('failed');
  });
});
