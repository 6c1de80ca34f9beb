// Runs a document's orchflow blocks one after another in ONE persistent terminal, so `cd`,
// variables and functions carry from block to block as in a notebook; returns each block's output.
import { type OrchflowClient, policyDenial, type RemoteTerminal } from '@orchflow/client';
import type { BlockOutput, RunnableBlock } from './document';

/** Options of {@link runBlocks}. */
export interface RunBlocksOptions {
  /** Working directory of the terminal (the document's directory). */
  cwd: string;
  /** Limit per block unless the block sets `timeout=`. */
  timeoutMs: number;
  /** Run the blocks after a failing one too (default: stop at the first failure). */
  keepGoing: boolean;
  /** Hears each block's outcome as it ends. */
  onBlock?: (block: RunnableBlock, result: BlockResult) => void;
}

/** One block's outcome. */
export interface BlockResult {
  output: BlockOutput;
  /** The exit status matched the block's `exit=` (default 0). */
  ok: boolean;
  durationMs: number;
  /**
   * Why a block was `not run`, on one line for the console (the output written to the file has
   * the full message): `denied by policy: <rule>: <reason>`, or the error.
   */
  notRunReason?: string;
}

/** The outputs by block index; blocks not run (after a failure) are undefined. */
export async function runBlocks(
  client: OrchflowClient,
  blocks: RunnableBlock[],
  options: RunBlocksOptions,
): Promise<Array<BlockResult | undefined>> {
  const results: Array<BlockResult | undefined> = blocks.map(() => undefined);
  if (blocks.length === 0) return results;
  // Wide and fixed, so tools that format for the terminal's width print the same on every run.
  const terminal = await client.spawnTerminal('markdown-runner', { cwd: options.cwd, cols: 120, rows: 40 });
  try {
    for (const [i, block] of blocks.entries()) {
      const result = await runOne(terminal, block, block.timeoutMs ?? options.timeoutMs);
      results[i] = result;
      options.onBlock?.(block, result);
      if (!result.ok && !options.keepGoing) break;
    }
  } finally {
    await terminal.kill().catch(() => undefined);
  }
  return results;
}

async function runOne(
  terminal: RemoteTerminal,
  block: RunnableBlock,
  timeoutMs: number,
): Promise<BlockResult> {
  const started = performance.now();
  try {
    const result = await terminal.execute(block.code, { timeoutMs });
    const text = result.stdout.replace(/\s+$/, '');
    if (result.timedOut) {
      return {
        output: { status: `timed out after ${timeoutMs / 1000}s`, text },
        ok: false,
        durationMs: result.durationMs,
      };
    }
    const status =
      result.exitCode === null
        ? `ended by ${result.signal ?? 'an unknown cause'}`
        : `exit ${result.exitCode}`;
    return {
      output: { status, text },
      ok: result.exitCode === block.expectExit,
      durationMs: result.durationMs,
    };
  } catch (error) {
    // Refused by the policy, or the shell is gone (an earlier block ran `exit`): record why, in
    // place of output.
    const message = error instanceof Error ? error.message : String(error);
    const denial = policyDenial(error);
    const reason = denial ? `denied by policy: ${denial.rule}: ${denial.reason}` : message;
    return {
      output: { status: 'not run', text: message },
      ok: false,
      durationMs: performance.now() - started,
      notRunReason: reason.replace(/\s+/g, ' ').trim(),
    };
  }
}
