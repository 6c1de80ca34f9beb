// `TerminalInfo.pausable`: true for a direct PTY terminal (and a scripted one), false for a tmux
// pane, whose held-back output tmux would discard; `pauseAll` skips exactly the ones marked false,
// and the flag reaches RPC callers in `terminal.list`.
import { spawnSync } from 'node:child_process';
import { TmuxBackend } from '@orchflow/mux';
import { Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';

const socketName = `orchflow-pausable-${process.pid}`;
afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

describe('TerminalInfo.pausable', { timeout: 60_000 }, () => {
  it('is true for direct terminals, PTY and scripted, which pauseAll pauses', async () => {
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const pty = await orch.spawnTerminal('direct');
    const pipe = await orch.spawnTerminal('direct', { mode: 'scripted' });
    expect(pty.info().pausable).toBe(true);
    expect(pipe.info().pausable).toBe(true);
    expect(orch.pauseAll()).toBe(2);
    orch.resumeAll();
  });

  it('is false for a tmux pane, which pauseAll skips; RPC callers see it', async () => {
    const orch = new Orchestrator({ backend: new TmuxBackend({ socketName }) });
    onTestFinished(() => orch.shutdown());
    const pane = await orch.spawnTerminal('tmux');
    expect(pane.info()).toMatchObject({ backend: 'tmux', pausable: false });
    expect(orch.pauseAll()).toBe(0);
    const peer = new RpcPeer(connect(orch), { methods: Methods });
    onTestFinished(() => peer.close());
    peer.start();
    await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'pausable' } });
    const { terminals } = await peer.request('terminal.list', {});
    expect(terminals).toMatchObject([{ id: pane.id, pausable: false }]);
  });
});
