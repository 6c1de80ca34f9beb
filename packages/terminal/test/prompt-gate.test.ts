// PromptGate's rules, driven with the kernel's answers scripted and the clock faked: the waits are
// seconds long, and real shells (line-editing.test.ts, execute.test.ts) cannot be made to sit in a
// given state at a given moment. The real-shell tests cover the same paths end to end.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ShellState } from '../src/exec/prompt-check';
import { PromptGate } from '../src/exec/prompt-gate';

function gate(initial: ShellState | undefined = 'idle') {
  const shell: { state: ShellState | undefined; readies: number } = { state: initial, readies: 0 };
  const g = new PromptGate({
    shellState: () => shell.state,
    onReady: () => {
      shell.readies++;
    },
  });
  return { g, shell };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a prompt with no command of ours in flight', () => {
  test('is ready only once the shell reads', async () => {
    const { g, shell } = gate('busy');
    let woke = false;
    void g.whenReady().then(() => {
      woke = true;
    });
    g.promptShown(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(g.ready).toBe(false);
    expect(shell.readies).toBe(0);
    shell.state = 'idle';
    await vi.advanceTimersByTimeAsync(2);
    expect(g.ready).toBe(true);
    expect(shell.readies).toBe(1);
    expect(woke).toBe(true);
  });

  test('a shell busy for good counts as ready after ~2.6 s', async () => {
    const { g } = gate('busy');
    g.promptShown(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(g.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(g.ready).toBe(true);
  });

  test('a job holding the terminal keeps it waiting, except at the first prompt', () => {
    const later = gate('job');
    later.g.promptShown(false);
    expect(later.g.ready).toBe(false);
    const first = gate('job');
    first.g.promptShown(true);
    expect(first.g.ready).toBe(true);
  });

  test('a newer marker or a typed line ends the wait', async () => {
    const { g, shell } = gate('busy');
    g.promptShown(false);
    g.commandStarted();
    shell.state = 'idle';
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.ready).toBe(false);
    g.promptShown(false);
    g.typedByHand('ls\r');
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.ready).toBe(false);
  });
});

describe('a ^C typed at the prompt', () => {
  test('closes the gate until the prompt drawn after it', async () => {
    const { g } = gate();
    g.promptShown(false);
    expect(g.ready).toBe(true);
    g.typedByHand('\x03');
    expect(g.ready).toBe(false);
    g.promptShown(false);
    expect(g.ready).toBe(true);
    expect(g.commandTyped()).toBe('');
  });

  test('a ^C written while the prompt waits for the shell to read closes it too', async () => {
    const { g, shell } = gate('busy');
    g.promptShown(false);
    g.typedByHand(Buffer.from([3]));
    shell.state = 'idle';
    await vi.advanceTimersByTimeAsync(4000);
    expect(g.ready).toBe(false);
  });

  test('without a prompt after it, the shell is typed to once it reads, after Ctrl-U and a space', async () => {
    const { g, shell } = gate();
    g.promptShown(false);
    g.typedByHand('\x03');
    shell.state = 'job'; // a trap's `sleep`
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.ready).toBe(false);
    shell.state = 'busy';
    await vi.advanceTimersByTimeAsync(1000);
    expect(g.ready).toBe(false);
    shell.state = 'idle';
    await vi.advanceTimersByTimeAsync(200);
    expect(g.ready).toBe(true);
    expect(shell.readies).toBe(2);
    expect(g.commandTyped()).toBe('\x15 ');
    expect(g.commandTyped()).toBe('');
  });

  test('a shell the kernel cannot be asked about is typed to when the wait runs out', async () => {
    const { g, shell } = gate(undefined);
    g.promptShown(false);
    g.typedByHand('\x03');
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.ready).toBe(true);
    expect(shell.readies).toBe(2);
  });

  test('a shell the kernel no longer shows (exiting) is not typed to: its exit ends the wait', async () => {
    const { g, shell } = gate();
    g.promptShown(false);
    g.typedByHand('\x03');
    shell.state = 'unknown';
    await vi.advanceTimersByTimeAsync(6000);
    expect(g.ready).toBe(false);
    g.exited();
    await vi.advanceTimersByTimeAsync(1000);
    expect(shell.readies).toBe(1);
  });

  test('the space is dropped once the shell has read since: at a marker or a typed line', async () => {
    for (const since of [(g: PromptGate) => g.markerSeen(), (g: PromptGate) => g.typedByHand('ls\n')]) {
      const { g } = gate();
      g.promptShown(false);
      g.typedByHand('\x03');
      await vi.advanceTimersByTimeAsync(5000);
      expect(g.ready).toBe(true);
      since(g);
      g.promptShown(false);
      expect(g.commandTyped()).toBe('');
    }
  });
});

test("the shell's exit lets waiters go and stops every wait", async () => {
  const { g, shell } = gate('busy');
  const waiting = g.whenReady();
  g.promptShown(false);
  g.exited();
  await expect(waiting).resolves.toBeUndefined();
  shell.state = 'idle';
  await vi.advanceTimersByTimeAsync(10_000);
  expect(shell.readies).toBe(0);
  expect(g.ready).toBe(false);
  await expect(g.whenReady()).resolves.toBeUndefined();
});
