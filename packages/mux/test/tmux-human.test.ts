// A person attached with plain `tmux attach` (run under `script`, which gives it a PTY): what
// they type reaches the shell and orchflow's stream, and execute() keeps working meanwhile.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { TmuxBackend, tmuxSessionName } from '../src/index';

const socketName = `orchflow-human-${process.pid}`;
const backend = new TmuxBackend({ socketName });
afterAll(async () => {
  await backend.dispose();
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

it('sees what an attached human types and still executes commands', async () => {
  const session = await backend.createSession({ id: 'shared', agentId: 'a' });
  const command = `tmux -L ${socketName} attach-session -t ${tmuxSessionName('shared')}`;
  const human = spawn('script', ['-qfc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  human.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
  });
  try {
    let streamed = '';
    const sub = session.subscribe({}, (event) => {
      if (event.type === 'data') streamed += event.data;
    });
    // The attached client draws the screen once it is up; then the person types (no Enter).
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (screen.includes('orchflow')) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    human.stdin.write('echo typed-by-human');
    await expect.poll(() => streamed.includes('typed-by-human'), { timeout: 10_000 }).toBe(true);
    sub.dispose();
    // The half-typed line is the person's; orchflow clears it and runs its own command.
    const result = await session.execute('echo from-orchestrator');
    expect(result).toMatchObject({ stdout: 'from-orchestrator\n', exitCode: 0 });
    await expect.poll(() => screen.includes('from-orchestrator'), { timeout: 10_000 }).toBe(true);
  } finally {
    human.kill('SIGKILL');
  }
}, 30_000);
