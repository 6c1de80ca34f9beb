// The tokens file the server loads: two agents with their own token, their own agent ids and
// their own security policy, on top of the orchestrator's. Same format as `orchflow serve --tokens`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateToken, type TokenConfig } from '@orchflow/server';

/** The two agents of the example, by name. */
export type AgentName = 'alice' | 'bob';

/** A generated token per agent (fresh on every start). */
export type AgentTokens = Record<AgentName, string>;

/**
 * Bob's allowlist: only programs that take no path. An allowlist names programs, not the files
 * they open — `cat` or `ls` on it would let Bob read any file the server's user can, the tokens
 * file included — so Bob gets `echo`, `pwd` and `date` (without its file options), and no
 * redirections (`canWriteFiles`/`canReadFiles` off refuse `> file` and `< file`).
 */
export const BOB_COMMANDS = [
  'echo',
  'pwd',
  // -f/--file reads dates from a file, -r/--reference stats one, -s/--set changes the clock.
  { command: 'date', deniedOptions: ['-f', '--file', '-r', '--reference', '-s', '--set'] },
];

/**
 * Alice works under `standard` (what `orchflow serve --ws` uses by default); Bob is restricted:
 * {@link BOB_COMMANDS}, no file reads or writes, and a 10 s execute cap, so a command Alice may
 * run (`uname -sr`) is refused for Bob with `PolicyDenied` (rule `connection:allowedCommands…`).
 */
export function tokenConfig(tokens: AgentTokens): TokenConfig {
  return {
    tokens: [
      {
        token: tokens.alice,
        principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice-' },
        policy: 'standard',
      },
      {
        token: tokens.bob,
        principal: { kind: 'agent', name: 'bob', agentIdPrefix: 'bob-' },
        policy: {
          allowedCommands: BOB_COMMANDS,
          capabilities: { canReadFiles: false, canWriteFiles: false },
          maxTerminalsPerAgent: 2,
          resourceLimits: { executionTimeoutMs: 10_000 },
        },
      },
    ],
  };
}

/** Writes a tokens file with fresh tokens into `dir` (owner-only, as a secrets file should be). */
export async function writeTokensFile(dir: string): Promise<{ path: string; tokens: AgentTokens }> {
  const tokens: AgentTokens = { alice: generateToken(), bob: generateToken() };
  const path = join(dir, 'tokens.json');
  await writeFile(path, `${JSON.stringify(tokenConfig(tokens), null, 2)}\n`, { mode: 0o600 });
  return { path, tokens };
}
