// Secret redaction at the source, on real terminals (issue 16): a terminal given a redaction shows
// `[REDACTED:<NAME>]` for its secretEnv values everywhere — scrollback, streams, ExecResult,
// history — also when a value is split across the program's writes (held, then completed), cut
// inside a multi-byte character, printed on stderr in scripted mode, or printed just before exit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { createRedactor } from '@orchflow/security';
import { Terminal, type TerminalSpawnOptions } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode } from './helpers';

const TOKEN = 'tok-päss€wörd😀-42';
const terminals: Terminal[] = [];
afterEach(async () => {
  await Promise.all(terminals.splice(0).map((t) => t.kill().catch(() => undefined)));
});

async function spawn(options: TerminalSpawnOptions = {}): Promise<Terminal> {
  const terminal = await Terminal.spawn({
    cwd: mkdtempSync(join(tmpdir(), 'orchflow-redact-')),
    secretEnv: { TOKEN },
    redaction: createRedactor({ secrets: [{ name: 'TOKEN', value: TOKEN }] }),
    ...options,
  });
  terminals.push(terminal);
  return terminal;
}

function everything(terminal: Terminal): string {
  return terminal.read({ fromOffset: 0 }).data;
}

describe.each(['interactive', 'scripted'] as const)('%s terminal', (mode) => {
  it('shows a secretEnv value printed by the shell as [REDACTED:TOKEN]', async () => {
    const terminal = await spawn({ mode });
    const result = await terminal.execute('echo "$TOKEN"');
    expect(result.stdout).toBe('[REDACTED:TOKEN]\n');
    expect(everything(terminal)).toContain('[REDACTED:TOKEN]');
    expect(everything(terminal)).not.toContain('wörd');
  });

  it('redacts a multi-line value (as a token file read with its final newline is)', async () => {
    const multi = 'line-one-secret\nline-two-secret\n';
    const terminal = await spawn({
      mode,
      secretEnv: { TOKEN: multi },
      redaction: createRedactor({ secrets: [{ name: 'TOKEN', value: multi }] }),
    });
    const result = await terminal.execute('printf "%s" "$TOKEN"; echo "$TOKEN"');
    expect(result.stdout).not.toContain('-secret');
    expect(everything(terminal)).not.toContain('-secret');
    expect(result.stdout).toContain('[REDACTED:TOKEN]');
  });

  it('redacts a value split across writes (held until the rest arrives), cut inside a character', async () => {
    // The hold is long here so the split is certain to be decided by the bytes, not the timer.
    const terminal = await spawn({ mode, redactionHoldMs: 5000 });
    // The first write ends after 16 bytes: "ü€tok-päss" and the first byte of '€'.
    const result = await terminal.execute(`printf 'ü€%s😀é\\n' "$TOKEN" | { head -c 16; sleep 0.2; cat; }`);
    expect(result.stdout).toBe('ü€[REDACTED:TOKEN]😀é\n');
    expect(everything(terminal)).not.toContain('wörd');
    expect(everything(terminal)).not.toContain('\uFFFD');
  });

  it('releases a held prefix that is not a secret after the hold time, while the program still runs', async () => {
    const terminal = await spawn({ mode });
    const seen: string[] = [];
    terminal.onData((chunk) => seen.push(chunk.data));
    // Octal escapes: the command's own echo does not show "tok-".
    const result = await terminal.execute('printf "to\\153-"; sleep 2; printf "x\\n"');
    expect(result.stdout).toBe('tok-x\n');
    // "tok-" (a possible start of TOKEN) went out on its own, during the seconds the command slept.
    expect(seen.some((c) => c.includes('tok-') && !c.includes('tok-x'))).toBe(true);
  });
});

describe('scripted terminal', () => {
  it('redacts stdout and stderr each on its own, split values included', async () => {
    const terminal = await spawn({ mode: 'scripted', redactionHoldMs: 5000 });
    const result = await terminal.execute(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not a template.
      'printf "%s" "${TOKEN:0:7}"; printf "err %s" "${TOKEN:0:5}" >&2; sleep 0.2; printf "%s\\n" "${TOKEN:7}"; printf "%s\\n" "${TOKEN:5}" >&2',
    );
    expect(result.stdout).toBe('[REDACTED:TOKEN]\n');
    expect(result.stderr).toBe('err [REDACTED:TOKEN]\n');
    expect(everything(terminal)).not.toContain('wörd');
  });
});

describe('interactive terminal', () => {
  it('redacts ExecResult.stdout when colour codes split the secret in the raw output', async () => {
    const terminal = await spawn();
    // As `rg`/`grep --color` print a match: an escape sequence inside the secret's bytes.
    const result = await terminal.execute(`printf 'tok-p\\033[1;31mäss€wörd😀-42\\033[0m\\n'`);
    expect(result.stdout).toBe('[REDACTED:TOKEN]\n');
    // The screen draws it whole, as does a bare \r that overwrote nothing of it.
    await terminal.execute(`printf 'tok-päss€wö\\rtok-päss€wörd😀-42\\n'`);
    const screen = (await terminal.snapshot()).lines.join('\n');
    expect(screen).not.toContain(TOKEN);
    expect(screen.match(/\[REDACTED:TOKEN\]/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('does not lose a held prefix printed just before the shell exits', async () => {
    const terminal = await spawn();
    // SIGKILL: the shell dies without a word ("exit" would follow and decide the tail).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const result = await terminal.execute('printf "%s" "${TOKEN:0:6}"; kill -9 $$');
    expect(result.shellExited).toBe(true);
    await terminal.exited;
    expect(everything(terminal)).toContain('tok-pä');
  });

  it('redacts secrets in the command history', async () => {
    const terminal = await spawn();
    await terminal.execute(`echo '${TOKEN}' >/dev/null`);
    const [record] = terminal.history();
    expect(record?.command).toBe("echo '[REDACTED:TOKEN]' >/dev/null");
  });

  it('leaves a terminal without secrets on the plain path (the same bytes)', async () => {
    const terminal = await Terminal.spawn({ cwd: tmpdir() });
    terminals.push(terminal);
    const result = await terminal.execute('echo AKIA$(printf IOSFODNN7EXAMPLE)');
    expect(result.stdout).toBe('AKIAIOSFODNN7EXAMPLE\n');
  });

  it('refuses secretEnv without a redaction, and a bad hold time', async () => {
    const error = await Terminal.spawn({ cwd: tmpdir(), secretEnv: { TOKEN } }).catch((e: unknown) => e);
    expect(expectCode(error, ErrorCode.InvalidParams).message).toMatch(/secretEnv needs a redaction/);
    const hold = await Terminal.spawn({
      cwd: tmpdir(),
      redaction: createRedactor(),
      redactionHoldMs: 0,
    }).catch((e: unknown) => e);
    expect(expectCode(hold, ErrorCode.InvalidParams).message).toMatch(/redactionHoldMs/);
  });
});
