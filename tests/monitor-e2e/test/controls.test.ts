// What a person with admin rights can do, and what the server lets nobody else do: take a
// terminal's floor from its agent and hand it back, and stop everything at once.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { docScreenshot, TOKENS, tile, useMonitor, waitForText } from './harness';

const m = useMonitor(TOKENS.admin);

describe('floor control', () => {
  it('take over refuses the agent, types as the person, and hand back lets the agent in again', async () => {
    const terminal = await m.agent.spawnTerminal('agent-floor');
    const id = terminal.info().id;
    await m.page.locator(tile(id)).click();
    await m.page.getByTestId('focus-view').waitFor();
    await m.page.getByTestId('take-over').click();
    await waitForText(m.page, '[data-testid="floor-holder"]', 'ops-person');

    const refused = await terminal.execute('echo agent-while-held').catch((error: unknown) => error);
    expect((refused as { code?: number }).code).toBe(ErrorCode.FloorHeld);
    expect(String((refused as Error).message)).toContain('ops-person');

    await m.page.getByTestId('terminal-input').click();
    await m.page.keyboard.type('echo typed-by-$((40+2))-person');
    await m.page.keyboard.press('Enter');
    await waitForText(m.page, '[data-testid="focus-view"]', 'typed-by-42-person');
    // The command history beside the terminal has the line the person typed.
    await waitForText(m.page, '[data-testid="history"]', 'echo typed-by-$((40+2))-person');
    await docScreenshot(m.page, 'focus');

    await m.page.getByTestId('hand-back').click();
    await m.page.getByTestId('take-over').waitFor();
    const after = await terminal.execute('echo agent-after-hand-back');
    expect(after.stdout).toContain('agent-after-hand-back');
  });

  it('pause all and resume all reach the terminals', async () => {
    const terminal = await m.agent.spawnTerminal('agent-pause');
    await m.page.locator(tile(terminal.info().id)).waitFor();
    await m.page.getByTestId('pause-all').click();
    await m.page.waitForSelector(
      `${tile(terminal.info().id)} [data-paused="true"], ${tile(terminal.info().id)}[data-paused="true"]`,
      {
        timeout: 30_000,
      },
    );
    await m.page.getByTestId('resume-all').click();
    const result = await terminal.execute('echo resumed');
    expect(result.stdout).toContain('resumed');
  });
});

describe('emergency stop', () => {
  it('asks for confirmation, then kills every terminal', async () => {
    const first = await m.agent.spawnTerminal('agent-stop-a');
    const second = await m.agent.spawnTerminal('agent-stop-b');
    const running = first.execute('sleep 600').catch((error: unknown) => error);
    await m.page.locator(tile(second.info().id)).waitFor();
    await m.page.getByTestId('emergency-stop').click();
    // Nothing happens before the confirm step.
    expect((await m.agent.listTerminals({ state: 'running' })).length).toBeGreaterThanOrEqual(2);
    await m.page.getByTestId('confirm-emergency-stop').click();
    await running;
    await expect
      .poll(async () => (await m.agent.listTerminals({ state: 'running' })).length, { timeout: 30_000 })
      .toBe(0);
    await m.page.waitForSelector(`${tile(second.info().id)}[data-state="exited"]`, { timeout: 30_000 });
  });
});
