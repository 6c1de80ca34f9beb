// The example page in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core, as
// tests/monitor-e2e does): it loads @orchflow/client's browser entry as plain ES modules, connects
// both agents, runs a command and shows its output and exit code, shows Bob's policy denial, and
// Bob's attempt on Alice's terminal being refused.
import { request } from 'node:http';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../src/server';

const CHROMIUM = process.env.ORCHFLOW_CHROMIUM ?? '/usr/bin/chromium';

let example: RunningExample;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  example = await startExample();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(example.pageUrl);
  await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
});

afterAll(async () => {
  await browser?.close();
  await example?.stop();
});

const byTestId = (id: string) => page.getByTestId(id);

/** Waits until the element with test id `id` has text containing `text`. */
async function waitForText(id: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([testId, needle]) =>
      document.querySelector(`[data-testid="${testId}"]`)?.textContent?.includes(needle as string) === true,
    [id, text],
    { timeout: 20_000, polling: 100 },
  );
}

describe('the example page in Chromium', () => {
  it('connects both agents with their tokens from the URL fragment, then drops them from the address bar', async () => {
    expect(await page.evaluate(() => document.body.dataset.ready), pageErrors.join('\n')).toBe('true');
    expect(await byTestId('alice-state').textContent()).toBe('connected as agent alice');
    expect(await byTestId('bob-state').textContent()).toBe('connected as agent bob');
    expect(new URL(page.url()).hash).toBe('');
  });

  it('spawns a terminal, runs a command and shows its output and exit code', async () => {
    await byTestId('alice-command').fill("printf 'browser-%s\\n' $((6 * 7)); (exit 3)");
    await byTestId('alice-run').click();
    await waitForText('alice-exit', '3');
    expect(await byTestId('alice-output').textContent()).toBe('browser-42\n');
    expect(await byTestId('alice-error').textContent()).toBe('');
    expect(await byTestId('alice-terminal').textContent()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows Bob's token policy refusing the command Alice may run", async () => {
    await byTestId('bob-command').fill('uname -sr');
    await byTestId('bob-run').click();
    await waitForText('bob-error', 'PolicyDenied');
    expect(await byTestId('bob-error').textContent()).toContain('rule connection:allowedCommands: no match');
    expect(await byTestId('bob-output').textContent()).toBe('');
  });

  it("refuses Bob's attempt on Alice's terminal as if it did not exist, and lists each agent's own", async () => {
    await byTestId('probe').click();
    await waitForText('probe-result', 'refused: TerminalNotFound');
    const aliceTerminal = await byTestId('alice-terminal').textContent();
    for (const name of ['alice', 'bob']) {
      await byTestId(`${name}-list`).click();
      await page.waitForSelector(`[data-testid="${name}-terminals"][data-count]`, { timeout: 20_000 });
      const items = await byTestId(`${name}-terminals`).locator('li').allTextContents();
      expect(items).toHaveLength(1);
      expect(items[0]).toContain(`(agent ${name}-1, running)`);
    }
    // Alice's terminal survived the attempt.
    expect(await byTestId('alice-terminals').textContent()).toContain(aliceTerminal ?? '<none>');
    expect(pageErrors).toEqual([]);
  });
});

describe('the page server', () => {
  it('serves nothing outside its folders', async () => {
    const status = (path: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const url = new URL(example.pageOrigin);
        request({ host: url.hostname, port: url.port, path }, (response) => {
          response.resume();
          resolve(response.statusCode);
        })
          .on('error', reject)
          .end();
      });
    expect(await status('/modules/client/index.mjs')).toBe(200);
    expect(await status('/modules/zod/..%2f..%2fpackage.json')).toBe(404);
    expect(await status('/modules/zod/../../../../etc/passwd')).toBe(404);
    expect(await status('/modules/client/')).toBe(404);
  });
});
