// execute's onStart: called once the command runs and can read input, so input written from it
// reaches the command — in scripted mode (its stdin) and in a PTY (after the shell took the line).
import { afterEach, describe, expect, it } from 'vitest';
import { Terminal } from '../src/terminal';

let terminal: Terminal | undefined;
afterEach(async () => {
  await terminal?.kill();
  terminal = undefined;
});

describe.each(['scripted', 'interactive'] as const)('onStart in %s mode', (mode) => {
  it('fires once per command, when the command reads what is written to it', async () => {
    terminal = await Terminal.spawn({ mode, shell: 'bash' });
    const t = terminal;
    let calls = 0;
    // `read` takes one line; in a PTY the line must come after the shell took the command line,
    // or bash itself would read it as the next command.
    const result = await t.execute('read -r line; echo "got:$line"', {
      timeoutMs: 30_000,
      onStart: () => {
        calls++;
        t.write('hello\n');
      },
    });
    expect(result.stdout).toContain('got:hello');
    expect(result.exitCode).toBe(0);
    expect(calls).toBe(1);
  });

  it('is not called for a command cancelled while queued', async () => {
    terminal = await Terminal.spawn({ mode, shell: 'bash' });
    const abort = new AbortController();
    const first = terminal.execute('sleep 0.3', { timeoutMs: 30_000 });
    const calls: string[] = [];
    const second = terminal.execute('true', { signal: abort.signal, onStart: () => calls.push('second') });
    abort.abort();
    await expect(second).rejects.toMatchObject({ codeName: 'Cancelled' });
    await first;
    expect(calls).toEqual([]);
  });
});

describe('scripted stdin written as bytes', () => {
  it('feeds bytes up to an EOT byte and closes stdin there, as text does', async () => {
    terminal = await Terminal.spawn({ mode: 'scripted', shell: 'bash' });
    const t = terminal;
    const result = await t.execute('cat; echo "[eof]"', {
      timeoutMs: 30_000,
      onStart: () => t.write(new TextEncoder().encode('bytes ✓\n\x04ignored')),
    });
    expect(result.stdout).toBe('bytes ✓\n[eof]\n');
  });
});
