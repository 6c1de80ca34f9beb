// The plugin in a real `nvim --headless` (Debian's 0.7.2 here) against a real
// `orchflow serve --stdio`: each Lua script writes what a user would see as JSON, asserted here.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const plugin = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../../../packages/server/dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` at the repository root first`);
const server = [process.execPath, cli, 'serve', '--stdio', '--log-level', 'warn'];

/** Runs `nvim --headless -u NONE` with the plugin on 'runtimepath' and a test script; returns its report. */
async function nvim<T>(script: string): Promise<{ code: number | null; stderr: string; report: T }> {
  const out = join(mkdtempSync(join(tmpdir(), 'orchflow-nvim-')), 'report.json');
  const child = spawn(
    'nvim',
    ['--headless', '-u', 'NONE', '--cmd', `set rtp+=${plugin}`, '-c', `luafile ${script}`],
    {
      cwd: plugin,
      env: { ...process.env, ORCHFLOW_TEST_OUT: out, ORCHFLOW_TEST_SERVER: JSON.stringify(server) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  // Generous for a loaded CI machine (a server start alone can take seconds); normally ~10 s.
  const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stderr, report: JSON.parse(readFileSync(out, 'utf8')) as T };
}

/** What test/framing.lua reports per case. */
interface Decoded {
  messages?: unknown[];
  pending?: number;
  error?: string;
}
type FramingReport = Record<
  'byte_by_byte' | 'coalesced' | 'split_header' | 'split_utf8' | 'partial' | 'bad_length' | 'bad_json',
  Decoded
> & {
  encoded_length: number;
  body_bytes: number;
  large: {
    error?: string;
    count: number;
    text_ok: boolean;
    second: unknown;
    pending: number;
    chunks: number;
    ms: number;
  };
};

/** What test/run.lua reports. */
interface RunReport {
  error?: string;
  runs: { status: string; statusline: string }[];
  buffer: string[];
  windows: number;
  notifications: { message: string; level: number }[];
  server_pid: number;
  stopped_pid?: number;
  error_tail: string[];
  exit_tail: string[];
  exit_server_pid: number;
  busy_refusal: unknown;
  exit_once_log: string[];
  exit_log: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('orchflow.nvim in nvim --headless', () => {
  it('decodes Content-Length frames split anywhere or coalesced, and rejects corrupt ones', async () => {
    const { code, report } = await nvim<FramingReport>('test/framing.lua');
    expect(code).toBe(0);
    const three = [
      { jsonrpc: '2.0', id: 1, result: { text: 'café ☕' } },
      { jsonrpc: '2.0', method: 'terminal.output', params: { data: 'a\r\nb' } },
      { jsonrpc: '2.0', id: 2, result: null },
    ];
    expect(report.byte_by_byte).toEqual({ messages: three, pending: 0 });
    expect(report.coalesced).toEqual({ messages: three, pending: 0 });
    expect(report.split_header).toEqual({ messages: three.slice(0, 2), pending: 0 });
    expect(report.split_utf8).toEqual({ messages: three.slice(0, 1), pending: 0 });
    expect(report.partial.messages).toEqual([]);
    expect(report.partial.pending).toBeGreaterThan(0);
    expect(report.bad_length.error).toMatch(/bad Content-Length: x/);
    expect(report.bad_json.error).toMatch(/invalid JSON in frame/);
    expect(report.encoded_length).toBe(report.body_bytes); // bytes, not characters
    // A 2 MiB body in 512 chunks decodes whole (chunks joined once), with the next frame after it.
    expect(report.large).toMatchObject({ count: 2, text_ok: true, second: 'after', pending: 0, chunks: 513 });
    expect(report.large.error).toBeUndefined();
  });

  it(':OrchflowRun runs commands in one persistent terminal, with results buffer and status line', async () => {
    const { code, stderr, report } = await nvim<RunReport>('test/run.lua');
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);

    const statuses = report.runs.map((r) => [r.status, r.statusline]);
    expect(statuses).toEqual([
      ['orchflow: exit 3', 'orchflow: exit 3'],
      ['orchflow: exit 0', 'orchflow: exit 0'],
      ['orchflow: exit 1', 'orchflow: exit 1'],
      ['orchflow: exit 0', 'orchflow: exit 0'],
      ['orchflow: exit 0', 'orchflow: exit 0'],
      ['orchflow: exit 7', 'orchflow: exit 7'],
      ['orchflow: exit 0', 'orchflow: exit 0'],
      ['orchflow: error', 'orchflow: error'],
      ['orchflow: exit 0', 'orchflow: exit 0'],
    ]);

    const buffer = report.buffer;
    const text = buffer.join('\n');
    expect(text).toMatch(/^\$ echo hello; \(exit 3\)\nhello\n\[exit 3 in \d+ ms\]\n\n/);
    // cd and export in one run, seen by the next: the same shell.
    expect(text).toContain('$ echo "$PWD $ORCHFLOW_NVIM"; false\n/tmp kept\n[exit 1 in ');
    // 20000 lines (about 110 KB in one answer, many stdout chunks) arrive whole and in order.
    const first = buffer.indexOf('1');
    expect(buffer.slice(first, first + 20_000)).toEqual(
      Array.from({ length: 20_000 }, (_, i) => String(i + 1)),
    );
    expect(buffer[first + 20_000]).toBe('café');
    expect(report.busy_refusal).toEqual({
      refused: ['busy'],
      still_busy: true,
      note: { message: 'orchflow: a command is still running; wait for it to finish', level: 3 },
    });
    expect(text).toContain('$ sleep 0.5; echo slept\nslept\n[exit 0 in ');
    expect(text).not.toContain('$ echo second');
    // A command that ends the shell ran once (not again on a new shell); the next run got a fresh shell.
    expect(report.exit_once_log).toEqual(['ran']);
    expect(report.exit_log).toEqual(['ran', 'again']);
    expect(text).toContain('fresh []\n[exit 0 in ');
    expect(report.windows).toBe(2); // the results buffer opened in a split
    expect(report.notifications[0]).toEqual({ message: 'orchflow: echo hello; (exit 3) → exit 3', level: 3 });

    // stop(): the server and its shell are gone.
    const shell = Number(/^shell (\d+)$/m.exec(text)?.[1]);
    expect(report.stopped_pid).toBeUndefined();
    expect(alive(report.server_pid)).toBe(false);
    expect(alive(shell)).toBe(false);

    // A server command that does not exist: a clear message in the buffer, the status and a notification.
    expect(report.error_tail[1]).toMatch(
      /^\[error: cannot start the orchflow server \(orchflow-not-installed-here serve --stdio\): .*'orchflow-not-installed-here' is not executable\. Set the command with require\('orchflow'\)\.setup\(\{ cmd = \{ \.\.\. \} \}\)\]$/,
    );
    expect(report.notifications.at(-2)).toMatchObject({
      level: 4,
      message: expect.stringContaining('is not executable'),
    });

    // Quitting Neovim with a server running (VimLeavePre) leaves no process behind.
    const lastShell = Number(/^shell (\d+)$/.exec(report.exit_tail[1] ?? '')?.[1]);
    expect(lastShell).toBeGreaterThan(0);
    expect(alive(report.exit_server_pid)).toBe(false);
    expect(alive(lastShell)).toBe(false);
  }, 60_000);
});
