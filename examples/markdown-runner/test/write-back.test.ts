// Writing back safely: the file is re-read before writing and left alone when it was edited while
// the blocks ran (exit 3, nothing written), and --policy judges every block's command.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMd, tempDoc } from './helpers';

const fence = '```';

/** Resolves once `path` exists (the block's own marker file), failing after `timeoutMs`. */
async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('orchflow-md writing back', () => {
  it('refuses to write over edits made while a block ran: exit 3, the edit kept, no temp file left', async () => {
    // The block announces it runs (started.marker), then waits for the test's go.marker.
    const original = `# Doc\n\n${fence}orchflow\ntouch started.marker\nuntil [ -e go.marker ]; do sleep 0.05; done\necho finished\n${fence}\n`;
    const file = tempDoc(original);
    const dir = dirname(file);
    const running = runMd(file);
    await waitForFile(join(dir, 'started.marker'));
    const edited = `${original}\nA paragraph someone added meanwhile.\n`;
    writeFileSync(file, edited);
    writeFileSync(join(dir, 'go.marker'), '');
    const run = await running;

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('changed while its blocks ran; nothing written');
    expect(readFileSync(file, 'utf8')).toBe(edited);
    expect(readdirSync(dir).sort()).toEqual(['doc.md', 'go.marker', 'started.marker']);

    // Run again on the edited file: now it writes, through a rename (no temp file left).
    const again = await runMd(file);
    expect(again.code).toBe(0);
    expect(again.text).toContain('A paragraph someone added meanwhile.');
    expect(again.text).toContain(`<!-- orchflow-output: exit 0 -->\n${fence}text\nfinished\n${fence}`);
    expect(readdirSync(dir).sort()).toEqual(['doc.md', 'go.marker', 'started.marker']);
  });
});

describe('orchflow-md --policy', () => {
  it('standard refuses a privileged command and records why in place of its output', async () => {
    const file = tempDoc(`${fence}orchflow\nsudo true\n${fence}\n\n${fence}orchflow\necho after\n${fence}\n`);
    const run = await runMd(file, '--policy', 'standard', '--keep-going');
    expect(run.code).toBe(1);
    expect(run.text).toMatch(/<!-- orchflow-output: not run -->\n```text\n.*sudo/);
    expect(run.text).toContain(`${fence}text\nafter\n${fence}`);
    // The reason is on the console too, on the block's one progress line, not only in the file.
    const refused = run.stderr.split('\n').find((line) => line.startsWith('FAIL line 1:'));
    expect(refused).toMatch(/^FAIL line 1: not run — denied by policy: \S.*: .*sudo/);
  });

  it('standard refuses a cd to a variable (unknown cwd) and accepts the same block with literal paths', async () => {
    const dir = dirname(tempDoc(''));
    const block = (cd: string) =>
      `${fence}orchflow\n${cd}\nprintf 'pear\\n' > fruit.txt\nwc -l < fruit.txt\n${fence}\n`;
    const variable = await runMd(tempDoc(block(`WORK=${dir}\ncd "$WORK"`)), '--policy', 'standard');
    expect(variable.code).toBe(1);
    expect(variable.stderr).toContain(
      'FAIL line 1: not run — denied by policy: forbidden-path:unknown-cwd: ',
    );
    expect(existsSync(join(dir, 'fruit.txt'))).toBe(false);

    const literal = await runMd(tempDoc(block(`cd ${dir}`)), '--policy', 'standard');
    expect(literal.stderr).toMatch(/^ok {3}line 1: exit 0/m);
    expect(literal.code).toBe(0);
    expect(readFileSync(join(dir, 'fruit.txt'), 'utf8')).toBe('pear\n');
  });

  it('locked runs read-only commands and refuses one that writes a file', async () => {
    const file = tempDoc(
      `${fence}orchflow\necho hi\n${fence}\n\n${fence}orchflow\ntouch planted\n${fence}\n`,
    );
    const run = await runMd(file, '--policy', 'locked', '--keep-going');
    expect(run.code).toBe(1);
    expect(run.text).toContain(`<!-- orchflow-output: exit 0 -->\n${fence}text\nhi\n${fence}`);
    expect(run.text).toContain("'touch planted' in 'touch planted' is not in allowedCommands");
    expect(existsSync(join(dirname(file), 'planted'))).toBe(false);
  });

  it('an unknown policy is a usage error', async () => {
    const run = await runMd(tempDoc(`${fence}orchflow\necho x\n${fence}\n`), '--policy', 'lax');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--policy 'lax' must be one of standard, locked");
  });
});
