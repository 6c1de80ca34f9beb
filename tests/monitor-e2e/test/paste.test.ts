// Pasting into a terminal the person took over. A bracketed paste (the program asked for one, as
// an interactive bash 5.1+'s readline does) tells the program "this is pasted text, do not run
// it": text that carries its own end-of-paste sequence (pastejacking, from a page that put it on
// the clipboard) would end the bracket early and have the rest run as typed keys. Under the
// default policy the server refuses escape sequences typed at orchflow's own shell prompt; a
// program the terminal runs (here an inner bash, under `trusted`) gets what is typed, so the page
// takes the escapes out of pasted text itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentClient,
  launchBrowser,
  login,
  newContext,
  type Served,
  serveWithUi,
  TOKENS,
  tile,
  waitForText,
} from './harness';

let served: Served;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let agent: Awaited<ReturnType<typeof agentClient>>;

beforeAll(async () => {
  served = await serveWithUi(['--policy', 'trusted']);
  browser = await launchBrowser();
  agent = await agentClient(served);
});

afterAll(async () => {
  await agent?.close();
  await browser?.close();
  await served?.stop();
});

describe('a paste into a taken-over terminal', () => {
  it('stays pasted text: a paste that closes the bracket itself runs nothing', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await login(page, served, TOKENS.admin);
      const terminal = await agent.spawnTerminal('agent-paste');
      const id = terminal.info().id;
      const mark = `pasted-${Date.now()}`;
      await terminal.execute(`rm -f ${mark}`);
      // A readline program that asks for bracketed paste (mode 2004), as an interactive bash does.
      const inner = terminal.execute("TERM=xterm-256color PS1='inner> ' bash --norc --noprofile -i");
      await waitForText(page, `${tile(id)} [data-testid="tile-output"]`, 'inner>');
      await page.locator(tile(id)).click();
      await page.getByTestId('focus-view').waitFor();
      await page.getByTestId('take-over').click();
      await waitForText(page, '[data-testid="floor-holder"]', 'ops-person');
      await page.getByTestId('terminal-input').click();
      const clipboard = `# looks harmless\u001b[201~\ntouch ${mark}\n`;
      await page.evaluate((text) => {
        const target = document.querySelector('[data-testid="focus-view"] textarea');
        const data = new DataTransfer();
        data.setData('text/plain', text);
        target?.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
        );
      }, clipboard);
      // The pasted text shows on the command line, unrun.
      await waitForText(page, '[data-testid="focus-view"] [data-testid="tile-output"]', 'looks harmless');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await page.keyboard.press('Control+C');
      await page.keyboard.type('exit');
      await page.keyboard.press('Enter');
      await inner;
      await page.getByTestId('hand-back').click();
      await page.getByTestId('take-over').waitFor();
      const check = await terminal.execute(`test -e ${mark} && echo ran || echo not-run; rm -f ${mark}`);
      expect(check.stdout.trim()).toBe('not-run');
    } finally {
      await context.close();
    }
  });
});
