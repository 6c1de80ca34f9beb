// Snapshots of real full-screen programs in a real PTY (vim, less), and the screen emulator's
// lifetime: released when the terminal's output ends, while a snapshot still shows the last screen.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { OutputPipeline } from '../src/output/pipeline';
import { HeadlessScreen } from '../src/output/screen';
import { Terminal } from '../src/terminal';

function has(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
}

const spawned: Terminal[] = [];
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.kill()));
  vi.restoreAllMocks();
});

async function spawn(): Promise<Terminal> {
  const t = await Terminal.spawn({ shell: 'bash', cwd: '/tmp', cols: 80, rows: 24 });
  spawned.push(t);
  return t;
}

/** Takes snapshots as output arrives until `done` holds (output events drive it, not a clock). */
async function screenWhen(t: Terminal, done: (lines: string[], alt: boolean) => boolean) {
  for (;;) {
    const snap = await t.snapshot();
    if (done(snap.lines, snap.altScreen)) return snap;
    await new Promise<void>((resolve) => {
      const sub = t.onData(() => {
        sub.dispose();
        resolve();
      });
    });
  }
}

// Pure pipeline tests first: terminals of later tests release their screens asynchronously.
describe('the screen emulator lifetime', () => {
  test('end() releases the emulator; a snapshot afterwards shows the last screen', async () => {
    const dispose = vi.spyOn(HeadlessScreen.prototype, 'dispose');
    const p = new OutputPipeline({ cols: 20, rows: 3 });
    p.push(Buffer.from('hello\r\nworld'));
    const live = await p.snapshot();
    p.end();
    const last = await p.snapshot();
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(last).toEqual(live);
    expect(await p.snapshot()).toEqual(live);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  test('a first snapshot after end() renders the retained output once and releases it', async () => {
    const dispose = vi.spyOn(HeadlessScreen.prototype, 'dispose');
    const p = new OutputPipeline({ cols: 20, rows: 3 });
    p.push(Buffer.from('\x1b[?1049hfull screen'));
    p.end();
    const snap = await p.snapshot();
    expect(snap.lines[0]).toBe('full screen');
    expect(snap.altScreen).toBe(true);
    expect(dispose).toHaveBeenCalledTimes(1);
  });
});

const fullScreen = [
  { name: 'vim', cmd: 'vim -u NONE -N /etc/os-release', quit: '\x1b:q!\r' },
  { name: 'less', cmd: 'less /etc/os-release', quit: 'q' },
].filter((p) => has(p.name));

describe.each(fullScreen)('a real $name', ({ cmd, quit }) => {
  test('is readable through snapshot() in the alternate screen, and leaves it on quit', async () => {
    const t = await spawn();
    const running = t.execute(cmd, { timeoutMs: 30_000 });
    const inside = await screenWhen(t, (lines, alt) => alt && lines.some((l) => l.includes('NAME=')));
    expect(inside.altScreen).toBe(true);
    expect(inside.lines.length).toBe(24);
    t.write(quit);
    const r = await running;
    expect(r.timedOut).toBe(false);
    const after = await t.snapshot();
    expect(after.altScreen).toBe(false);
    expect((await t.execute('echo back')).stdout).toBe('back\n');
  });
});

describe('a terminal that exited', () => {
  test('an exited terminal still answers snapshot() with its last screen', async () => {
    const t = await spawn();
    await t.snapshot();
    const r = await t.execute("printf 'last words\\n'; exit 0");
    expect(r.shellExited).toBe(true);
    await t.exited;
    expect((await t.snapshot()).lines.some((l) => l.includes('last words'))).toBe(true);
  });
});
