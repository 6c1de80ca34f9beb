// What an agent controls reaches the page as text, never as markup or behaviour: its agent id, its
// terminal's name, its commands (tile, history, alert) and its output, including the escape
// sequences a browser terminal could act on — window titles (OSC 0/2), the clipboard (OSC 52) and
// hyperlinks (OSC 8, where a `javascript:` link must do nothing).
import { describe, expect, it } from 'vitest';
import { login, TOKENS, tile, useMonitor, waitForText } from './harness';

const m = useMonitor();

/**
 * Where to point at the row of the xterm inside `scope` that starts with `prefix`, once the view
 * has settled (a view that just opened fits its rows to its container and moves its lines): the
 * same point twice, 100 ms apart; undefined if the row is not shown within 5 s.
 */
async function rowPoint(scope: string, prefix: string): Promise<{ x: number; y: number } | undefined> {
  let last: { x: number; y: number } | undefined;
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    const point = await pointNow(scope, prefix);
    if (point && last && point.x === last.x && point.y === last.y) return point;
    last = point;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

function pointNow(scope: string, prefix: string): Promise<{ x: number; y: number } | undefined> {
  return m.page.evaluate(
    ([inside, start]) => {
      const rows = Array.from(document.querySelectorAll(`${inside} .xterm-rows > div`));
      const row = rows.find((candidate) => (candidate.textContent ?? '').startsWith(start));
      const box = row?.getBoundingClientRect();
      return box && { x: box.x + 20, y: box.y + box.height / 2 };
    },
    [scope, prefix] as const,
  );
}

/**
 * Moves onto `point` (so xterm sees a hover) and clicks it. With `linkIn`, first waits until the
 * xterm inside that scope shows the link cursor: xterm finds the link under the mouse on hover, and
 * a click before that would open nothing whatever the page does with links.
 */
async function hoverAndClick(point: { x: number; y: number }, linkIn?: string): Promise<void> {
  await m.page.mouse.move(point.x - 4, point.y);
  await m.page.mouse.move(point.x, point.y);
  if (linkIn) await m.page.locator(`${linkIn} .xterm-cursor-pointer`).waitFor({ timeout: 5_000 });
  await m.page.mouse.click(point.x, point.y);
}

/** Markup that would show up in the DOM (a `.pwn` element) if any text were taken as HTML. */
const MARKUP = '<b class="pwn">b</b><img class="pwn" src=x onerror="window.__pwned=1">';

describe('hostile text from an agent', () => {
  it('stays text: no markup, no script, no title, no clipboard, no javascript: link', async () => {
    await m.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(event.violatedDirective));
    });
    await m.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: m.served.url });
    const dialogs: string[] = [];
    m.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const terminal = await m.agent.spawnTerminal(`agent-${MARKUP}`, { name: `name-${MARKUP}` });
    const id = terminal.info().id;
    await login(m.page, m.served, TOKENS.admin);
    await m.page.evaluate(() => navigator.clipboard.writeText('before'));
    await terminal.execute(`printf '%s\\n' '${MARKUP}'`);
    await terminal.execute(
      String.raw`printf '\033]0;osc-title-0\007\033]2;osc-title-2\007\033]52;c;cHduZWQ=\007'`,
    );
    await terminal.execute(
      String.raw`printf '\033]8;;javascript:window.__pwned=2\033\\JSLINK\033]8;;\033\\\n'`,
    );
    await terminal.execute(`sudo echo '${MARKUP}'`).catch(() => undefined);
    await waitForText(m.page, '[data-testid="alert"]', 'pwn');
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'JSLINK');
    await m.page.locator(`${tile(id)} .head`).click();
    await m.page.getByTestId('focus-view').waitFor();
    await waitForText(m.page, '[data-testid="history"]', 'pwn');
    // Hover and click the javascript: link in the focus view.
    const link = await rowPoint('[data-testid="focus-view"]', 'JSLINK');
    expect(link).toBeDefined();
    if (link) await hoverAndClick(link);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = await m.page.evaluate(async () => ({
      markup: document.querySelectorAll('.pwn').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      violations: (window as unknown as { __violations: string[] }).__violations,
      title: document.title,
      clipboard: await navigator.clipboard.readText(),
    }));
    expect(seen).toEqual({
      markup: 0,
      pwned: undefined,
      violations: [],
      title: 'orchflow monitor',
      clipboard: 'before',
    });
    expect(dialogs).toEqual([]);
    expect(m.context.pages()).toHaveLength(1);
    // The text itself is shown, as text.
    expect(await m.page.locator('[data-testid="focus-view"] strong').textContent()).toBe(`name-${MARKUP}`);
  });

  it('a link in a grid tile is inert (the click opens the focus view); in the focus view it asks first', async () => {
    const dialogs: string[] = [];
    m.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const terminal = await m.agent.spawnTerminal('agent-linker');
    const id = terminal.info().id;
    await login(m.page, m.served, TOKENS.admin);
    await terminal.execute(
      String.raw`printf '\033]8;;http://good@127.0.0.1:9/x\033\\HTTPLINK\033]8;;\033\\\n'`,
    );
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'HTTPLINK');
    const inTile = await rowPoint(`${tile(id)} [data-testid="tile-output"]`, 'HTTPLINK');
    expect(inTile).toBeDefined();
    if (inTile) await hoverAndClick(inTile, tile(id));
    await m.page.getByTestId('focus-view').waitFor();
    expect(dialogs).toEqual([]);
    await waitForText(m.page, '[data-testid="focus-view"] .xterm-rows', 'HTTPLINK');
    const inFocus = await rowPoint('[data-testid="focus-view"]', 'HTTPLINK');
    expect(inFocus).toBeDefined();
    if (inFocus) await hoverAndClick(inFocus, '[data-testid="focus-view"]');
    const deadline = Date.now() + 5_000;
    while (dialogs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toContain('http://good@127.0.0.1:9/x');
    expect(m.context.pages()).toHaveLength(1);
  });
});
