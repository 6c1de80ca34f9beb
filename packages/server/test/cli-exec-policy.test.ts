// `orchflow exec` without a server runs under a policy (`trusted` unless `--policy` says
// otherwise), as local serving does; piped input a PTY cannot take stops the run at once instead
// of leaving the command waiting for it; flag values that cannot work are usage errors (exit 2)
// on `exec`, `serve` and `mcp` alike; and a listener that cannot start says what to do.
import { type AddressInfo, createServer } from 'node:net';
import { ProtocolLimits } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EXEC_DENIED_EXIT_CODE, EXEC_FAILED_EXIT_CODE } from '../src/cli/exec';
import { MAX_EXEC_TIMEOUT_MS } from '../src/cli/exec-command';
import { parseOrigin } from '../src/cli/serve-flags';
import { listenerAddress, runCli, serveCli } from './cli-run';

// Each case starts the CLI from source (tsx, ~1–4 s of CPU cold); the timeouts are for a loaded machine.
describe('exec in-process', { timeout: 60_000 }, () => {
  it('runs under trusted by default, which refuses the catastrophic commands', async () => {
    // `mkfs*` is denied by every preset; `mkfsnothing` would only fail to be found if it ran.
    const run = await runCli(['exec', '--', 'mkfsnothing /dev/null']);
    expect(run.code).toBe(EXEC_DENIED_EXIT_CODE);
    expect(run.stderr).toMatch(/denied by security policy \(deniedCommands\[\d+\]: mkfs\*\)/);
  });

  it('runs under the policy --policy names', async () => {
    const denied = await runCli(['exec', '--policy', 'standard', '--', 'sudo -n true']);
    expect(denied.code).toBe(EXEC_DENIED_EXIT_CODE);
    expect(denied.stderr).toMatch(/denied by security policy \(deniedCommands\[\d+\]: sudo\)/);
    const allowed = await runCli(['exec', '--policy', 'standard', '--', 'echo fine']);
    expect(allowed).toMatchObject({ code: 0, stdout: 'fine\n' });
  });

  it('stops at once when input is piped to a PTY, which cannot take it', async () => {
    const started = Date.now();
    const run = await runCli(['exec', '--pty', '--timeout', '30000', '--', 'cat'], {}, 'piped\n');
    expect(run.code).toBe(EXEC_FAILED_EXIT_CODE);
    expect(run.stderr).toMatch(/runs in a PTY .* piped input is not forwarded/);
    expect(Date.now() - started).toBeLessThan(25_000);
    const empty = await runCli(['exec', '--pty', '--', 'echo ran']);
    expect(empty).toMatchObject({ code: 0 });
    expect(empty.stdout).toContain('ran');
  });

  it("exits with the command's own status, which a script can tell from orchflow's failures", async () => {
    expect((await runCli(['exec', '--', 'false'])).code).toBe(1);
    expect((await runCli(['exec', '--', 'exit 7'])).code).toBe(7);
  });
});

describe('exec against a server it cannot use', { timeout: 60_000 }, () => {
  it('exits 125 when nothing listens at --server', async () => {
    const run = await runCli(['exec', '--server', 'unix:/nonexistent/orchflow.sock', '--', 'true']);
    expect(run.code).toBe(EXEC_FAILED_EXIT_CODE);
    expect(run.stderr).toMatch(/orchflow: .*nonexistent\/orchflow\.sock/);
  });

  it('exits 125 when the server refuses the token', async () => {
    const { listening } = await serveCli(['--ws', '0', '--token', 'a'.repeat(32)]);
    const url = listenerAddress(listening, 'websocket');
    const run = await runCli(['exec', '--server', url, '--token', 'b'.repeat(32), '--', 'true']);
    expect(run.code).toBe(EXEC_FAILED_EXIT_CODE);
    expect(run.stderr).toMatch(/--token or \$ORCHFLOW_TOKEN/);
  });
});

describe('usage errors exit 2', { timeout: 60_000 }, () => {
  it.each([
    [
      ['exec', '--policy', 'standard', '--server', 'unix:/nonexistent.sock', '--', 'true'],
      /--policy applies to an in-process run/,
    ],
    [['exec', '--policy', 'nonsense', '--', 'true'], /Cannot load policy file 'nonsense'/],
    [
      ['exec', '--timeout', '99999999999', '--', 'true'],
      /not a timeout: use whole milliseconds from 1 to 86400000/,
    ],
    [['serve', '--stdio', '--backend', 'foo'], /Allowed choices are direct, tmux/],
    [['mcp', '--backend', 'foo'], /Allowed choices are direct, tmux/],
    [['mcp', '--policy', 'nonsense'], /Cannot load policy file 'nonsense'/],
    [['serve', '--ws', '47001', '--http', '47001'], /--ws and --http need different ports/],
    [['serve', '--ws', '0', '--allow-origin', 'notanorigin'], /'notanorigin' is not an origin/],
    [['serve', '--ws', '0', '--allow-origin', 'http://x.example/path'], /is not an origin/],
    [['ls', '--agent', ''], /give an agent id/],
  ])('%j', async (args, message) => {
    const run = await runCli(args);
    expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(message)]);
  });

  it('takes origins as browsers send them, http(s) ones spelled as browsers do', () => {
    expect(parseOrigin('HTTP://LOCALHOST:80')).toEqual(['http://localhost']);
    expect(parseOrigin('vscode-webview://abc', ['*'])).toEqual(['*', 'vscode-webview://abc']);
  });

  it("exec's --timeout limit is the protocol's", () => {
    expect(MAX_EXEC_TIMEOUT_MS).toBe(ProtocolLimits.maxTimeoutMs);
  });
});

describe('a listener that cannot start says what to do', { timeout: 60_000 }, () => {
  it('names a port in use and the fix', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const { port } = taken.address() as AddressInfo;
    const run = await runCli(['serve', '--ws', String(port)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/EADDRINUSE.*pick another one, or 0 for a free one/);
  });

  it('says that the directory of a --unix socket does not exist', async () => {
    const run = await runCli(['serve', '--unix', '/nonexistent-orchflow-dir/s.sock']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the directory \/nonexistent-orchflow-dir does not exist/);
  });
});

describe('--server naming the wrong kind of listener says which to use', { timeout: 90_000 }, () => {
  it('ws:// to an HTTP listener, http:// to a WebSocket one, and a route in the URL', async () => {
    const { listening } = await serveCli(['--ws', '0', '--http', '0', '--token', 't'.repeat(24)]);
    const ws = listenerAddress(listening, 'websocket');
    const http = listenerAddress(listening, 'http');
    const token = ['--token', 't'.repeat(24)];
    const wsAsHttp = await runCli(['ls', '--server', ws.replace(/^ws:/, 'http:'), ...token]);
    expect(wsAsHttp.stderr).toMatch(/a WebSocket listener\? use ws:\/\/host:port/);
    const httpAsWs = await runCli(['ls', '--server', http.replace(/^http:/, 'ws:'), ...token]);
    expect(httpAsWs.stderr).toMatch(/an HTTP listener\? use http:\/\/host:port/);
    const route = await runCli(['ls', '--server', `${http}/v1`, ...token]);
    expect([route.code, route.stderr]).toEqual([
      1,
      expect.stringMatching(/names a route; give the server's address without \/v1/),
    ]);
    expect((await runCli(['ls', '--server', http, ...token])).code).toBe(0);
  });
});
