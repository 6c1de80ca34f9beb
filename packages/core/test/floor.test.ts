// Floor control over real connections and real shells: a person takes a terminal over, the
// agent's commands and keystrokes are refused with FloorHeld (or wait, with waitForFloor), the
// person's keystrokes reach the shell and the audit log under their name, and the floor ends on
// release, when the person's connection closes, and when the terminal is killed.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import {
  ErrorCode,
  type FloorState,
  FloorStateSchema,
  floorHeld,
  Methods,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
} from '@orchflow/protocol';
import { type AuditEntry, SecurityPresets } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator | undefined;
const clients: OrchflowClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await orch?.shutdown();
  orch = undefined;
});

const ALICE: Principal = { kind: 'admin', name: 'alice' };
const WORKER: Principal = { kind: 'agent', agentIds: ['worker'] };

function build(auditLog?: string): Orchestrator {
  const builder = Orchestrator.builder();
  if (auditLog) builder.withAuditLog(auditLog);
  orch = builder.build();
  return orch;
}

async function client(o: Orchestrator, principal: Principal, name = 'test'): Promise<OrchflowClient> {
  const c = await OrchflowClient.fromChannel(connect(o, principal), { clientInfo: { name } });
  clients.push(c);
  return c;
}

/** The agent's terminal, and the same terminal as a person's client sees it. */
async function setUp(o: Orchestrator, person: Principal = ALICE) {
  const agent = await client(o, WORKER, 'agent-cli');
  const human = await client(o, person, 'monitor');
  const agentTerm = await agent.spawnTerminal('worker', {
    cwd: mkdtempSync(join(tmpdir(), 'orchflow-floor-')),
  });
  const [info] = await human.listTerminals({ agentId: 'worker' });
  if (!info) throw new Error('the person cannot see the terminal');
  return { agent, human, agentTerm, humanTerm: human.handle(info) };
}

/** A raw JSON-RPC connection, for bad params and for notifications without a subscription. */
async function rawPeer(o: Orchestrator, principal: Principal) {
  const floors: FloorState[] = [];
  const peer = new RpcPeer(connect(o, principal), { methods: Methods });
  peer.onNotification('terminal.floor', FloorStateSchema, (state) => void floors.push(state));
  peer.start();
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } });
  return { peer, floors };
}

function entries(path: string): AuditEntry[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEntry);
}

describe('floor control', () => {
  it("refuses the agent's commands and keystrokes while a person holds the floor, and takes the person's", async () => {
    const auditLog = join(mkdtempSync(join(tmpdir(), 'orchflow-floor-audit-')), 'audit.jsonl');
    const o = build(auditLog);
    const { agent, agentTerm, humanTerm } = await setUp(o);

    const taken = await humanTerm.takeFloor();
    expect(taken).toMatchObject({ terminalId: agentTerm.id, holder: { name: 'alice', kind: 'admin' } });
    expect(humanTerm.floor?.name).toBe('alice');
    const [seen] = await agent.listTerminals();
    expect(seen?.floor).toEqual(taken.holder);

    const refused = expectCode(await rejection(agentTerm.execute('echo hi')), ErrorCode.FloorHeld);
    expect(refused.message).toMatch(/taken over by alice \(admin\) since .*waitForFloor/);
    expect(floorHeld(refused)).toEqual({ terminalId: agentTerm.id, holder: taken.holder });
    expectCode(await rejection(agentTerm.write('rm -rf x\r')), ErrorCode.FloorHeld);
    const [batched] = await agent.batchExecute([{ terminalId: agentTerm.id, command: 'echo hi' }]);
    expect(batched?.ok === false && batched.error.code).toBe(ErrorCode.FloorHeld);
    const tx = await agent.transaction();
    tx.add(agentTerm.id, 'echo hi');
    expectCode(await rejection(tx.commit()), ErrorCode.FloorHeld);
    // In process, without the holder's key, is "anyone else" too.
    expectCode(await rejection(o.execute(agentTerm.id, 'echo hi')), ErrorCode.FloorHeld);

    const offset = (await humanTerm.read()).endOffset;
    await humanTerm.write('echo typed-by-$((6*7))\r');
    await waitFor(
      () => o.read(agentTerm.id, { fromOffset: offset }).data.includes('typed-by-42'),
      "the person's keystrokes to run in the shell",
    );
    const typed = entries(auditLog).filter((e) => e.kind === 'input');
    expect(typed).toEqual([
      expect.objectContaining({
        kind: 'input',
        holder: 'alice',
        principal: 'admin:alice',
        terminalId: agentTerm.id,
        agentId: 'worker',
        command: 'echo typed-by-$((6*7))\r',
        source: 'floor',
      }),
    ]);

    expect(await humanTerm.releaseFloor()).toEqual({ terminalId: agentTerm.id, holder: null });
    expect(humanTerm.floor).toBeUndefined();
    expect((await agentTerm.execute('echo back')).stdout).toBe('back\n');
    expect((await agent.listTerminals())[0]?.floor).toBeUndefined();
  });

  it('lets an admin at the floor type where the policy forbids raw input, judging each line', async () => {
    // `standard` (what `orchflow serve` runs network listeners under) forbids raw input to programs.
    orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.standard).build();
    const { agentTerm, humanTerm } = await setUp(orch);
    expectCode(await rejection(humanTerm.write('echo before\r')), ErrorCode.Forbidden);
    await humanTerm.takeFloor();
    const offset = (await humanTerm.read()).endOffset;
    await humanTerm.write('echo person-$((40+2))\r');
    await waitFor(
      () => orch?.read(agentTerm.id, { fromOffset: offset }).data.includes('person-42') === true,
      "the admin's line to run",
    );
    // Still judged like a command: the floor is not a way around the policy.
    expectCode(await rejection(humanTerm.write('sudo true\r')), ErrorCode.PolicyDenied);
    await humanTerm.releaseFloor();
  });

  it("keeps an agent's own floor held to the policy's raw-input rule", async () => {
    orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.standard).build();
    const { agentTerm } = await setUp(orch);
    await agentTerm.takeFloor();
    expectCode(await rejection(agentTerm.write('echo agent\r')), ErrorCode.Forbidden);
  });

  it('makes a command sent with waitForFloor wait for the release, then run', async () => {
    const o = build();
    const { agent, agentTerm, humanTerm } = await setUp(o);
    const flag = join(mkdtempSync(join(tmpdir(), 'orchflow-floor-flag-')), 'flag');
    await humanTerm.takeFloor();

    let settled = false;
    const waiting = agentTerm.execute(`cat ${flag}`, { waitForFloor: true, timeoutMs: 60_000 });
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    const [[batched]] = await Promise.all([
      agent.batchExecute([{ terminalId: agentTerm.id, command: `cat ${flag}`, timeoutMs: 60_000 }], {
        waitForFloor: true,
      }),
      (async () => {
        // Round trips on the agent's connection: its requests reached the server before these.
        for (let i = 0; i < 3; i++) await agent.listTerminals();
        expect(settled).toBe(false);
        // The file exists only once the floor is released: a command that ran earlier fails.
        writeFileSync(flag, 'after release\n');
        await humanTerm.releaseFloor();
      })(),
    ]);
    expect((await waiting).stdout).toBe('after release\n');
    expect(batched?.ok && batched.result.stdout).toBe('after release\n');
  });

  it('ends a waitForFloor command with the timeout error when the floor is never released', async () => {
    const o = build();
    const { agentTerm, humanTerm } = await setUp(o);
    const marker = join(mkdtempSync(join(tmpdir(), 'orchflow-floor-marker-')), 'ran');
    await humanTerm.takeFloor();
    const error = expectCode(
      await rejection(agentTerm.execute(`touch ${marker}`, { waitForFloor: true, timeoutMs: 300 })),
      ErrorCode.Timeout,
    );
    expect(error.message).toMatch(/Waited 300 ms for the floor .*held by alice/);
    expect(existsSync(marker)).toBe(false);
    expect(o.floor(agentTerm.id).holder?.name).toBe('alice');
  });

  it('ends a waitForFloor command with Cancelled when its caller aborts the wait', async () => {
    const o = build();
    const { agent, agentTerm, humanTerm } = await setUp(o);
    const marker = join(mkdtempSync(join(tmpdir(), 'orchflow-floor-marker-')), 'ran');
    await humanTerm.takeFloor();
    const abort = new AbortController();
    const waiting = agentTerm.execute(`touch ${marker}`, { waitForFloor: true, signal: abort.signal });
    for (let i = 0; i < 3; i++) await agent.listTerminals();
    abort.abort();
    expectCode(await rejection(waiting), ErrorCode.Cancelled);
    // A round trip on the agent's connection: the server has handled its $/cancelRequest.
    await agent.listTerminals();
    await humanTerm.releaseFloor();
    // Sent after the release, so it queues behind the cancelled command had that one still waited.
    await agentTerm.execute('true');
    expect(existsSync(marker)).toBe(false);
  });

  it("releases the floor when the holder's connection closes, and tells subscribers", async () => {
    const o = build();
    const { agent, agentTerm, human, humanTerm } = await setUp(o);
    const watcher = await client(o, { kind: 'admin', name: 'carol' });
    const [info] = await watcher.listTerminals();
    const changes: FloorState[] = [];
    const stop = await watcher.handle(info as NonNullable<typeof info>).onFloor((s) => changes.push(s));

    await humanTerm.takeFloor();
    await waitFor(() => changes.length === 1, 'the take to reach the subscriber');
    expect(changes[0]?.holder?.name).toBe('alice');
    await human.close();
    await waitFor(() => changes.length === 2, 'the release to reach the subscriber');
    expect(changes[1]).toEqual({ terminalId: agentTerm.id, holder: null });
    expect((await agentTerm.execute('echo free')).stdout).toBe('free\n');
    stop.dispose();
    expect((await agent.listTerminals())[0]?.floor).toBeUndefined();
  });

  it('drops the floor of a killed terminal, and tells the holder without a subscription', async () => {
    const o = build();
    const agent = await client(o, WORKER);
    const term = await agent.spawnTerminal('worker');
    const holder = await rawPeer(o, ALICE);
    await holder.peer.request('terminal.floor.take', { terminalId: term.id });
    await term.kill();
    await waitFor(() => holder.floors.length === 2, 'the holder to hear about the kill');
    expect(holder.floors.map((f) => f.holder?.name ?? null)).toEqual(['alice', null]);
    await holder.peer.close();
  });

  it('lets the terminal’s own agent take it, and refuses viewers, other agents and non-admin force', async () => {
    const o = build();
    const { agent, agentTerm, humanTerm } = await setUp(o);
    const viewer = await rawPeer(o, { kind: 'viewer', name: 'vic' });
    const forbidden = expectCode(
      await rejection(viewer.peer.request('terminal.floor.take', { terminalId: agentTerm.id })),
      ErrorCode.Forbidden,
    );
    expect(forbidden.message).toMatch(/read-only/);
    const stranger = await rawPeer(o, { kind: 'agent', agentIds: ['someone-else'] });
    expectCode(
      await rejection(stranger.peer.request('terminal.floor.take', { terminalId: agentTerm.id })),
      ErrorCode.TerminalNotFound,
    );

    // An agent principal without a name is shown by its client's name.
    expect((await agentTerm.takeFloor()).holder).toMatchObject({ name: 'agent-cli', kind: 'agent' });
    expectCode(await rejection(humanTerm.takeFloor()), ErrorCode.FloorHeld);
    expectCode(await rejection(humanTerm.releaseFloor()), ErrorCode.FloorHeld);
    // The holder's own commands run.
    expect((await agentTerm.execute('echo mine')).stdout).toBe('mine\n');
    // An admin may force; the agent may not force it back.
    expect((await humanTerm.takeFloor({ force: true })).holder?.name).toBe('alice');
    expectCode(await rejection(agentTerm.takeFloor({ force: true })), ErrorCode.Forbidden);
    expectCode(await rejection(agentTerm.execute('echo lost')), ErrorCode.FloorHeld);
    expect((await agent.listTerminals())[0]?.floor?.name).toBe('alice');
    await Promise.all([viewer.peer.close(), stranger.peer.close()]);
  });

  it('works in process: a key stands for the holder, and events say why the floor changed', async () => {
    const o = build();
    const reasons: string[] = [];
    o.on('terminal.floor', (e) =>
      reasons.push(`${e.reason}:${e.previous?.name ?? '-'}>${e.holder?.name ?? '-'}`),
    );
    const term = await o.spawnTerminal('worker');
    o.takeFloor(term.id, { key: 'k-dana', name: 'dana', kind: 'admin' });
    expect(term.info().floor?.name).toBe('dana');
    expect((await o.execute(term.id, 'echo as-dana', {}, { floorKey: 'k-dana' })).stdout).toBe('as-dana\n');
    expectCode(
      await rejection(o.execute(term.id, 'echo other', {}, { floorKey: 'k-eve' })),
      ErrorCode.FloorHeld,
    );
    o.takeFloor(term.id, { key: 'k-eve', name: 'eve', kind: 'admin' }, { force: true });
    expect(o.releaseFloors('k-dana')).toBe(0);
    o.releaseFloor(term.id, 'k-eve');
    o.takeFloor(term.id, { key: 'k-eve', name: 'eve', kind: 'admin' });
    await term.kill();
    expect(reasons).toEqual([
      'taken:->dana',
      'forced:dana>eve',
      'released:eve>-',
      'taken:->eve',
      'exited:eve>-',
    ]);
  });

  it('refuses bad params with InvalidParams', async () => {
    const o = build();
    const agent = await client(o, WORKER);
    const term = await agent.spawnTerminal('worker');
    const { peer } = await rawPeer(o, ALICE);
    const bad: [keyof typeof Methods, unknown][] = [
      ['terminal.floor.take', {}],
      ['terminal.floor.take', { terminalId: 7 }],
      ['terminal.floor.take', { terminalId: term.id, force: 'yes' }],
      ['terminal.floor.release', {}],
      ['terminal.execute', { terminalId: term.id, command: 'true', waitForFloor: 'yes' }],
    ];
    for (const [method, params] of bad) {
      expectCode(await rejection(peer.request(method, params as never)), ErrorCode.InvalidParams);
    }
    expectCode(
      (() => {
        try {
          o.takeFloor(term.id, { key: '', name: 'x', kind: 'admin' });
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(o.floor(term.id).holder).toBeNull();
    await peer.close();
  });
});
