// What every end-to-end test needs: a real `orchflow serve --http 0 --ui` started from the built
// CLI (as `npx orchflow` runs it) with a tokens file for a person with admin rights, a read-only
// viewer and an agent; a real Chromium (Debian's, driven by playwright-core); and the agent's own
// client, which reaches the same server over HTTP the way an agent program would.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchflowClient } from '@orchflow/client';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.ORCHFLOW_CHROMIUM ?? '/usr/bin/chromium';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Tokens of the three principals the tests act as (fresh per run). */
export const TOKENS = {
  admin: `admin-${randomBytes(16).toString('hex')}`,
  viewer: `viewer-${randomBytes(16).toString('hex')}`,
  agent: `agent-${randomBytes(16).toString('hex')}`,
} as const;

/** A running `orchflow serve --ui`. */
export interface Served {
  /** `http://127.0.0.1:PORT`, the HTTP listener. */
  url: string;
  /** The one-time login link `serve` printed (for its admin token). */
  loginUrl: string | undefined;
  /** Everything the server wrote to stderr so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** The built `orchflow` CLI of the workspace's @orchflow/server. */
function cliPath(): string {
  const manifest = require.resolve('@orchflow/server/package.json');
  return join(dirname(manifest), 'dist/cli.mjs');
}

/** Starts `orchflow serve --http 0 --ui` with the three tokens; resolves once it listens. */
export async function serveWithUi(extraArgs: string[] = []): Promise<Served> {
  const dir = await mkdtemp(join(tmpdir(), 'orchflow-monitor-e2e-'));
  const tokensFile = join(dir, 'tokens.json');
  const tokens = [
    { token: TOKENS.admin, principal: { kind: 'admin', name: 'ops-person' } },
    { token: TOKENS.viewer, principal: { kind: 'viewer', name: 'watcher' } },
    { token: TOKENS.agent, principal: { kind: 'agent', name: 'agent', agentIdPrefix: 'agent-' } },
  ];
  await writeFile(tokensFile, JSON.stringify({ tokens }), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [cliPath(), 'serve', '--http', '0', '--ui', '--tokens', tokensFile, '--log-format', 'json', ...extraArgs],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SHLVL: '1' } },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const { url, loginUrl } = await listening(child, () => stderr);
  return {
    url,
    loginUrl,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The HTTP listener's URL and the login link from the `listening` JSON line `serve` prints on stderr. */
function listening(child: ChildProcess, log: () => string): Promise<{ url: string; loginUrl?: string }> {
  return new Promise((resolveUrl, reject) => {
    const onData = () => {
      for (const line of log().split('\n')) {
        if (!line.includes('"listening"')) continue;
        const banner = JSON.parse(line) as {
          listeners: { transport: string; address?: string }[];
          loginUrl?: string;
        };
        const http = banner.listeners.find((l) => l.transport === 'http');
        if (http?.address) {
          child.stderr?.off('data', onData);
          resolveUrl({ url: http.address, loginUrl: banner.loginUrl });
          return;
        }
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`orchflow serve exited (${code}) before listening:\n${log()}`)),
    );
  });
}

/** Launches Debian's Chromium headless. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** A fresh browser context (its own cookie jar) with a tall viewport, so focused terminals fit. */
export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 1000 } });
}

/** Opens the monitor and logs in with `token`; resolves once the grid shows. */
export async function login(page: Page, served: Served, token: string): Promise<void> {
  await page.goto(`${served.url}/ui/`);
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('grid').waitFor();
}

/** An agent's client over the server's HTTP transport. */
export function agentClient(served: Served, token: string = TOKENS.agent): Promise<OrchflowClient> {
  return OrchflowClient.http(served.url, { token });
}

/**
 * Waits until one of the elements `selector` matches has text containing `text` (any of them, not
 * only the first: a list may gain newer entries above it). On timeout the error lists what the
 * elements held.
 */
export async function waitForText(
  page: Page,
  selector: string,
  text: string,
  timeout = 30_000,
): Promise<void> {
  try {
    await page.waitForFunction(
      ([sel, needle]) =>
        Array.from(document.querySelectorAll(sel as string)).some((el) =>
          el.textContent?.includes(needle as string),
        ),
      [selector, text],
      { timeout, polling: 100 },
    );
  } catch (error) {
    const held = await page.$$eval(selector, (els) => els.map((el) => el.textContent?.trim() ?? ''));
    throw new Error(
      `No ${selector} holds '${text}' after ${timeout} ms; they hold: ${JSON.stringify(held)}`,
      {
        cause: error,
      },
    );
  }
}

/** The selector of one terminal's tile. */
export function tile(terminalId: string): string {
  return `[data-testid="tile"][data-terminal-id="${terminalId}"]`;
}

/**
 * Saves a screenshot for docs/monitor.md when ORCHFLOW_SCREENSHOTS=1 (the committed PNGs come
 * from these tests; CI runs leave the tree alone).
 */
export async function docScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.ORCHFLOW_SCREENSHOTS !== '1') return;
  const dir = join(REPO_ROOT, 'docs/images');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `monitor-${name}.png`) });
}

/** What a test file works with: one server, browser and agent per file; a context and page per test. */
export interface MonitorFixture {
  served: Served;
  browser: Browser;
  agent: OrchflowClient;
  context: BrowserContext;
  page: Page;
}

/**
 * Registers the hooks every file needs and returns the fixture they fill: the server, browser and
 * agent client start once per file; each test gets a fresh context (its own cookies) and page,
 * logged in with `loginAs` when given.
 */
export function useMonitor(loginAs?: string): MonitorFixture {
  const fixture = {} as MonitorFixture;
  beforeAll(async () => {
    fixture.served = await serveWithUi();
    fixture.browser = await launchBrowser();
    fixture.agent = await agentClient(fixture.served);
  });
  afterAll(async () => {
    await fixture.agent?.close();
    await fixture.browser?.close();
    await fixture.served?.stop();
  });
  beforeEach(async () => {
    fixture.context = await newContext(fixture.browser);
    fixture.page = await fixture.context.newPage();
    if (loginAs !== undefined) await login(fixture.page, fixture.served, loginAs);
  });
  afterEach(async () => {
    await fixture.context?.close();
  });
  return fixture;
}
