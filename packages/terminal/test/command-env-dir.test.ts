import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { commandEnvFunctions } from '../src/shell-integration/command-env';

// The env hooks are generated once per shell and given each terminal's directory by substitution:
// a directory whose name holds quotes or replacement patterns must come out quoted and whole.
describe("the env hooks name their terminal's directory", () => {
  const dir = "/tmp/it's $& $' $` $$ dir";
  const quoted = `'/tmp/it'\\''s $& $'\\'' $\` $$ dir'/env-"$1"`;

  test.each(['bash', 'zsh'] as const)('%s: every reference, quoted, nothing of another terminal', (shell) => {
    const first = commandEnvFunctions(shell, '/tmp/first');
    const text = commandEnvFunctions(shell, dir);
    const references = first.split(`'/tmp/first'/env-"$1"`).length - 1;
    expect(references).toBeGreaterThan(0);
    expect(text.split(quoted).length - 1).toBe(references);
    expect(text).not.toContain('/tmp/first');
    expect(text).not.toContain('\0');
  });

  test.each(['bash', 'zsh'] as const)('%s parses them', (shell) => {
    expect(() => execFileSync(shell, ['-n'], { input: commandEnvFunctions(shell, dir) })).not.toThrow();
  });
});
