import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/audit/audit-log';
import { canonicalJson } from '../src/audit/canonical';
import type { AuditRecord } from '../src/audit/entry';
import { verifyAuditLog } from '../src/audit/verify';

function decision(n: number, command = `echo ${n}`): AuditRecord {
  return {
    kind: 'decision',
    commandId: `c${n}`,
    agentId: 'a',
    terminalId: 't',
    command,
    programs: ['echo'],
    cwd: '/w',
    decision: 'allow',
    rule: 'default-allow',
    isolation: 'none',
  };
}

let dir: string;
let path: string;

async function writeLog(count: number): Promise<string[]> {
  const log = await AuditLog.open(path);
  for (let i = 1; i <= count; i++) await log.append(decision(i));
  await log.close();
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-audit-'));
  path = join(dir, 'audit.jsonl');
});

describe('canonicalJson', () => {
  it('sorts keys recursively and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('AuditLog', () => {
  it('writes a hash chain that verifies, and continues it when reopened', async () => {
    await writeLog(3);
    const log = await AuditLog.open(path);
    expect(log.head.seq).toBe(3);
    const entry = await log.append(decision(4));
    await log.close();
    expect(entry.seq).toBe(4);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[3] as string).prevHash).toBe(JSON.parse(lines[2] as string).hash);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 4 });
  });

  it('detects an edited field', async () => {
    const lines = await writeLog(4);
    lines[1] = (lines[1] as string).replace('echo 2', 'echo X');
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      line: 2,
      seq: 2,
      reason: expect.stringMatching(/modified/),
    });
  });

  it('detects a deleted line', async () => {
    const lines = await writeLog(4);
    lines.splice(2, 1);
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 3, seq: 4 });
  });

  it('detects two swapped lines', async () => {
    const lines = await writeLog(4);
    [lines[1], lines[2]] = [lines[2] as string, lines[1] as string];
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 2, seq: 3 });
  });

  it('detects a truncated hash', async () => {
    const lines = await writeLog(3);
    const entry = JSON.parse(lines[2] as string);
    entry.hash = entry.hash.slice(0, 32);
    lines[2] = JSON.stringify(entry);
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, line: 3, seq: 3 });
  });

  it('detects entries removed from the end against a recorded head', async () => {
    await writeLog(3);
    const log = await AuditLog.open(path);
    const head = log.head;
    await log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(0, 2);
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 2 });
    expect(await verifyAuditLog(path, { expectedHead: head })).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects a truncated log from the recorded seq alone', async () => {
    await writeLog(4);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(0, 2);
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(await verifyAuditLog(path, { expectedHead: { seq: 4 } })).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/removed from the end/),
    });
  });

  it('detects a log rewritten with a valid chain, even with entries appended after the head', async () => {
    await writeLog(2);
    const log = await AuditLog.open(path);
    const head = log.head;
    await log.close();
    // Rewritten from scratch: every hash is valid, entry 2 says something else, and more follow.
    writeFileSync(path, '');
    const forged = await AuditLog.open(path);
    await forged.append(decision(1));
    await forged.append(decision(2, 'echo forged'));
    await forged.append(decision(3));
    await forged.close();
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 3 });
    expect(await verifyAuditLog(path, { expectedHead: head })).toMatchObject({
      ok: false,
      line: 2,
      seq: 2,
      reason: expect.stringMatching(/rewritten/),
    });
  });

  it('accepts a log that grew after the recorded head', async () => {
    await writeLog(2);
    const log = await AuditLog.open(path);
    const head = log.head;
    await log.append(decision(3));
    await log.close();
    expect(await verifyAuditLog(path, { expectedHead: head })).toMatchObject({ ok: true, entries: 3 });
  });

  it.each([
    [{ seq: Number.NaN }, /whole number/],
    [{ seq: -1 }, /whole number/],
    [{ seq: 1.5 }, /whole number/],
    [{ seq: 2, hash: 'deadbeef' }, /64 hex digits/],
  ])('refuses the recorded head %j', async (expectedHead, message) => {
    await writeLog(2);
    await expect(verifyAuditLog(path, { expectedHead })).rejects.toThrow(message);
  });

  it('fails closed: a log that cannot be written rejects this and every later append', async () => {
    const log = await AuditLog.open('/dev/full');
    await expect(log.append(decision(1))).rejects.toThrow(/could not be written.*fail closed/);
    await expect(log.append(decision(2))).rejects.toThrow(/could not be written/);
    await log.close();
  });

  it('refuses to open a log in a directory that does not exist', async () => {
    await expect(AuditLog.open(join(dir, 'missing', 'audit.jsonl'))).rejects.toThrow(/cannot be opened/);
  });
});
