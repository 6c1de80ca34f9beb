// orchflow-md: runs a Markdown file's orchflow blocks and writes their outputs back under them,
// or with --check only tells whether the outputs in the file are stale. Embeds an orchestrator.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { parseDocument, renderDocument } from './document';
import { type BlockResult, runBlocks } from './runner';
import { FileChangedError, replaceIfUnchanged } from './write-back';

/** Printed by `--help` and after a usage error. */
export const USAGE = `Usage: orchflow-md [options] FILE.md

Runs every \`\`\`orchflow block of FILE.md in one persistent shell (cd and variables carry over)
and writes each block's output and exit status under it. Re-running replaces those outputs.
The blocks run as you, with your files and network: run only documents you trust, or use --policy.

Options:
  --check              do not write: exit 1 if any output in the file is stale (for CI)
  -k, --keep-going     run the blocks after a failing one too (default: stop there)
  -t, --timeout SECS   limit per block, in seconds (default 60; a block's timeout=N wins)
  --policy NAME        judge every command by orchflow's security policy: standard (denies
                       destructive and privileged commands and secret paths) or locked
                       (read-only and test commands, sandboxed, no network); default: none
  -h, --help           show this help

A block fails when its exit status is not the expected one: 0, or N with \`\`\`orchflow exit=N.
Exit status: 0 all blocks passed (and with --check: outputs current), 1 a block failed or
(--check) outputs are stale, 2 usage error or malformed document, 3 FILE changed while its
blocks ran (nothing written: re-run it).`;

/** Where main writes; replaceable for embedding. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs orchflow-md with `argv` and resolves with the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  let args: CliArgs;
  let source: string;
  let doc: ReturnType<typeof parseDocument>;
  try {
    const parsed = parseCli(argv);
    if (parsed === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    args = parsed;
  } catch (error) {
    io.stderr(`orchflow-md: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    source = readFileSync(args.file, 'utf8');
    doc = parseDocument(source);
  } catch (error) {
    // A missing file, or a malformed orchflow block (InvalidParams naming its line).
    io.stderr(`orchflow-md: ${args.file}: ${(error as Error).message}\n`);
    return 2;
  }

  const builder = Orchestrator.builder().withMaxTerminals(1);
  if (args.policy) builder.withSecurityPolicy(SecurityPresets[args.policy]);
  const orchestrator = builder.build();
  const client = await OrchflowClient.direct(orchestrator);
  let results: Awaited<ReturnType<typeof runBlocks>>;
  try {
    results = await runBlocks(client, doc.blocks, {
      cwd: dirname(resolve(args.file)),
      timeoutMs: args.timeoutMs,
      keepGoing: args.keepGoing,
      onBlock: (block, result) => io.stderr(`${progressLine(block.line, result)}\n`),
    });
  } catch (error) {
    // The terminal could not be spawned (e.g. the directory is gone): nothing ran, nothing is written.
    io.stderr(`orchflow-md: cannot run ${args.file}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await client.close();
    await orchestrator.shutdown();
  }

  const failed = results.filter((result) => result && !result.ok).length;
  const notRun = results.filter((result) => result === undefined).length;
  if (notRun > 0) io.stderr(`stopped after a failing block: ${notRun} block(s) not run (use --keep-going)\n`);
  const updated = renderDocument(
    doc,
    results.map((result) => result?.output),
  );
  const stale = doc.blocks.filter((block, i) => {
    const output = results[i]?.output;
    return output && (block.output?.status !== output.status || block.output?.text !== output.text);
  });

  if (args.check) {
    for (const block of stale) io.stderr(`stale: output of the block at line ${block.line}\n`);
    io.stdout(
      stale.length === 0 && updated === source
        ? `${args.file}: outputs are current\n`
        : `${args.file}: ${stale.length} stale output(s); run orchflow-md ${args.file} to update\n`,
    );
    return failed > 0 || stale.length > 0 || updated !== source ? 1 : 0;
  }
  if (updated !== source) {
    try {
      // The blocks may have run for minutes: write only over the text they were read from.
      replaceIfUnchanged(args.file, source, updated);
    } catch (error) {
      if (!(error instanceof FileChangedError)) throw error;
      io.stderr(`orchflow-md: ${error.message}\n`);
      return 3;
    }
  }
  io.stdout(
    `${args.file}: ${doc.blocks.length} block(s), ${failed} failed, ${updated === source ? 'unchanged' : `${stale.length} output(s) updated`}\n`,
  );
  return failed > 0 ? 1 : 0;
}

/**
 * `ok   line 12: exit 0 (170 ms)`, or for a block that did not run, why — a refusal would otherwise
 * show only in the file: `FAIL line 12: not run — denied by policy: <rule>: <reason>`.
 */
function progressLine(line: number, result: BlockResult): string {
  const head = `${result.ok ? 'ok  ' : 'FAIL'} line ${line}: ${result.output.status}`;
  if (result.notRunReason !== undefined) return `${head} — ${result.notRunReason}`;
  return `${head} (${Math.round(result.durationMs)} ms)`;
}

/** The policies --policy accepts: presets of @orchflow/security. */
const POLICIES = ['standard', 'locked'] as const;

/** What the command line asked for. */
interface CliArgs {
  file: string;
  check: boolean;
  keepGoing: boolean;
  timeoutMs: number;
  policy: (typeof POLICIES)[number] | undefined;
}

function parseCli(argv: string[]): 'help' | CliArgs {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw usage((error as Error).message); // parseArgs' own TypeError: unknown option, missing value
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw usage(`expected one Markdown file, got ${positionals.length}`);
  const timeout = values.timeout ?? '60';
  if (!/^\d+(\.\d+)?$/.test(timeout) || Number(timeout) <= 0) {
    throw usage(`--timeout '${timeout}' must be a positive number of seconds`);
  }
  const policy = values.policy;
  if (policy !== undefined && !POLICIES.includes(policy as CliArgs['policy'] & string)) {
    throw usage(`--policy '${policy}' must be one of ${POLICIES.join(', ')}`);
  }
  return {
    policy: policy as CliArgs['policy'],
    file: positionals[0] as string,
    check: values.check ?? false,
    keepGoing: values['keep-going'] ?? false,
    timeoutMs: Math.round(Number(timeout) * 1000),
  };
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      check: { type: 'boolean' },
      'keep-going': { type: 'boolean', short: 'k' },
      timeout: { type: 'string', short: 't' },
      policy: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A command-line mistake: InvalidParams, printed with the usage (exit 2). */
function usage(message: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, message);
}
