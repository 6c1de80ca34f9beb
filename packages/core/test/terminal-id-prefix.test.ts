// `terminalIdPrefix`: a cluster node's orchestrator generates ids `<nodeId>_<uuid>` so the owner
// of a terminal is readable from its id. Bad prefixes are refused when the orchestrator is built;
// prefixed ids pass the protocol's id schema over RPC and are valid tmux session names (a tmux
// backed node adopts its terminals again under the same ids).
import { spawnSync } from 'node:child_process';
import { TmuxBackend, tmuxSessionName } from '@orchflow/mux';
import { ErrorCode, Methods, PROTOCOL_VERSION, RpcPeer, TerminalIdSchema } from '@orchflow/protocol';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { TERMINAL_ID_PREFIX_PATTERN } from '../src/options';
import { Orchestrator } from '../src/orchestrator';
import { expectCode } from './helpers';

const socketName = `orchflow-idprefix-${process.pid}`;
afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('terminalIdPrefix', { timeout: 60_000 }, () => {
  it('leaves ids as plain UUIDs by default', async () => {
    const orch = new Orchestrator();
    onTestFinished(() => orch.shutdown());
    const term = await orch.spawnTerminal('plain', { mode: 'scripted' });
    expect(term.id).toMatch(new RegExp(`^${UUID.source}`));
  });

  it.each(['', '_', 'node', 'node_x_', 'no.de_', 'no de_', 'a__', `${'x'.repeat(49)}_`])(
    'refuses the prefix %j with InvalidParams when built',
    (prefix) => {
      let thrown: unknown;
      try {
        Orchestrator.builder().withTerminalIdPrefix(prefix).build();
      } catch (error) {
        thrown = error;
      }
      const e = expectCode(thrown, ErrorCode.InvalidParams);
      expect(e.message).toContain('terminalIdPrefix');
      expect(TERMINAL_ID_PREFIX_PATTERN.test(prefix)).toBe(false);
    },
  );

  it('prefixes every spawned id, which RPC callers use like any other', async () => {
    const orch = Orchestrator.builder().withTerminalIdPrefix('node-7_').build();
    onTestFinished(() => orch.shutdown());
    const term = await orch.spawnTerminal('prefixed', { mode: 'scripted' });
    expect(term.id).toMatch(new RegExp(`^node-7_${UUID.source}`));
    expect(term.id.slice(0, term.id.indexOf('_'))).toBe('node-7');
    expect(TerminalIdSchema.safeParse(term.id).success).toBe(true);
    const peer = new RpcPeer(connect(orch), { methods: Methods });
    onTestFinished(() => peer.close());
    peer.start();
    await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'prefix' } });
    const spawned = await peer.request('terminal.spawn', { agentId: 'rpc', config: { mode: 'scripted' } });
    expect(spawned.id.startsWith('node-7_')).toBe(true);
    const result = await peer.request('terminal.execute', {
      terminalId: spawned.id,
      command: 'echo via-rpc',
    });
    expect(result).toMatchObject({ stdout: 'via-rpc\n', exitCode: 0 });
  });

  it('gives tmux terminals prefixed ids that name their session and survive adoption', async () => {
    const backend = new TmuxBackend({ socketName });
    const first = Orchestrator.builder().withTerminalIdPrefix('tmux-node_').withBackend(backend).build();
    const term = await first.spawnTerminal('tmux-agent');
    expect(term.id.startsWith('tmux-node_')).toBe(true);
    // The id needs no escaping: the session is named after it verbatim.
    expect(tmuxSessionName(term.id)).toBe(`orchflow-${term.id}`);
    const sessions = spawnSync('tmux', ['-L', socketName, 'list-sessions', '-F', '#{session_name}'], {
      encoding: 'utf8',
    });
    expect(sessions.stdout.split('\n')).toContain(`orchflow-${term.id}`);
    expect(await term.execute('echo "in $0"')).toMatchObject({ exitCode: 0 });
    // The node goes away leaving its sessions running (as a killed node process would).
    await backend.detach();
    // A restarted node (same name) adopts the terminal under the same id.
    const second = Orchestrator.builder()
      .withTerminalIdPrefix('tmux-node_')
      .withBackend(new TmuxBackend({ socketName, adopt: true }))
      .build();
    onTestFinished(() => second.shutdown());
    await second.ready();
    expect(second.listTerminals().map((t) => t.id)).toEqual([term.id]);
    expect(await second.execute(term.id, 'echo again')).toMatchObject({ stdout: 'again\n', exitCode: 0 });
  });
});
