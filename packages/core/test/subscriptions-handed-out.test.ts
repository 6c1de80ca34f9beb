// SubscriptionRegistry.handedOut: a server sends a command's result after the output a connection
// subscribed to — and a reader that stopped reading holds the result back only `maxStallMs`.
// Real orchestrator and bash; the transport is a notify whose sends the test accepts (or never).
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/orchestrator';
import { type Notify, SubscriptionRegistry } from '../src/rpc/subscriptions';

// The waits each feed holds are private; a leak of them shows nowhere else until memory runs out.
function feedWaiters(registry: SubscriptionRegistry): number {
  const { active } = registry as unknown as { active: Map<string, { feed: object }> };
  let total = 0;
  for (const { feed } of active.values())
    total += Array.from((feed as { waiters: Iterable<unknown> }).waiters).length;
  return total;
}

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

describe('SubscriptionRegistry.handedOut', () => {
  it('waits for output queued behind a send the transport has not accepted, at most maxStallMs', async () => {
    orch = Orchestrator.builder().build();
    const t = await orch.spawnTerminal('agent', { shell: 'bash' });
    const sent: string[] = [];
    // The first send is never accepted: a reader that stopped reading.
    const notify: Notify = (note) => {
      if (note.method === 'terminal.output') sent.push(note.params.data);
      return new Promise(() => undefined);
    };
    const registry = new SubscriptionRegistry(orch, notify, 300);
    registry.open(t.id, undefined).start();
    await t.execute('echo one');
    await t.execute('echo two');
    expect(sent.join('')).not.toContain('two');
    const started = performance.now();
    const waiting = registry.handedOut(t.id);
    expect(waiting).toBeDefined();
    await waiting;
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(registry.handedOut('another-terminal')).toBeUndefined();
    registry.closeAll();
  });

  it("holds a reply for as long as the reader stalls when maxStallMs is beyond a timer's range", async () => {
    orch = Orchestrator.builder().build();
    const t = await orch.spawnTerminal('agent', { shell: 'bash' });
    const registry = new SubscriptionRegistry(orch, () => new Promise(() => undefined), 2 ** 32);
    registry.open(t.id, undefined).start();
    await t.execute('echo one');
    await t.execute('echo two');
    let answered = false;
    const waiting = registry.handedOut(t.id)?.then(() => {
      answered = true;
    });
    expect(waiting).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A timer of 2^32 ms fires after 1 ms: the reply would have gone ahead of the output.
    expect(answered).toBe(false);
    registry.closeAll();
    await waiting;
  });

  it('resolves at once when everything was sent, and once the queued output goes', async () => {
    orch = Orchestrator.builder().build();
    const t = await orch.spawnTerminal('agent', { shell: 'bash' });
    const accept: Array<() => void> = [];
    const notify: Notify = () => new Promise<void>((resolve) => accept.push(resolve));
    const registry = new SubscriptionRegistry(orch, notify, 60_000);
    registry.open(t.id, undefined).start();
    expect(registry.handedOut(t.id)).toBeUndefined();
    await t.execute('echo one');
    await t.execute('echo two');
    const waiting = registry.handedOut(t.id);
    expect(waiting).toBeDefined();
    while (accept.length > 0) accept.shift()?.();
    await waiting;
    registry.closeAll();
  });

  it('leaves no wait behind on a stalled feed when the bound wins, however often it is asked', async () => {
    orch = Orchestrator.builder().build();
    const t = await orch.spawnTerminal('agent', { shell: 'bash' });
    // The first send is never accepted; the output stays far below the credit, so the feed is not
    // demoted and would hold every wait until it closes.
    const registry = new SubscriptionRegistry(orch, () => new Promise(() => undefined), 30);
    registry.open(t.id, undefined).start();
    await t.execute('echo one');
    await t.execute('echo two');
    for (let i = 0; i < 5; i++) {
      const waiting = registry.handedOut(t.id);
      expect(waiting).toBeDefined();
      await waiting;
      expect(feedWaiters(registry)).toBe(0);
    }
    registry.closeAll();
  });
});
