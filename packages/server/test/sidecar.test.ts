// `OrchflowClient.stdio(sidecarCommand())`: an app starts this package's own CLI as its stdio
// sidecar, with the running node and no `orchflow` on PATH (issue #13).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchflowClient, type SidecarEvent } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI_NODE_FLAGS } from '../src/cli/node-flags';
import { cliPath, sidecarCommand } from '../src/sidecar';

describe('sidecarCommand', () => {
  it('starts the built CLI as a stdio sidecar that runs commands', async () => {
    expect(cliPath()).toMatch(/dist\/cli\.mjs$/);
    const client = await OrchflowClient.stdio({ ...sidecarCommand({ args: ['--policy', 'standard'] }) });
    try {
      // `(exit 3)`: a PTY shell's own `exit` would also print bash's "exit" and end the terminal.
      const result = await client.runScript('echo sidecar; (exit 3)');
      expect(result).toMatchObject({ stdout: 'sidecar\n', exitCode: 3 });
      // The extra flags reached `serve`: standard refuses privilege commands.
      await expect(client.runScript('sudo true')).rejects.toMatchObject({ codeName: 'PolicyDenied' });
    } finally {
      await client.close();
    }
  });

  // The default (own group only where the app has a controlling terminal) is tested in the
  // client's sidecar-session.test.ts, under setsid and script.
  it('runs the sidecar in its own process group when detached, so a Ctrl-C at the app does not reach it', async () => {
    const pgid = (pid: number) =>
      Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    const started: number[] = [];
    const onEvent = (event: SidecarEvent) => {
      if (event.type === 'started') started.push(event.pid);
    };
    for (const [detached, own] of [
      [true, true],
      [false, false],
    ] as const) {
      started.length = 0;
      const client = await OrchflowClient.stdio({ ...sidecarCommand(), detached, onEvent });
      try {
        const pid = started[0] as number;
        expect(pgid(pid) === pid).toBe(own);
        expect(pgid(pid) === pgid(process.pid)).toBe(!own);
      } finally {
        await client.close();
      }
    }
  });
});

describe('the orchflow bin', () => {
  // What npm and pnpm link as `orchflow` (package.json `bin`): a file outside dist/, so a workspace
  // install can link it before the first build.
  const binPath = fileURLToPath(new URL('../bin/orchflow.mjs', import.meta.url));

  it('is the package.json bin and execs node with the CLI node flags, as dist/cli.mjs does', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.bin).toEqual({ orchflow: './bin/orchflow.mjs' });
    expect(pkg.files).toContain('bin');
    const execLine = (path: string) => readFileSync(path, 'utf8').split('\n')[1];
    expect(execLine(binPath)).toBe(`':' //; exec node ${CLI_NODE_FLAGS.join(' ')} "$0" "$@"`);
    expect(execLine(cliPath())).toBe(execLine(binPath));
  });

  it('runs as a program: node with the CLI node flags, in the same process', async () => {
    // What `orchflow serve` does from PATH, npx or a pnpm shim: the file itself is executed.
    const child = spawn(binPath, ['serve', '--stdio', '--log-level', 'silent'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const cmdline = () => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    // sh execs node in place: the pid the caller holds is the server's.
    await expect.poll(() => cmdline()[0], { timeout: 10_000 }).toMatch(/node$/);
    expect(cmdline().slice(1, 1 + CLI_NODE_FLAGS.length)).toEqual(CLI_NODE_FLAGS);
    expect(cmdline().slice(-4)).toEqual(['serve', '--stdio', '--log-level', 'silent']);
    // It answers as the server: the bin ran dist/cli.mjs.
    const client = await OrchflowClient.stdio({
      command: binPath,
      args: ['serve', '--stdio', '--log-level', 'silent'],
    });
    try {
      expect((await client.runScript('echo via-bin')).stdout).toBe('via-bin\n');
    } finally {
      await client.close();
    }
    child.stdin?.end();
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });

  it('runs under node directly too, and the sidecar command passes the same flags', async () => {
    for (const path of [binPath, cliPath()]) {
      const { code, out } = await run(process.execPath, [path, '--version']);
      expect(code).toBe(0);
      expect(out).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(sidecarCommand().args.slice(0, CLI_NODE_FLAGS.length)).toEqual(CLI_NODE_FLAGS);
  });

  it('says to build first when dist/ is missing (a fresh clone), instead of a module stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-bin-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(binPath, join(dir, 'bin', 'orchflow.mjs'));
    const { code, err } = await run(join(dir, 'bin', 'orchflow.mjs'), ['--version']);
    expect(code).toBe(1);
    expect(err).toMatch(/the CLI is not built .*run `pnpm build` first/);
    expect(err).not.toMatch(/ERR_MODULE_NOT_FOUND|at /);
  });
});

/** Runs a program to its end; resolves with its exit code, stdout and stderr. */
function run(command: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })));
}
