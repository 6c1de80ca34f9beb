// A plugin that keeps an AI agent away from destructive commands. Plugins see every command
// before it runs; answering `{ allow: false, reason }` blocks it with a PolicyDenied error.
// The rules are judged by @orchflow/security's command policy, not by regular expressions over
// the text: it parses the line as bash does and matches each rule in every spelling of the same
// operation (`rm -Rf /`, `rm --recursive --force //`, `cd / && rm -rf .`, `\rm -rf /`, `bash -c …`).
import type { OrchflowPlugin } from '@orchflow/core';
import { CommandPolicy } from '@orchflow/security';

const destructive = new CommandPolicy({
  deniedCommands: ['rm -rf /', 'rm -rf ~', 'rm -rf /*', 'mkfs*', 'dd of=/dev/*', 'chmod -R 777 /'],
  dangerousVariables: [],
  protectShellIntegration: false,
});
// The classic fork bomb `:(){ :|:& };:` is a function, not a program a deny rule can name.
const FORK_BOMB = /:\(\)\s*\{/;

/** Blocks commands that would wipe disks or the file system, however they are spelled, and fork bombs. */
export const aiSafetyPlugin: OrchflowPlugin = {
  metadata: { name: 'ai-safety', version: '1.1.0' },
  async onCommandExecute({ command, agentId, cwd }) {
    const refuse = (why: string) => ({
      allow: false,
      reason: `agent '${agentId}' may not run destructive commands (${why})`,
    });
    if (FORK_BOMB.test(command)) return refuse('a fork bomb');
    const decision = await destructive.check(command, { cwd });
    return decision.allowed ? true : refuse(decision.reason);
  },
};
