// Test helper for cluster nodes: an orchestrator with node-prefixed terminal ids served by a
// ClusterNode on a real nats-server, stopped when the test ends.
import { connectNats, connectNatsNode, type NatsNodeClientOptions } from '@orchflow/client/internal';
import type { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
import { DirectBackend } from '@orchflow/mux';
import { isOrchflowError } from '@orchflow/protocol';
import { expect, onTestFinished } from 'vitest';
import { ClusterNode, type ClusterNodeOptions } from '../src/cluster/node';
import { type NatsServer, type NatsServerOptions, startNatsServer } from './nats-harness';
import { testAuthenticator } from './transport-harness';

/** A nats-server killed when the test ends; the test fails if the server died by itself. */
export async function natsForTest(options: NatsServerOptions = {}): Promise<NatsServer> {
  const server = await startNatsServer(options);
  onTestFinished(async () => {
    const died = server.unexpectedExit();
    await server.stop();
    if (died) throw new Error(died);
  });
  return server;
}

/** A NATS connection closed when the test ends. */
export async function ncForTest(url: string, extra: { token?: string } = {}) {
  const nc = await connectNats({ servers: url, ...extra });
  onTestFinished(() => nc.close());
  return nc;
}

/**
 * A client of node `node` (with `token`, if any, and `options`; no reconnect) closed when the test
 * ends.
 */
export async function nodeClientForTest(
  url: string,
  node: string,
  token?: string,
  options: Omit<NatsNodeClientOptions, 'servers' | 'connection' | 'node' | 'token' | 'reconnect'> = {},
): Promise<OrchflowClient> {
  const client = await connectNatsNode({ ...options, servers: url, node, token, reconnect: false });
  onTestFinished(() => client.close());
  return client;
}

/**
 * A started node (test tokens, direct backend, ids `<nodeId>_…`, unless `options.orchestrator` is
 * one of the test's own) stopped when the test ends.
 */
export async function nodeForTest(
  url: string,
  options: Partial<ClusterNodeOptions> & { nodeId: string },
): Promise<{ node: ClusterNode; orch: Orchestrator }> {
  const orch =
    options.orchestrator ??
    Orchestrator.builder()
      .withBackend(new DirectBackend())
      .withTerminalIdPrefix(`${options.nodeId}_`)
      .build();
  await orch.ready();
  const node = new ClusterNode({
    nats: { servers: url },
    auth: testAuthenticator(),
    orchestrator: orch,
    ...options,
  });
  onTestFinished(async () => {
    await node.stop();
    await orch.shutdown();
  });
  await node.start();
  return { node, orch };
}

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The OrchflowError `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; data: Record<string, unknown> }> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), String(error)).toBe(true);
  return error as { code: number; message: string; data: Record<string, unknown> };
}
