// Registers `orchflow audit verify`; audit.ts (and @orchflow/security) is loaded when it runs.
import type { Command } from 'commander';
import type { VerifyFlags } from './audit';

/** Registers `audit verify` on `program`. */
export function registerAudit(program: Command, done: (code: number) => void): void {
  const audit = program.command('audit').description('Audit log tools');
  audit
    .command('verify')
    .description("Verify an audit log's hash chain; exits 1 at the first broken entry")
    .argument('<file>', 'audit log (JSON lines)')
    .option('--expect-seq <n>', 'head seq recorded elsewhere: a log that ends before it was truncated')
    .option(
      '--expect-hash <hash>',
      "that head's hash (with --expect-seq): a log whose entry there differs was rewritten",
    )
    .action(async (file: string, flags: VerifyFlags) =>
      done(await (await import('./audit')).auditVerify(file, flags)),
    );
}
