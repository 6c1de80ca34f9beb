// TokenAuthenticator, the tokens file and the bind rule, plus token auth end to end through
// serveChannel on a real orchestrator: no token, wrong token, and an agent token reaching for
// another agent's terminal are refused with the right codes and reveal nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator, serveChannel } from '@orchflow/core';
import { DirectChannel, ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeBind, generateToken, isLoopbackHost, TokenAuthenticator } from '../src/auth';

const ADMIN = 'admin-token-0123456789';
const AGENT = 'agent-token-0123456789';

function authenticator(): TokenAuthenticator {
  return new TokenAuthenticator({
    tokens: [
      { token: ADMIN, principal: { kind: 'admin' } },
      { token: AGENT, principal: { kind: 'agent', name: 'bot', agentIdPrefix: 'bot-' } },
    ],
  });
}

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (error) {
    if (isOrchflowError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('TokenAuthenticator', () => {
  it('maps each token to its principal and refuses others with Unauthorized', async () => {
    const auth = authenticator();
    expect(auth.authenticate({ token: ADMIN })).toEqual({ kind: 'admin' });
    expect(auth.authenticate({ token: AGENT })).toMatchObject({ kind: 'agent', agentIdPrefix: 'bot-' });
    expect(await codeOf(Promise.resolve().then(() => auth.authenticate({})))).toBe(ErrorCode.Unauthorized);
    expect(await codeOf(Promise.resolve().then(() => auth.authenticate({ token: `${ADMIN}x` })))).toBe(
      ErrorCode.Unauthorized,
    );
    expect(auth.lookup(ADMIN.slice(0, -1))).toBeUndefined();
  });

  it('rejects short and duplicate tokens without echoing them', () => {
    expect(() => TokenAuthenticator.single('short')).toThrow(/at least 16/);
    const dup = { token: ADMIN, principal: { kind: 'admin' as const } };
    expect(() => new TokenAuthenticator({ tokens: [dup, dup] })).toThrow(/repeats an earlier token/);
    try {
      TokenAuthenticator.single('short-secret');
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
  });

  describe('tokens file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'orchflow-auth-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('loads a valid file', async () => {
      const file = join(dir, 'tokens.json');
      await writeFile(
        file,
        JSON.stringify({ tokens: [{ token: AGENT, principal: { kind: 'agent', agentIds: ['a'] } }] }),
      );
      const auth = await TokenAuthenticator.fromFile(file);
      expect(auth.size).toBe(1);
      expect(auth.lookup(AGENT)).toEqual({ kind: 'agent', agentIds: ['a'] });
    });

    it('loads a viewer token, and refuses a viewer given agent grants', async () => {
      const file = join(dir, 'viewer.json');
      await writeFile(
        file,
        JSON.stringify({ tokens: [{ token: AGENT, principal: { kind: 'viewer', name: 'wall-screen' } }] }),
      );
      expect((await TokenAuthenticator.fromFile(file)).lookup(AGENT)).toEqual({
        kind: 'viewer',
        name: 'wall-screen',
      });
      // A viewer acts as no agent: a grant there is a mistake, not something to drop silently.
      await writeFile(
        file,
        JSON.stringify({ tokens: [{ token: AGENT, principal: { kind: 'viewer', agentIds: ['a'] } }] }),
      );
      await expect(TokenAuthenticator.fromFile(file)).rejects.toThrow(/tokens\.0\.principal/);
    });

    it('explains a malformed or missing file', async () => {
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{ "tokens": [ { "token": 1 } ] }');
      await expect(TokenAuthenticator.fromFile(bad)).rejects.toThrow(/tokens\.0\.token/);
      await writeFile(bad, 'not json');
      await expect(TokenAuthenticator.fromFile(bad)).rejects.toThrow(/not valid JSON/);
      await expect(TokenAuthenticator.fromFile(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read/);
    });
  });

  it('generates distinct tokens that the authenticator accepts', () => {
    const a = generateToken();
    expect(a).not.toBe(generateToken());
    expect(TokenAuthenticator.single(a).lookup(a)).toEqual({ kind: 'admin' });
  });
});

describe('bind rule', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('refuses a non-loopback bind without tokens only', () => {
    expect(() => assertSafeBind('127.0.0.1', false)).not.toThrow();
    expect(() => assertSafeBind('0.0.0.0', true)).not.toThrow();
    expect(() => assertSafeBind('0.0.0.0', false)).toThrow(/--token/);
  });
});

describe('token auth over serveChannel', () => {
  let orch: Orchestrator;
  beforeAll(() => {
    orch = Orchestrator.builder().build();
  });
  afterAll(() => orch.shutdown());

  function connect(token: string | undefined): Promise<OrchflowClient> {
    const [client, server] = DirectChannel.pair();
    serveChannel(orch, server, { authenticate: authenticator().authenticate });
    return OrchflowClient.fromChannel(client, { token });
  }

  it('refuses a missing, empty or wrong token with Unauthorized', async () => {
    expect(await codeOf(connect(undefined))).toBe(ErrorCode.Unauthorized);
    // An empty token is what an unset variable gives (`token: process.env.TOKEN ?? ''`).
    expect(await codeOf(connect(''))).toBe(ErrorCode.Unauthorized);
    await expect(connect('')).rejects.toThrow(/requires a token/);
    expect(await codeOf(connect('wrong-token-0123456789'))).toBe(ErrorCode.Unauthorized);
  });

  it("keeps an agent out of another agent's terminal without revealing it exists", async () => {
    const admin = await connect(ADMIN);
    const agent = await connect(AGENT);
    try {
      const other = await admin.spawnTerminal('other-agent', { mode: 'scripted' });
      const own = await agent.spawnTerminal('bot-1', { mode: 'scripted' });
      expect(await codeOf(agent.spawnTerminal('other-agent'))).toBe(ErrorCode.Forbidden);
      const visible = (await agent.listTerminals()).map((t) => t.id);
      expect(visible).toEqual([own.id]);
      const foreign = agent.handle(other.info());
      expect(await codeOf(foreign.execute('echo hi'))).toBe(ErrorCode.TerminalNotFound);
      expect(await codeOf(agent.handle({ ...other.info(), id: 'no-such-id' }).execute('echo hi'))).toBe(
        ErrorCode.TerminalNotFound,
      );
      expect(await codeOf(agent.killAll())).toBe(ErrorCode.Forbidden);
    } finally {
      await admin.close();
      await agent.close();
    }
  });
});
