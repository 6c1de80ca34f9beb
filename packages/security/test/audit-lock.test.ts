// One writer per audit log: a second AuditLog on the same file (in this process or another) is
// refused with the holder's pid, a lock left by a dead process or a reused pid is broken, and the
// chain stays one chain.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { AuditLog } from '../src/audit/audit-log';
import type { AuditRecord } from '../src/audit/entry';
import { realLogPath } from '../src/audit/lock';
import { verifyAuditLog } from '../src/audit/verify';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src/audit/audit-log.ts');

function decision(n: number): AuditRecord {
  return {
    kind: 'decision',
    commandId: `c${n}`,
    agentId: 'a',
    terminalId: 't',
    command: `echo ${n}`,
    programs: ['echo'],
    decision: 'allow',
    isolation: 'none',
  };
}

async function refusal(path: string): Promise<{ code: number; message: string; data: unknown }> {
  const error = await AuditLog.open(path).then(
    (log) => {
      void log.close();
      throw new Error('expected the open to be refused');
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), String(error)).toBe(true);
  return error as { code: number; message: string; data: unknown };
}

/** A real second process holding the log open; resolves once it has it. */
async function holder(path: string): Promise<ChildProcess> {
  const code = `const { AuditLog } = await import(${JSON.stringify(SRC)});
const log = await AuditLog.open(process.argv[1]);
await log.append({ kind: 'decision', commandId: 'x', agentId: 'a', terminalId: 't', command: 'other', programs: [], decision: 'allow', isolation: 'none' });
process.stdout.write('open\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, path], {
    cwd: resolve(dirname(SRC), '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('open')) ok();
    });
    child.once('exit', (exitCode) => fail(new Error(`holder exited early (${exitCode})`)));
  });
  return child;
}

let path: string;
beforeEach(() => {
  path = join(mkdtempSync(join(tmpdir(), 'orchflow-audit-lock-')), 'audit.jsonl');
});

describe('AuditLog lock', () => {
  it('refuses a second writer in the same process until the first closes', async () => {
    const first = await AuditLog.open(path);
    await first.append(decision(1));
    const error = await refusal(path);
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain(path);
    expect(error.message).toContain('this same process');
    expect(error.data).toMatchObject({ holderPid: process.pid, lockPath: `${path}.lock` });
    await first.append(decision(2));
    await first.close();
    expect(existsSync(`${path}.lock`)).toBe(false);

    const second = await AuditLog.open(path);
    await second.append(decision(3));
    await second.close();
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 3 });
  });

  it('refuses while another process holds the log, naming its pid, and takes over once it died', async () => {
    const child = await holder(path);
    const error = await refusal(path);
    expect(error.message).toContain(`process ${child.pid}`);
    expect(error.message).toContain(`${path}.lock`);
    expect(error.data).toMatchObject({ holderPid: child.pid });

    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
    // The dead holder never released its lock: it is stale now, and broken.
    expect(existsSync(`${path}.lock`)).toBe(true);
    const log = await AuditLog.open(path);
    expect(log.head.seq).toBe(1);
    await log.append(decision(2));
    await log.close();
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 2 });
  });

  it('breaks a lock whose pid is dead or belongs to a process started at another time', async () => {
    const dead = spawnSync('true').pid;
    const lock = (owner: object) => writeFileSync(`${path}.lock`, JSON.stringify(owner));
    lock({ pid: dead, startTime: 1, host: hostname(), token: 'old' });
    const a = await AuditLog.open(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await a.close();

    // The pid is alive (it is ours) but was reused: its start time differs from the lock's.
    lock({ pid: process.pid, startTime: 1, host: hostname(), token: 'reused' });
    const b = await AuditLog.open(path);
    await b.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses when the lock is unreadable or held on another host, and leaves it in place', async () => {
    writeFileSync(`${path}.lock`, 'garbage');
    expect((await refusal(path)).message).toMatch(/lock file orchflow cannot read/);
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.invalid', token: 't' }));
    expect((await refusal(path)).message).toMatch(/process 1 on host elsewhere\.invalid/);
    expect(readFileSync(`${path}.lock`, 'utf8')).toContain('elsewhere.invalid');
  });

  it('keys the lock on the real file: a symlink to the log or to its directory is refused', async () => {
    const first = await AuditLog.open(path);
    const lockPath = `${realpathSync(path)}.lock`;
    const fileLink = join(dirname(path), 'link.jsonl');
    symlinkSync(path, fileLink);
    const dirLink = `${dirname(path)}-link`;
    symlinkSync(dirname(path), dirLink);
    for (const other of [fileLink, join(dirLink, 'audit.jsonl'), relative(process.cwd(), path)]) {
      const error = await refusal(other);
      expect(error.message).toContain('this same process');
      expect(error.data).toMatchObject({ path: other, lockPath });
    }
    await first.close();

    // Opened through a link, the log is locked under its real name, and a second process's writer
    // through the real path is refused.
    const child = await holder(join(dirLink, 'link.jsonl'));
    expect(existsSync(lockPath)).toBe(true);
    expect(existsSync(`${fileLink}.lock`)).toBe(false);
    expect((await refusal(path)).message).toContain(`process ${child.pid}`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 1 });
  });

  it('resolves the directory of a log that does not exist yet', () => {
    const dirLink = `${dirname(path)}-dir`;
    symlinkSync(dirname(path), dirLink);
    expect(realLogPath(join(dirLink, 'new.jsonl'))).toBe(join(realpathSync(dirname(path)), 'new.jsonl'));
    expect(() => realLogPath(join(dirLink, 'missing', 'new.jsonl'))).toThrow(/ENOENT/);
  });
});
