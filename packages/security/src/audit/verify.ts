// Checks an audit log's hash chain: every line parses, seq counts up from 1 without gaps, each
// `prevHash` is the previous entry's `hash`, and each `hash` matches the entry's content. The
// first violation is reported with its line number, so an edited, deleted, reordered or
// truncated entry is found.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { type AuditEntry, entryHash, GENESIS_HASH } from './entry';

/** Result of {@link verifyAuditLog}. */
export type AuditVerification =
  | { ok: true; entries: number; head: { seq: number; hash: string } }
  | { ok: false; line: number; seq: number | undefined; reason: string };

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /**
   * The head recorded elsewhere (`AuditLog.head`): a log that ends before `seq` was truncated,
   * and (with `hash`) one whose entry `seq` has another hash was rewritten. Entries after it are
   * what was appended since. Throws InvalidParams for a `seq` that is not a whole number ≥ 0 or a
   * `hash` that is not 64 hex digits.
   */
  expectedHead?: { seq: number; hash?: string };
}

function checkedHead(head: VerifyAuditOptions['expectedHead']): VerifyAuditOptions['expectedHead'] {
  if (head === undefined) return undefined;
  if (!Number.isSafeInteger(head.seq) || head.seq < 0) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `expectedHead.seq must be a whole number >= 0 (the head's seq recorded elsewhere), not ${String(head.seq)}`,
    );
  }
  if (head.hash !== undefined && !/^[0-9a-f]{64}$/.test(head.hash)) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `expectedHead.hash must be the head entry's hash, 64 hex digits, not '${String(head.hash).slice(0, 80)}'`,
    );
  }
  return head;
}

function problem(entry: Partial<AuditEntry>, expectedSeq: number, prevHash: string): string | undefined {
  if (typeof entry.seq !== 'number') return 'entry has no seq';
  if (entry.seq !== expectedSeq)
    return `seq is ${entry.seq}, expected ${expectedSeq} (an entry was deleted, inserted or reordered)`;
  if (entry.prevHash !== prevHash)
    return "prevHash does not match the previous entry's hash (an entry was deleted, inserted or reordered)";
  if (typeof entry.hash !== 'string' || entry.hash !== entryHash(entry as AuditEntry)) {
    return "hash does not match the entry's content (the entry was modified)";
  }
  return undefined;
}

/** Verifies the log at `path`; reports the first broken or reordered entry. */
export async function verifyAuditLog(
  path: string,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const expected = checkedHead(options.expectedHead);
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let seq = 0;
  let hash = GENESIS_HASH;
  for await (const text of lines) {
    lineNo++;
    if (text === '') return { ok: false, line: lineNo, seq: undefined, reason: 'empty line' };
    let entry: Partial<AuditEntry>;
    try {
      entry = JSON.parse(text) as Partial<AuditEntry>;
    } catch {
      return { ok: false, line: lineNo, seq: undefined, reason: 'line is not valid JSON' };
    }
    const reason = problem(entry, seq + 1, hash);
    if (reason) return { ok: false, line: lineNo, seq: entry.seq, reason };
    seq = entry.seq as number;
    hash = entry.hash as string;
    // The chain holds, but was it rewritten? The recorded head's entry must be the one recorded.
    if (expected?.hash !== undefined && seq === expected.seq && hash !== expected.hash) {
      return {
        ok: false,
        line: lineNo,
        seq,
        reason: `entry ${seq} has hash ${hash}, not the recorded head's ${expected.hash} (the log was rewritten from here or earlier)`,
      };
    }
  }
  if (expected && seq < expected.seq) {
    return {
      ok: false,
      line: lineNo + 1,
      seq: seq + 1,
      reason: `log ends at seq ${seq} but the recorded head is seq ${expected.seq} (entries were removed from the end)`,
    };
  }
  return { ok: true, entries: seq, head: { seq, hash } };
}
