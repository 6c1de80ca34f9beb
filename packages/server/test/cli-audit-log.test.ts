// `--audit-log FILE` on `orchflow serve` and `orchflow mcp`: the CLI keeps the hash-chained
// audit log an embedding program gets with `withAuditLog`, so a server started from the command
// line records every decision and command end, and `orchflow audit verify` accepts the file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitForStderr } from './cli-run';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-cli-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The log's entries as `kind:command` (what the audit says happened, in order). */
async function recorded(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  return lines.map((line) => {
    const entry = JSON.parse(line) as { kind: string; command?: string; decision?: string };
    return `${entry.kind}:${entry.decision ?? ''}:${entry.command ?? ''}`;
  });
}

// Each test starts the CLI up to four times in a row from source (tsx: ~4 s of CPU apiece cold):
// it needs ~12 s on an idle 2-core machine and passed 20 s with half a core (3 of 3 runs). The
// timeout is for a loaded machine, not for anything that waits on a clock.
describe('serve --audit-log', { timeout: 90_000 }, () => {
  it('records allowed and denied commands in a chain audit verify accepts', async () => {
    const socket = join(dir, 'audit.sock');
    const file = join(dir, 'audit.jsonl');
    const server = spawnCli(['serve', '--unix', socket, '--policy', 'standard', '--audit-log', file]);
    const exited = new Promise<number | null>((resolve) => server.once('close', (code) => resolve(code)));
    await waitForStderr(server, 'unix socket');
    const url = `unix:${socket}`;
    expect((await runCli(['exec', '--server', url, '--', 'echo audited'])).code).toBe(0);
    expect((await runCli(['exec', '--server', url, '--', 'sudo true'])).code).not.toBe(0);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await recorded(file)).toEqual([
      'decision:allow:echo audited',
      'end::echo audited',
      'decision:deny:sudo true',
    ]);
    const verify = await runCli(['audit', 'verify', file]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('fails at start-up with the reason when the log cannot be opened', async () => {
    const run = await runCli([
      'serve',
      '--unix',
      join(dir, 's.sock'),
      '--audit-log',
      join(dir, 'missing-dir', 'a.jsonl'),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/audit log .*cannot be opened/i);
  });
});

// `audit verify` against a head recorded elsewhere: `--expect-seq` alone detects a log cut short,
// `--expect-hash` a log rewritten with a valid chain; values that cannot be a head are usage errors.
describe('audit verify --expect-seq / --expect-hash', { timeout: 90_000 }, () => {
  async function logOf(count: number): Promise<{ file: string; head: { seq: number; hash: string } }> {
    const { AuditLog } = await import('@orchflow/security');
    const file = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(file);
    for (let i = 1; i <= count; i++)
      await log.append({
        kind: 'decision',
        commandId: `c${i}`,
        agentId: 'a',
        terminalId: 't',
        command: `echo ${i}`,
        programs: ['echo'],
        cwd: '/w',
        decision: 'allow',
        rule: 'default-allow',
        isolation: 'none',
      });
    const head = log.head;
    await log.close();
    return { file, head };
  }

  it('reports a truncated log from --expect-seq alone, and a wrong head hash as a rewrite', async () => {
    const { file, head } = await logOf(4);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    await writeFile(file, `${lines.slice(0, 2).join('\n')}\n`);
    const cut = await runCli(['audit', 'verify', file, '--expect-seq', '4']);
    expect(cut.code, cut.stdout + cut.stderr).toBe(1);
    expect(cut.stdout).toMatch(
      /BROKEN at line 3 \(seq 3\): log ends at seq 2 but the recorded head is seq 4/,
    );
    await writeFile(file, `${lines.join('\n')}\n`);
    const other = 'f'.repeat(64);
    const rewritten = await runCli(['audit', 'verify', file, '--expect-seq', '4', '--expect-hash', other]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stdout).toMatch(/BROKEN at line 4 \(seq 4\): entry 4 has hash .*the log was rewritten/);
    const intact = await runCli(['audit', 'verify', file, '--expect-seq', '4', '--expect-hash', head.hash]);
    expect(intact.code, intact.stdout + intact.stderr).toBe(0);
  });

  it.each([
    [['--expect-seq', 'abc', '--expect-hash', 'f'.repeat(64)], /--expect-seq must be .* not 'abc'/],
    [['--expect-seq', '4', '--expect-hash', 'deadbeef'], /--expect-hash must be .*64 hex digits/],
    [['--expect-hash', 'f'.repeat(64)], /--expect-hash needs --expect-seq/],
  ])('%j is a usage error (exit 2)', async (flags, message) => {
    const { file } = await logOf(2);
    const run = await runCli(['audit', 'verify', file, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
