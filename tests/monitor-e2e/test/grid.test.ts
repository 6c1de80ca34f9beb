// What a person watching sees: terminals other programs spawn appear, grouped by agent, with their
// output; a command blocked on `read` is flagged as needing a person; a policy denial is an alert;
// and a reload in the middle of a stream shows the same scrollback, without duplicates or holes.
import { describe, expect, it } from 'vitest';
import { docScreenshot, TOKENS, tile, useMonitor, waitForText } from './harness';

const m = useMonitor(TOKENS.admin);

describe('the grid', () => {
  it('shows a terminal another client spawns, in its agent group, with its output', async () => {
    const terminal = await m.agent.spawnTerminal('agent-grid');
    await terminal.execute('echo grid-output-$((6*7))');
    const id = terminal.info().id;
    await m.page.locator(tile(id)).waitFor();
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'grid-output-42');
    const group = m.page.locator('[data-testid="agent-group"][data-agent="agent-grid"]');
    expect(await group.locator(tile(id)).count()).toBe(1);
  });

  it('flags a command waiting on read as awaiting input, until a person answers it', async () => {
    const terminal = await m.agent.spawnTerminal('agent-input');
    const id = terminal.info().id;
    const answered = terminal.execute('read -r answer; echo "got:$answer"');
    await m.page.waitForSelector(`${tile(id)}[data-state="awaiting_input"]`, { timeout: 30_000 });
    await docScreenshot(m.page, 'awaiting-input');
    // The agent may not type under `standard`; the person takes over and answers.
    await m.page.locator(tile(id)).click();
    await m.page.getByTestId('take-over').click();
    await waitForText(m.page, '[data-testid="floor-holder"]', 'ops-person');
    await m.page.getByTestId('terminal-input').click();
    await m.page.keyboard.type('yes');
    await m.page.keyboard.press('Enter');
    const result = await answered;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('got:yes');
    await m.page.waitForSelector(`${tile(id)}[data-state="idle"]`, { timeout: 30_000 });
    await m.page.getByTestId('hand-back').click();
  });

  it("echoes what a person types to a scripted terminal's command, and sends it line by line", async () => {
    const terminal = await m.agent.spawnTerminal('agent-piped', { mode: 'scripted' });
    const id = terminal.info().id;
    const answered = terminal.execute('read -r answer; echo "got:$answer"');
    await m.page.waitForSelector(`${tile(id)}[data-state="awaiting_input"]`, { timeout: 30_000 });
    await m.page.locator(tile(id)).click();
    await m.page.getByTestId('take-over').click();
    await waitForText(m.page, '[data-testid="floor-holder"]', 'ops-person');
    await m.page.getByTestId('terminal-input').click();
    // Typed blind before: the command reads a pipe, which echoes nothing.
    await m.page.keyboard.type('yess');
    await m.page.keyboard.press('Backspace');
    await waitForText(m.page, '[data-testid="focus-view"] [data-testid="tile-output"]', 'yes');
    await m.page.keyboard.press('Enter');
    const result = await answered;
    expect(result.stdout).toBe('got:yes\n');
    await m.page.getByTestId('hand-back').click();
  });

  it('counts every command in commands/min, the short ones too', async () => {
    const terminal = await m.agent.spawnTerminal('agent-rate');
    const id = terminal.info().id;
    // Once the output shows, the tile's subscription (and so its activity feed) is open. Earlier
    // tests' tiles push this one below the fold, where xterm renders nothing: scroll to it.
    await terminal.execute('echo rate-ready');
    await m.page.locator(tile(id)).scrollIntoViewIfNeeded();
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'rate-ready');
    const before = Number(await m.page.getByTestId('header-cpm').textContent());
    for (let i = 0; i < 6; i++) await terminal.execute('true');
    await expect
      .poll(async () => Number(await m.page.getByTestId('header-cpm').textContent()), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(before + 6);
  });

  it('lists a policy denial as an alert naming the command', async () => {
    const terminal = await m.agent.spawnTerminal('agent-alert');
    const denied = await terminal
      .execute('sudo rm -rf /tmp/orchflow-e2e-nothing')
      .catch((error: unknown) => error);
    expect((denied as { code?: number }).code).toBeDefined();
    await waitForText(m.page, '[data-testid="alert"]', 'sudo rm -rf /tmp/orchflow-e2e-nothing');
    await docScreenshot(m.page, 'alert');
  });

  it('shows the same scrollback after a reload mid-stream, each line once', async () => {
    const terminal = await m.agent.spawnTerminal('agent-reload');
    const id = terminal.info().id;
    const streaming = terminal.execute('for i in $(seq 1 25); do echo "row-$i"; sleep 0.08; done');
    await m.page.locator(tile(id)).click();
    const view = '[data-testid="focus-view"] [data-testid="tile-output"]';
    await waitForText(m.page, view, 'row-3');
    await m.page.reload();
    await m.page.getByTestId('grid').waitFor();
    await m.page.locator(tile(id)).click();
    await streaming;
    await waitForText(m.page, view, 'row-25');
    const text = (await m.page.locator(view).textContent()) ?? '';
    for (let i = 1; i <= 25; i++) {
      const count = text.split(`row-${i}`).length - 1;
      // "row-1" is also a prefix of row-10…row-19; count whole tokens instead.
      const whole = [...text.matchAll(new RegExp(`row-${i}(?![0-9])`, 'g'))].length;
      expect(whole, `row-${i} appears ${whole} times (raw ${count})`).toBe(1);
    }
  });

  it("shows each terminal's current state on a new connection, not the state it had before", async () => {
    // A new connection (logging in again here; after a long outage the page opens one too) missed
    // the activity changes made while the page had none.
    const terminal = await m.agent.spawnTerminal('agent-new-connection');
    const id = terminal.info().id;
    await m.page.locator(tile(id)).waitFor();
    const running = terminal.execute('sleep 4; echo done-while-away');
    await m.page.waitForSelector(`${tile(id)}[data-state="running"]`, { timeout: 30_000 });
    // Past the poll that fetches a newly listed terminal's activity a second time.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await m.page.getByRole('button', { name: 'Log out' }).click();
    await m.page.getByTestId('login-token').waitFor();
    await running;
    expect((await terminal.activity()).activity).toBe('idle');
    await m.page.getByTestId('login-token').fill(TOKENS.admin);
    await m.page.getByTestId('login-submit').click();
    await m.page.getByTestId('grid').waitFor();
    await m.page.waitForSelector(`${tile(id)}[data-state="idle"]`, { timeout: 10_000 });
  });
});
