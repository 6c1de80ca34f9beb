// The CLI scenarios of issue #13, against the `orchflow` bin npm installed in the newcomer's
// project: start-up policy, preset names, exec's stdin and exit codes, an explained wrong token
// over WebSocket, a clean stdout under --stdio, the stdio sidecar from an app, and the installed
// web monitor served by `serve --ui`.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject } from './install.mjs';
import { killGroup, run, start, waitForStderr } from './proc.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Starts `orchflow serve args`; resolves with the child and its start-up text once printed. */
async function serve(ctx, args, needle) {
  const child = start(ctx.bin, ['serve', ...args], { cwd: ctx.projDir, env: ctx.env });
  return { child, banner: await waitForStderr(child, needle) };
}

/** SIGTERM, then the exit code (a graceful stop is 0). */
async function stop(child) {
  killGroup(child, 'SIGTERM');
  return (await child.closed).code;
}

async function networkDefaultAndToken(ctx) {
  const { child, banner } = await serve(ctx, ['--ws', '0'], '"listening"');
  try {
    const line = JSON.parse(banner.split('\n').find((text) => text.includes('"listening"')));
    expect(/^standard\b/.test(line.policy), `policy of a --ws server without --policy: ${line.policy}`);
    const url = line.listeners.find((l) => l.transport === 'websocket')?.address;
    expect(
      url?.startsWith('ws://127.0.0.1:') && line.token,
      `no ws address or token in: ${JSON.stringify(line)}`,
    );
    const exec = (token, cmd) => run(ctx.bin, ['exec', '--server', url, '--token', token, '--', cmd], ctx);
    const ok = await exec(line.token, 'echo over-ws');
    expect(ok.code === 0 && ok.stdout === 'over-ws\n', `exec with the printed token: ${JSON.stringify(ok)}`);
    const wrong = await exec('not-the-token-0123456789', 'true');
    expect(wrong.code !== 0, 'exec with a wrong token succeeded');
    expect(wrong.stderr.includes('the token was not accepted'), `wrong token not explained: ${wrong.stderr}`);
  } finally {
    await stop(child);
  }
}

async function presetByName(ctx) {
  const args = ['--ws', '0', '--policy', 'standard', '--log-format', 'human'];
  const { child, banner } = await serve(ctx, args, 'token');
  const code = await stop(child);
  expect(/policy\s+standard \(preset\)/.test(banner), `banner does not name the preset:\n${banner}`);
  expect(code === 0, `SIGTERM: exit ${code}`);
}

async function execStdinAndExitCodes(ctx) {
  const piped = await run('bash', ['-c', 'echo hi | orchflow exec -- cat'], ctx);
  expect(
    piped.code === 0 && piped.stdout === 'hi\n',
    `echo hi | orchflow exec -- cat: ${JSON.stringify(piped)}`,
  );
  const failed = await run(ctx.bin, ['exec', '--', 'false'], ctx);
  expect(failed.code !== 0 && failed.code !== null, `orchflow exec -- false: exit ${failed.code}`);
}

async function stdioStdoutIsProtocol(ctx) {
  const require = createRequire(join(ctx.projDir, 'package.json'));
  const { PROTOCOL_VERSION } = require('@orchflow/protocol');
  const child = start(ctx.bin, ['serve', '--stdio', '--log-format', 'human'], {
    cwd: ctx.projDir,
    env: ctx.env,
  });
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'first-contact' } },
  });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no initialize response on stdout within 60 s')), 60_000);
    child.stdout.on('data', () => {
      if (child.output.stdout.includes('"id":1')) resolve(clearTimeout(timer));
    });
  });
  child.stdin.end();
  const { code } = await child.closed;
  expect(code === 0, `serve --stdio exited ${code} when stdin closed`);
  // Everything on stdout must be Content-Length frames of JSON-RPC messages.
  let rest = child.output.stdout;
  while (rest.length > 0) {
    const frame = /^Content-Length: (\d+)\r\n\r\n/.exec(rest);
    expect(frame, `non-protocol bytes on stdout: ${JSON.stringify(rest.slice(0, 200))}`);
    const json = Buffer.from(rest.slice(frame[0].length)).subarray(0, Number(frame[1])).toString();
    expect(JSON.parse(json).jsonrpc === '2.0', `a frame that is not JSON-RPC: ${json}`);
    rest = rest.slice(frame[0].length + json.length);
  }
  expect(child.output.stdout.includes('"result"'), `initialize failed: ${child.output.stdout}`);
}

async function monitorPageServed(ctx) {
  const { child, banner } = await serve(ctx, ['--http', '0', '--ui'], '"listening"');
  try {
    const line = JSON.parse(banner.split('\n').find((text) => text.includes('"listening"')));
    const url = line.listeners.find((l) => l.transport === 'http')?.address;
    expect(url, `no http address in: ${JSON.stringify(line)}`);
    const page = await fetch(`${url}/ui/`);
    const html = await page.text();
    expect(page.status === 200, `GET /ui/: ${page.status} ${html.slice(0, 200)}`);
    // The installed @orchflow/monitor's prebuilt script, which the page loads from /ui/assets/.
    const script = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
    expect(script, `no script in the monitor page: ${html.slice(0, 400)}`);
    const asset = await fetch(new URL(script, `${url}/ui/`));
    const type = asset.headers.get('content-type') ?? '';
    expect(asset.status === 200 && type.includes('javascript'), `${script}: ${asset.status} ${type}`);
  } finally {
    await stop(child);
  }
}

async function sidecarFromServerPackage(ctx) {
  copyFileSync(join(FIXTURES, 'sidecar.mjs'), join(ctx.projDir, 'sidecar.mjs'));
  const result = await run(process.execPath, ['sidecar.mjs'], ctx);
  expect(result.code === 0, `sidecarCommand() with OrchflowClient.stdio: ${result.stderr}`);
}

// A project with only the client installed (no @orchflow/server, nothing else by hand):
// @orchflow/client/node must load and drive a sidecar; `ws` comes with the client.
async function clientAloneProject(ctx) {
  const dir = join(ctx.tmp, 'client-only');
  mkdirSync(dir);
  await createProject(
    dir,
    ctx.tarballs.filter((t) => /orchflow-(client|protocol)-/.test(t)),
    ctx.env,
  );
  expect(!existsSync(join(dir, 'node_modules', '@orchflow', 'server')), '@orchflow/server was installed too');
  copyFileSync(join(FIXTURES, 'sidecar.mjs'), join(dir, 'sidecar.mjs'));
  const cli = join(ctx.projDir, 'node_modules', '@orchflow', 'server', 'dist', 'cli.mjs');
  const result = await run(process.execPath, ['sidecar.mjs', cli], { ...ctx, cwd: dir });
  expect(result.code === 0, `@orchflow/client/node alone: ${result.stderr}`);
}

export const SCENARIOS = {
  'serve --ws: standard by default, token printed, wrong token explained over WebSocket':
    networkDefaultAndToken,
  'serve --policy standard: accepted and named in the banner, SIGTERM exits 0': presetByName,
  'echo hi | orchflow exec -- cat prints hi; exec -- false exits non-zero': execStdinAndExitCodes,
  'serve --stdio: nothing but protocol frames on stdout': stdioStdoutIsProtocol,
  'OrchflowClient.stdio(sidecarCommand()) from @orchflow/server': sidecarFromServerPackage,
  'serve --http 0 --ui: the installed monitor page and its script load': monitorPageServed,
  '@orchflow/client/node in a project with only the client installed': clientAloneProject,
};

/** Runs every scenario; returns the failures as `scenario: message`. */
export async function runCliScenarios(ctx) {
  const failures = [];
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    ctx.log(`cli: ${name}`);
    try {
      await scenario(ctx);
    } catch (error) {
      failures.push(`cli: ${name}: ${error.message}`);
    }
  }
  return failures;
}
