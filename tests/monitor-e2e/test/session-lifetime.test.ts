// A monitor session ends at its lifetime even while its page is open and connected (the open
// WebSocket keeps it from ever going idle): the server closes the page's socket, and the page shows
// the login form again, saying the session ended. A server of its own, with a short lifetime.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newContext, type Served, serveWithUi, TOKENS } from './harness';

// Long enough to load the page and log in on a busy 2-core machine, short enough to wait for.
const LIFETIME_MS = 10_000;

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serveWithUi(['--ui-session-lifetime', `${LIFETIME_MS}ms`]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('a session at the end of its lifetime', () => {
  it('takes the open page back to the login form, which logs in again', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const startedAt = Date.now();
      await login(page, served, TOKENS.admin);
      const grid = Date.now();
      await page.getByTestId('login-form').waitFor({ timeout: LIFETIME_MS + 20_000 });
      // The grid was up, then the session ended at its lifetime, not before.
      expect(grid - startedAt).toBeLessThan(LIFETIME_MS);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(LIFETIME_MS);
      expect(await page.getByRole('alert').textContent()).toContain('session ended');
      await page.getByTestId('login-token').fill(TOKENS.admin);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('grid').waitFor();
    } finally {
      await context.close();
    }
  });
});
