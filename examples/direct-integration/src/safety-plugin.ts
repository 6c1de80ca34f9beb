// A plugin that keeps an AI agent away from destructive commands. Plugins see every command
// before it runs; answering `{ allow: false, reason }` blocks it with a PolicyDenied error.
import type { OrchflowPlugin } from '@orchflow/core';

const DANGEROUS = [/\brm\s+-[a-z]*r[a-z]*f?\s+\/(\s|$)/, /\bmkfs\b/, /\bdd\s+.*of=\/dev\//, /:\(\)\s*\{/];

/** Blocks commands that would wipe disks or fork-bomb the machine. */
export const aiSafetyPlugin: OrchflowPlugin = {
  metadata: { name: 'ai-safety', version: '1.0.0' },
  onCommandExecute({ command, agentId }) {
    const hit = DANGEROUS.find((pattern) => pattern.test(command));
    return hit ? { allow: false, reason: `agent '${agentId}' may not run destructive commands` } : true;
  },
};
