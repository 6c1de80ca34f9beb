// `orchflow audit verify FILE`: checks an audit log's hash chain and reports the first broken,
// edited, deleted or reordered entry; with the head recorded elsewhere (`--expect-seq`, and
// `--expect-hash`), also a log cut short or rewritten. Exit 0 when intact, 1 when not, 2 for
// usage errors (a bad flag value, a missing file).
import { verifyAuditLog } from '@orchflow/security';
import { usageError, withUsageErrors } from './recording-args';

export interface VerifyFlags {
  expectSeq?: string;
  expectHash?: string;
}

// The head recorded elsewhere, from the flags; usage errors for values that cannot be one.
function expectedHead(flags: VerifyFlags): { seq: number; hash?: string } | undefined {
  if (flags.expectSeq === undefined) {
    if (flags.expectHash !== undefined)
      throw usageError('--expect-hash needs --expect-seq (the seq of that head)');
    return undefined;
  }
  if (!/^\d+$/.test(flags.expectSeq.trim())) {
    throw usageError(
      `--expect-seq must be the recorded head's seq (a whole number >= 0), not '${flags.expectSeq}'`,
    );
  }
  const seq = Number(flags.expectSeq);
  if (flags.expectHash !== undefined && !/^[0-9a-f]{64}$/.test(flags.expectHash)) {
    throw usageError(
      `--expect-hash must be the recorded head's hash (64 hex digits), not '${flags.expectHash}'`,
    );
  }
  return flags.expectHash === undefined ? { seq } : { seq, hash: flags.expectHash };
}

/** Runs `orchflow audit verify`. */
export async function auditVerify(file: string, flags: VerifyFlags): Promise<number> {
  return withUsageErrors(file, async () => verify(file, expectedHead(flags)));
}

async function verify(file: string, expected: { seq: number; hash?: string } | undefined): Promise<number> {
  const result = await verifyAuditLog(file, { expectedHead: expected });
  if (result.ok) {
    process.stdout.write(
      `ok: ${result.entries} entries, head seq ${result.head.seq} hash ${result.head.hash}\n`,
    );
    return 0;
  }
  const seq = result.seq === undefined ? '' : ` (seq ${result.seq})`;
  process.stdout.write(`BROKEN at line ${result.line}${seq}: ${result.reason}\n`);
  return 1;
}
