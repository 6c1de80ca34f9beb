// Registers `orchflow mcp`: its flags and help. The MCP server (mcp.ts: the orchestrator or a
// client, the MCP SDK) is loaded when the command runs, so other commands and --help do not load it.
import { type Command, Option } from 'commander';
import { reportError } from './errors';
import type { McpFlags } from './mcp';
import { USAGE_EXIT_CODE } from './recording-args';
import { parseSessionIdle } from './session-idle';

/** Registers `mcp` on `program`. */
export function registerMcp(program: Command, done: (code: number) => void): void {
  program
    .command('mcp')
    .description('Serve MCP on stdio: terminals for AI agents (Claude Desktop/Code, Cursor…)')
    .option(
      '--policy <preset|file>',
      'security policy: aiSafe, locked, standard, trusted or a JSON file',
      undefined,
    )
    .option('--read-only', 'expose only terminal_read, terminal_list, terminal_snapshot and terminal_wait')
    .option(
      '--connect <url>',
      'front a running orchflow serve (ws://…, http://…, unix:/path) instead of embedding one',
    )
    .option('--token <token>', 'token for --connect (default $ORCHFLOW_TOKEN)')
    .addOption(
      new Option('--backend <name>', 'terminal backend when embedded')
        .choices(['direct', 'tmux'])
        .default('direct'),
    )
    .option(
      '--audit-log <file>',
      'append every tool call (and, embedded, every policy decision and command end) to this hash-chained JSONL file',
    )
    .option('--tmux-socket <name>', 'tmux socket name for --backend tmux', 'orchflow')
    .option(
      '--session-idle <duration>',
      'close the session of a client unused this long (90s, 30m, 2h, ms; 0 = never; default 30m)',
      parseSessionIdle,
    )
    .addHelpText(
      'after',
      '\nAdd to an MCP client as the command `npx -y @orchflow/server mcp`, or from a built clone\n' +
        '`node <clone>/packages/server/dist/cli.mjs mcp` (see docs/mcp.md).\n' +
        'Default policy: standard. Denied commands come back to the agent as tool errors naming the rule.',
    )
    .action(async (flags: McpFlags) => {
      const { checkMcpFlags, runMcp } = await import('./mcp');
      const { effectivePolicy } = await import('./policy-flag');
      try {
        checkMcpFlags(flags);
        // A policy that cannot be loaded is a usage error too, as for `serve`.
        if (flags.policy !== undefined) await effectivePolicy(flags.policy, false);
      } catch (error) {
        reportError(error);
        done(USAGE_EXIT_CODE);
        return;
      }
      done(await runMcp(flags));
    });
}
