// Shared by the bypass tests: a decision checked from /tmp with a fixed home, and the two
// assertions they make of it, each naming the command when it fails.
import { expect } from 'vitest';
import type { CommandPolicy } from '../src/command/command-policy';

/** The home directory the checks run with (so `~` paths resolve the same everywhere). */
export const HOME = '/home/agent';

/** `policy`'s decision on `command`, from /tmp. */
export const check = (policy: CommandPolicy, command: string) =>
  policy.check(command, { cwd: '/tmp', home: HOME });

/** Expects `command` refused by exactly `rule`. */
export async function expectRefused(policy: CommandPolicy, command: string, rule: string): Promise<void> {
  const decision = await check(policy, command);
  expect({ command, allowed: decision.allowed, rule: decision.rule }).toEqual({
    command,
    allowed: false,
    rule,
  });
}

/** Expects `command` allowed. */
export async function expectAllowed(policy: CommandPolicy, command: string): Promise<void> {
  const decision = await check(policy, command);
  expect({ command, allowed: decision.allowed, rule: decision.rule }).toMatchObject({
    command,
    allowed: true,
  });
}
