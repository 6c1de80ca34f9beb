// Test helper: runs the `orchflow` CLI from source in a real child process (node + tsx), as the
// built bin would run, so tests need no build step.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** packages/server, whose tsconfig maps @orchflow/* to their sources for tsx. */
export const SERVER_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI entry point. */
export const CLI_ENTRY = join(SERVER_ROOT, 'src/cli/bin.ts');
/** `node` arguments that run the CLI from source. */
export const CLI_NODE_ARGS = ['--import', 'tsx', CLI_ENTRY];

/** Spawns `orchflow ...args` with piped stdio. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: SERVER_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Spawns `orchflow ...args` like {@link spawnCli}; SIGKILLed when the test ends if still running. */
export function cliForTest(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawnCli(args, env);
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** A tokens file (`--tokens`) in a fresh temp directory holding `tokens`. */
export async function tokensFileForTest(
  tokens: readonly { token: string; principal: unknown }[],
): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'orchflow-tokens-')), 'tokens.json');
  await writeFile(file, JSON.stringify({ tokens }));
  return file;
}

/** Runs `orchflow ...args` to completion, with `input` (default nothing) on its stdin. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input: string | Uint8Array = '',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawnCli(args, env);
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the text once `child`'s stderr contains `needle`. */
export function waitForStderr(child: ChildProcess, needle: string): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(needle)) {
        child.stderr?.off('data', onData);
        resolve(seen);
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', () => reject(new Error(`exited before printing '${needle}': ${seen}`)));
  });
}

/** The JSON start-up line of `orchflow serve` (`"msg":"listening"`, printed off a terminal). */
export interface ListeningLine {
  listeners: { transport: string; address: string }[];
  [key: string]: unknown;
}

/** The start-up line in `stderr` (what {@link waitForStderr} returned for `'"listening"'`). */
export function listeningLine(stderr: string): ListeningLine {
  const line = stderr.split('\n').find((text) => text.includes('"listening"'));
  if (line === undefined) throw new Error(`no "listening" line in: ${stderr}`);
  return JSON.parse(line) as ListeningLine;
}

/** The address `listening` gives for `transport` (`websocket`, `http`, `unix socket`, …). */
export function listenerAddress(listening: ListeningLine, transport: string): string {
  const address = listening.listeners.find((l) => l.transport === transport)?.address;
  if (address === undefined) throw new Error(`no ${transport} listener in ${JSON.stringify(listening)}`);
  return address;
}

/**
 * Starts `orchflow serve ...args` (SIGTERM and awaited when the test finishes) and resolves with
 * its start-up line once it listens.
 */
export async function serveCli(args: string[]): Promise<{ server: ChildProcess; listening: ListeningLine }> {
  const server = spawnCli(['serve', ...args]);
  const exited = new Promise((resolve) => server.once('close', resolve));
  onTestFinished(async () => {
    server.kill('SIGTERM');
    await exited;
  });
  return { server, listening: listeningLine(await waitForStderr(server, '"listening"')) };
}
