// `orchflow audit verify FILE`: checks an audit log's hash chain and reports the first broken,
// edited, deleted or reordered entry. Exit 0 when intact, 1 when not.
import { verifyAuditLog } from '@orchflow/security';
import type { Command } from 'commander';

interface VerifyFlags {
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

/** Registers `audit verify` on `program`. */
export function registerAudit(program: Command, done: (code: number) => void): void {
  const audit = program.command('audit').description('Audit log tools');
  audit
    .command('verify')
    .description("Verify an audit log's hash chain; exits 1 at the first broken entry")
    .argument('<file>', 'audit log (JSON lines)')
    .option('--expect-seq <n>', 'head seq recorded elsewhere (detects truncation)')
    .option('--expect-hash <hash>', 'head hash recorded elsewhere')
    .action(async (file: string, flags: VerifyFlags) => done(await auditVerify(file, flags)));
}
