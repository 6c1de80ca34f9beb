// orchflow-md driven for real on temp copies: one persistent shell per document, outputs written
// back idempotently, failures recorded and stopping (or not) the run, --check for CI, and fences
// parsed as CommonMark does.
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../src/document';
import { count, runMd, tempDoc } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const fence = '```';

/** A document of orchflow blocks (each entry: [info extra, code]). */
function doc(...blocks: Array<[string, string]>): string {
  return blocks
    .map(([extra, code], i) => `Step ${i + 1}.\n\n${fence}orchflow${extra}\n${code}\n${fence}\n`)
    .join('\n');
}

describe('orchflow-md', () => {
  it('runs every block in one shell: cd, variables and functions carry over; outputs go under each block', async () => {
    const file = tempDoc(
      doc(
        ['', 'cd "$(mktemp -d)" && mkdir -p sub && cd sub\nNAME=orchflow'],
        ['', 'greet() { echo "hi $1 from $(basename "$PWD")"; }'],
        ['', 'greet "$NAME"'],
      ),
    );
    const run = await runMd(file);
    expect(run.code).toBe(0);
    expect(run.text).toContain(
      `${fence}orchflow\ngreet "$NAME"\n${fence}\n<!-- orchflow-output: exit 0 -->\n${fence}text\nhi orchflow from sub\n${fence}\n`,
    );
    expect(count(run.text, '<!-- orchflow-output:')).toBe(3);
  });

  it('is idempotent: a second run leaves the file byte-identical; an edited block has its output replaced, not repeated', async () => {
    const file = tempDoc(doc(['', 'echo one'], ['', 'printf "a\\nb\\n"']));
    const first = await runMd(file);
    expect(first.code).toBe(0);
    const second = await runMd(file);
    expect(second.text).toBe(first.text);
    expect(second.stdout).toContain('unchanged');

    writeFileSync(file, first.text.replace('echo one', 'echo two'));
    const third = await runMd(file);
    expect(count(third.text, '<!-- orchflow-output:')).toBe(2);
    expect(third.text).toContain(`<!-- orchflow-output: exit 0 -->\n${fence}text\ntwo\n${fence}`);
    expect(third.text).not.toContain('\none\n');
    expect(third.text).toBe(first.text.replace(/one/g, 'two'));
  });

  it("records a failing block's exit status and stops there; --keep-going runs the rest", async () => {
    const text = doc(['', 'echo before'], ['', 'echo broken; (exit 3)'], ['', 'echo after']);
    const stopped = await runMd(tempDoc(text));
    expect(stopped.code).toBe(1);
    expect(stopped.text).toContain(`<!-- orchflow-output: exit 3 -->\n${fence}text\nbroken\n${fence}`);
    expect(stopped.text).not.toContain('\nafter\n');
    expect(count(stopped.text, '<!-- orchflow-output:')).toBe(2);
    expect(stopped.stderr).toContain('1 block(s) not run');

    const going = await runMd(tempDoc(text), '--keep-going');
    expect(going.code).toBe(1);
    expect(going.text).toContain(`<!-- orchflow-output: exit 3 -->`);
    expect(going.text).toContain(`${fence}text\nafter\n${fence}`);
  });

  it('a block with exit=N passes when it exits N; timeout=N interrupts a block that hangs', async () => {
    const file = tempDoc(
      doc(
        [' exit=1', 'grep -q nothing /dev/null'],
        [' timeout=1', 'echo waiting; sleep 30'],
        ['', 'echo never'],
      ),
    );
    const started = performance.now();
    const run = await runMd(file);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ok {3}line 3: exit 1/);
    expect(run.text).toContain(`<!-- orchflow-output: timed out after 1s -->\n${fence}text\nwaiting`);
    expect(run.text).not.toContain('\nnever\n');
  });

  it('--check exits 0 when outputs are current, 1 when stale, and never writes', async () => {
    const file = tempDoc(doc(['', 'echo fresh']));
    const missing = await runMd(file, '--check');
    expect(missing.code).toBe(1);
    expect(missing.text).not.toContain('orchflow-output'); // not written
    await runMd(file);
    const current = await runMd(file, '--check');
    expect(current.code).toBe(0);
    expect(current.stdout).toContain('outputs are current');

    const edited = current.text.replace('echo fresh', 'echo changed');
    writeFileSync(file, edited);
    const stale = await runMd(file, '--check');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale: output of the block at line 3');
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });

  it('the committed sample.md is current (its outputs are what running it produces)', async () => {
    const copy = tempDoc('', 'sample.md');
    copyFileSync(join(here, '..', 'sample.md'), copy);
    const run = await runMd(copy, '--check');
    expect(run.stderr).not.toContain('stale');
    expect(run.code).toBe(0);
  });

  it('keeps CRLF line ends and a missing final newline, and stays byte-identical on re-run', async () => {
    const file = tempDoc(`Intro\r\n\r\n${fence}orchflow\r\necho crlf\r\n${fence}`);
    const first = await runMd(file);
    expect(first.text).toBe(
      `Intro\r\n\r\n${fence}orchflow\r\necho crlf\r\n${fence}\r\n<!-- orchflow-output: exit 0 -->\r\n${fence}text\r\ncrlf\r\n${fence}`,
    );
    expect((await runMd(file)).text).toBe(first.text);
  });

  it('the executable exits 1 on a failing block and 2 on usage errors and malformed documents', async () => {
    const bin = join(here, '..', 'bin', 'orchflow-md.mjs');
    const exitOf = (...args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args]);
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.on('close', (code) => resolve({ code, err }));
      });
    expect((await exitOf(tempDoc(doc(['', 'false'])))).code).toBe(1);
    const unclosed = await exitOf(tempDoc(`# t\n\n${fence}orchflow\necho never closed\n`));
    expect(unclosed).toMatchObject({ code: 2 });
    expect(unclosed.err).toContain('block at line 3 is never closed');
    const usage = await runMd('/nonexistent/a.md', '--timeout', 'soon');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--timeout 'soon' must be a positive number");
    expect((await runMd('/nonexistent/a.md')).stderr).toContain('ENOENT');
    const attribute = await runMd(tempDoc(`${fence}orchflow retries=3\ntrue\n${fence}\n`));
    expect(attribute.code).toBe(2);
    expect(attribute.stderr).toContain("unknown attribute 'retries=3'");
  });
});

describe('fences', () => {
  it('finds orchflow blocks as CommonMark does and leaves code in other blocks alone', () => {
    const text = [
      '~~~markdown', // a tilde fence: ``` lines inside are content
      '```orchflow',
      'echo shown-not-run',
      '```',
      '~~~',
      '````md', // a longer backtick fence: a 3-backtick line does not close it
      '```orchflow',
      'echo also-not-run',
      '```',
      '````',
      '```orchflow ` not a fence: backtick in the info string',
      '    ```orchflow', // indented 4: an indented code line, not a fence
      '    echo indented',
      '    ```',
      '````orchflow',
      'cat <<E',
      '```',
      'E',
      '`````',
      'after',
    ].join('\n');
    const { blocks } = parseDocument(text);
    expect(blocks.map((b) => [b.line, b.code])).toEqual([[15, 'cat <<E\n```\nE']]);
  });

  it('treats a marker and text block right under an orchflow block (blank lines allowed) as its output', () => {
    const text = `${fence}orchflow\necho x\n${fence}\n\n<!-- orchflow-output: exit 0 -->\n${fence}text\nx\n${fence}\nnot output\n`;
    const [block] = parseDocument(text).blocks;
    expect(block?.output).toEqual({ marker: 4, end: 7, status: 'exit 0', text: 'x' });
  });
});
