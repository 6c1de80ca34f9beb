// `orchflow audit verify FILE`: checks an audit log's hash chain and reports the first broken,
// edited, deleted or reordered entry. Exit 0 when intact, 1 when not.
import { verifyAuditLog } from '@orchflow/security';

export interface VerifyFlags {
  expectSeq?: string;
  expectHash?: string;
}

/** Runs `orchflow audit verify`. */
export async function auditVerify(file: string, flags: VerifyFlags): Promise<number> {
  const expectedHead =
    flags.expectSeq !== undefined && flags.expectHash !== undefined
      ? { seq: Number(flags.expectSeq), hash: flags.expectHash }
      : undefined;
  const result = await verifyAuditLog(file, { expectedHead });
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
