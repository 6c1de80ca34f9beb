// A session's inbox is a plain subject that whoever opens a session names, so a token holder who
// learned another client's inbox (by reading `_INBOX.>`) could open a session naming it: the node
// then sent the victim the attacker's session — output under the victim's subscription ids (they
// are per-session counters, `sub-1`), answers under its in-flight request ids, and a close notice
// that dropped its session. Nodes now name the session on every message (`Orchflow-Session`) and
// clients drop what names another; a node publishes only into inbox namespaces (`_INBOX.…` and the
// prefixes it was given), never into another cluster's or an application's subjects.
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  clusterSubjects,
  loadNats,
  type NatsSessionChannel,
  openNodeSession,
} from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
import { DirectBackend } from '@orchflow/mux';
import { ErrorCode, isOrchflowError, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NodeSessions } from '../src/cluster/sessions';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS, testAuthenticator } from './transport-harness';

const CONNECT = 'orchflow.orchflow.node.n1.connect';
const encoder = new TextEncoder();

/** Asks node n1 for a session on `inbox`: its session id, or the error it answered. */
async function openOn(
  nc: NatsConnection,
  inbox: string,
  subject = CONNECT,
): Promise<{ session?: string; error?: { code: number; message: string; data?: { reason?: string } } }> {
  const reply = await nc.request(subject, JSON.stringify({ token: TOKENS.admin, inbox }), { timeout: 5_000 });
  return reply.json();
}

/** The Orchflow-Session header of a message ('' when none). */
const sessionOf = (msg: Msg) => msg.headers?.get('Orchflow-Session') ?? '';

describe('a session opened on another client’s inbox', { timeout: 60_000 }, () => {
  it('reaches nothing of that client: no output, no answers, no close', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1', sessionTtlMs: 30_000 });
    // The attacker learns the victim's inbox from the session-open request.
    const attacker = await ncForTest(nats.url);
    const inboxes: string[] = [];
    attacker.subscribe(CONNECT, {
      callback: (_e, msg) => {
        inboxes.push(msg.json<{ inbox: string }>().inbox);
      },
    });
    await attacker.flush();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if ((warning as { code?: string }).code === 'ORCHFLOW_FOREIGN_SESSION') warnings.push(warning);
    };
    process.on('warning', onWarning);
    onTestFinished(() => {
      process.off('warning', onWarning);
    });
    let reconnected = 0;
    const victim = await OrchflowClient.nats({
      servers: nats.url,
      token: TOKENS.admin,
      reconnect: { onReconnected: () => reconnected++ },
    });
    onTestFinished(() => victim.close());
    const terminal = await victim.spawnTerminal('victim', { placement: { node: 'n1' } });
    const heard: string[] = [];
    await terminal.onOutput((chunk) => heard.push(chunk.data));
    expect(inboxes).toHaveLength(1);
    const inbox = inboxes[0] as string;

    // The attacker's own session, on the victim's inbox; it reads the answers there too.
    const opened = await openOn(attacker, inbox);
    const session = opened.session as string;
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    const answers = new Map<string, unknown>();
    let forgedOut = 0;
    attacker.subscribe(inbox, {
      callback: (_e, msg) => {
        if (msg.data.length === 0 || msg.data[0] === 0) return;
        const message = msg.json<{
          id?: unknown;
          result?: unknown;
          method?: string;
          params?: { data?: string };
        }>();
        if (typeof message.id === 'string') answers.set(message.id, message.result);
        if (message.method === 'terminal.output' && message.params?.data?.includes('FORGED-300')) forgedOut++;
      },
    });
    const subject = `orchflow.orchflow.node.n1.s.${session}`;
    const call = async (id: string | number, method: string, params: unknown) => {
      attacker.publish(subject, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      if (typeof id === 'string') await until(() => answers.has(id), `the answer to ${id}`);
      return answers.get(String(id));
    };
    await call('a-init', 'initialize', {
      protocolVersion: PROTOCOL_VERSION,
      clientInfo: { name: 'attacker' },
    });
    const spawned = (await call('a-spawn', 'terminal.spawn', { agentId: 'attacker' })) as { id: string };
    // Subscription ids count up per session (`sub-1`, …): these are the victim's ids too.
    for (let n = 1; n <= 3; n++) await call(`a-sub-${n}`, 'terminal.subscribe', { terminalId: spawned.id });
    // A victim's request in flight while the attacker's answers go out under small numeric ids.
    const inFlight = terminal.execute('sleep 1; echo real');
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let id = 1; id <= 60; id++) await call(id, 'terminal.list', {});
    // Past the victim's offsets, or its stream would drop the output as already delivered.
    await call('a-exec', 'terminal.execute', {
      terminalId: spawned.id,
      command: 'for i in $(seq 1 300); do echo FORGED-$i; done',
    });
    // Output goes out after the answer: on every subscription of the attacker's, `sub-1` to `sub-3`.
    await until(() => forgedOut === 3, "the attacker's output on the victim's inbox");
    // A malformed message: the node ends the attacker's session with a close notice to the inbox.
    attacker.publish(subject, encoder.encode('not json'));
    await attacker.flush();
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Soft: each shows on its own when it fails (the router's check alone stops the output).
    expect.soft((await inFlight.catch((e: Error) => ({ stdout: e.message }))).stdout).toBe('real\n');
    expect((await terminal.execute('echo still-here')).stdout).toBe('still-here\n');
    const own = await until(
      () => heard.join('').includes('still-here'),
      "the victim's own output",
      5_000,
    ).then(
      () => true,
      () => false,
    );
    expect.soft(own, "the victim's stream still carries its output").toBe(true);
    expect.soft(heard.join('')).not.toContain('FORGED');
    // The close notice of the attacker's session did not end the victim's.
    expect.soft(reconnected).toBe(0);
    // Reported once, not once per message.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("node 'n1'");
  });
});

describe('the session-open inbox', { timeout: 60_000 }, () => {
  it('must be in an inbox namespace: no other cluster’s subjects, no application subject', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const nc = await ncForTest(nats.url);
    for (const inbox of [
      'orchflow.other.node.n9.s.abc',
      'orders.created',
      'INBOX.x',
      '_INBOXx.y',
      '_INBOX',
    ]) {
      const { error } = await openOn(nc, inbox);
      expect(error?.code, inbox).toBe(ErrorCode.InvalidParams);
      if (inbox !== '_INBOX') {
        expect(error?.data?.reason, inbox).toBe('inbox-namespace');
        expect(error?.message).toContain('_INBOX.');
      }
    }
    expect((await openOn(nc, '_INBOX.fine')).session).toBeDefined();
  });

  it('is on every message the node sends, close notices included', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1', sessionTtlMs: 30_000 });
    const nc = await ncForTest(nats.url);
    const inbox = `_INBOX.stamped${Date.now()}`;
    const seen: { session: string; close: string }[] = [];
    nc.subscribe(inbox, {
      callback: (_e, msg) => {
        seen.push({ session: sessionOf(msg), close: msg.headers?.get('Orchflow-Close') ?? '' });
      },
    });
    const { session } = await openOn(nc, inbox);
    const subject = `orchflow.orchflow.node.n1.s.${session}`;
    nc.publish(
      subject,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } },
      }),
    );
    await until(() => seen.length > 0, 'the answer');
    nc.publish(subject, encoder.encode('not json'));
    await until(() => seen.some((m) => m.close !== ''), 'the close notice');
    expect(seen.every((m) => m.session === session)).toBe(true);
  });

  it('may use a custom inbox prefix the node was given; a node without it refuses it clearly', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const orch = Orchestrator.builder().withBackend(new DirectBackend()).withTerminalIdPrefix('n2_').build();
    onTestFinished(() => orch.shutdown());
    await orch.ready();
    const own = await ncForTest(nats.url);
    const sessions = new NodeSessions({
      orchestrator: orch,
      nc: own,
      nats: await loadNats(),
      subjects: clusterSubjects('orchflow'),
      nodeId: 'n2',
      auth: testAuthenticator(),
      sessionTtlMs: 30_000,
      reconnectGraceMs: 0,
      maxInFlight: 16,
      maxMessageBytes: 1 << 20,
      onError: () => undefined,
      inboxPrefixes: ['acme.inbox'],
    });
    sessions.start();
    onTestFinished(() => sessions.stop());
    await own.flush();
    // A client whose connection has its own inbox prefix (NATS permissions may allow only it).
    const nats2 = await loadNats();
    const custom = await nats2.connect({ servers: nats.url, inboxPrefix: 'acme.inbox' });
    onTestFinished(() => custom.close());
    const channel: NatsSessionChannel = await openNodeSession(custom, { node: 'n2', token: TOKENS.admin });
    onTestFinished(() => channel.close());
    await channel.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'custom' } },
    });
    expect(await channel.receive()).toMatchObject({ id: 1, result: { protocolVersion: PROTOCOL_VERSION } });
    // n1 was not given the prefix.
    const refused = await openNodeSession(custom, { node: 'n1', token: TOKENS.admin }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowError(refused)).toBe(true);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidParams, data: { reason: 'inbox-namespace' } });
    expect((refused as Error).message).toContain("'acme.inbox.");
  });

  it('prefixes a node is given must be concrete and outside every cluster’s subjects', async () => {
    const nats = await natsForTest();
    const own = await ncForTest(nats.url);
    const orch = Orchestrator.builder().build();
    onTestFinished(() => orch.shutdown());
    for (const prefix of ['orchflow', 'orchflow.other', 'acme.*', 'acme.>', '$SYS', 'acme..x', '', 'a b']) {
      const create = () =>
        new NodeSessions({
          orchestrator: orch,
          nc: own,
          nats: {} as never,
          subjects: clusterSubjects('prod'),
          nodeId: 'n3',
          auth: testAuthenticator(),
          sessionTtlMs: 30_000,
          reconnectGraceMs: 0,
          maxInFlight: 16,
          maxMessageBytes: 1 << 20,
          onError: () => undefined,
          inboxPrefixes: [prefix],
        });
      expect(create, prefix).toThrow(/Invalid inbox prefix/);
    }
  });
});

describe('the client end of a session', { timeout: 60_000 }, () => {
  /** A hand-made node 'fake' answering session opens with `session`; returns the inboxes asked for. */
  async function fakeNode(nc: NatsConnection, session: string): Promise<string[]> {
    const inboxes: string[] = [];
    nc.subscribe('orchflow.orchflow.node.fake.connect', {
      callback: (_e, msg) => {
        inboxes.push(msg.json<{ inbox: string }>().inbox);
        msg.respond(JSON.stringify({ session, maxPayload: 1 << 20, sessionTtlMs: 30_000 }));
      },
    });
    await nc.flush();
    return inboxes;
  }

  const note = (text: string) =>
    encoder.encode(JSON.stringify({ jsonrpc: '2.0', method: 'note', params: { text } }));

  /** A session opened on a fake node answering as `session`: the client's channel and what it warned. */
  async function fakeSession(session: string) {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const node = await ncForTest(nats.url);
    const inboxes = await fakeNode(node, session);
    const warnings: Error[] = [];
    const channel = await openNodeSession(nc, {
      node: 'fake',
      token: TOKENS.admin,
      onForeignMessage: (warning) => warnings.push(warning),
    });
    onTestFinished(() => channel.close());
    return { node, channel, warnings, inbox: inboxes[0] as string };
  }

  it('drops messages naming another session (reported once), then unnamed ones too', async () => {
    const { node, channel, warnings, inbox } = await fakeSession('mine');
    const { headers } = await loadNats();
    const publish = (data: Uint8Array, fields: Record<string, string>) => {
      const h = headers();
      for (const [name, value] of Object.entries(fields)) h.set(name, value);
      node.publish(inbox, data, Object.keys(fields).length > 0 ? { headers: h } : undefined);
    };
    publish(note('one'), { 'Orchflow-Session': 'mine' });
    publish(note('forged'), { 'Orchflow-Session': 'theirs' });
    publish(note('forged-2'), { 'Orchflow-Session': 'theirs' });
    publish(new Uint8Array(), { 'Orchflow-Session': 'theirs', 'Orchflow-Close': 'forged close' });
    // Once the node named the session, a message naming none is not the node's.
    publish(note('unnamed'), {});
    publish(note('two'), { 'Orchflow-Session': 'mine' });
    await node.flush();
    expect(await channel.receive()).toMatchObject({ params: { text: 'one' } });
    expect(await channel.receive()).toMatchObject({ params: { text: 'two' } });
    expect(channel.closed).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ data: { reason: 'foreign-session', nodeId: 'fake' } });
    publish(new Uint8Array(), { 'Orchflow-Session': 'mine', 'Orchflow-Close': 'bye' });
    await until(() => channel.closed, 'the close of its own session');
  });

  it('reads a node of an earlier version, which names no session', async () => {
    const { node, channel, warnings, inbox } = await fakeSession('old');
    node.publish(inbox, note('a'));
    node.publish(inbox, note('b'));
    expect(await channel.receive()).toMatchObject({ params: { text: 'a' } });
    expect(await channel.receive()).toMatchObject({ params: { text: 'b' } });
    expect(warnings).toHaveLength(0);
  });
});
