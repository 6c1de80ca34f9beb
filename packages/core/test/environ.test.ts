// What a terminal's commands can read of the orchestrator's own environment (docs/security.md,
// "The orchestrator's environment"): the scrub keeps secrets out of the shell's environment, but
// under `none`/`process` the shell's parent is the orchestrator and /proc/<ppid>/environ shows its
// initial environment to any process of the same user; a `sandboxed` terminal has its own PID
// namespace and /proc, where no host process is visible.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));

function runChild(secret: string): Promise<Record<string, boolean>> {
  const workspace = mkdtempSync(join(tmpdir(), 'orchflow-environ-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'environ-child.ts'), workspace], {
    cwd: resolve(HERE, '..'),
    env: { ...process.env, ORCHFLOW_TEST_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((ok, fail) => {
    child.once('close', (code) => {
      if (code !== 0) fail(new Error(`child exited with ${code}: ${stderr}`));
      else ok(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, boolean>);
    });
  });
}

describe("the orchestrator's environment", () => {
  it('is readable through /proc by commands at process isolation, and not from a sandboxed terminal', async () => {
    const secret = `orchflow-secret-${randomBytes(12).toString('hex')}`;
    const seen = await runChild(secret);
    // The scrubbed shell environment does not have it; its parent's /proc entry does.
    expect(seen.shellEnv).toBe(false);
    expect(seen.interactive).toBe(true);
    expect(seen.sandboxed).toBe(false);
  }, 60_000);
});
