// The HTTP session protocol as a raw client meets it: sessions are created by `initialize` (whose
// protocol version the server checks), every request and the stream need the bearer token and
// the session's own principal, answers arrive on the numbered SSE stream, a dropped stream resumes
// with `Last-Event-ID` (and says so when it cannot), the in-flight cap answers Overloaded, and
// DELETE ends the session.
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { initialize, openStream, rawSession } from './http-session-harness';
import { startHttp, TOKENS } from './transport-harness';

const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: '$/ping', params: {} });

describe('HTTP sessions: creation and auth', () => {
  it('answers initialize directly and names the session in a header', async () => {
    const { url, server } = await startHttp();
    const created = await initialize(url, TOKENS.admin);
    expect(created.status).toBe(200);
    expect(created.session).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body).toMatchObject({
      id: 'init',
      result: { protocolVersion: PROTOCOL_VERSION, capabilities: { transports: ['http'] } },
    });
    const features = (created.body.result as { capabilities: { features: string[] } }).capabilities.features;
    expect(features).toEqual(expect.arrayContaining(['transactions', 'cancellation', 'executeProgress']));
    expect(server.stats().sessions).toBe(1);
  });

  it("refuses a client whose protocol version is not the server's major", async () => {
    const { url, server } = await startHttp();
    const refused = await initialize(url, TOKENS.admin, '99.0.0');
    expect(refused.session).toBeNull();
    expect(refused.body).toMatchObject({ id: 'init', error: { code: ErrorCode.VersionMismatch } });
    expect(server.stats().sessions).toBe(0);
  });

  it('refuses POSTs and streams without a valid token, and sessions of another principal', async () => {
    const { url } = await startHttp();
    expect((await initialize(url, undefined)).status).toBe(401);
    expect((await initialize(url, 'wrong-token-0123456789abcdef')).status).toBe(401);
    const session = await rawSession(url, TOKENS.alice);
    const noToken = await openStream(url, { 'Orchflow-Session': session.id });
    expect(noToken.status).toBe(401);
    const post = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { 'Orchflow-Session': session.id, 'Content-Type': 'application/json' },
      body: JSON.stringify(ping(1)),
    });
    expect(post.status).toBe(401);
    const bob = { Authorization: `Bearer ${TOKENS.bob}`, 'Orchflow-Session': session.id };
    expect((await openStream(url, bob)).status).toBe(404);
    const bobPost = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { ...bob, 'Content-Type': 'application/json' },
      body: JSON.stringify(ping(2)),
    });
    expect([bobPost.status, ((await bobPost.json()) as { error: { code: number } }).error.code]).toEqual([
      404,
      ErrorCode.InvalidState,
    ]);
    expect((await fetch(`${url}/v1/rpc`, { method: 'DELETE', headers: bob })).status).toBe(404);
  });

  it('requires initialize to start a session', async () => {
    const { url } = await startHttp();
    const response = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(ping(1)),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
  });
});

describe('HTTP sessions: the event stream', () => {
  it('answers POSTs with 202 and delivers answers in order on the stream', async () => {
    const { url } = await startHttp();
    const session = await rawSession(url, TOKENS.admin);
    const stream = await session.stream();
    expect(stream.status).toBe(200);
    for (const id of [1, 2, 3]) expect(await session.post(ping(id))).toBe(202);
    const events = [await stream.next(), await stream.next(), await stream.next()];
    expect(events.map((e) => [e.id, (e.data as { id: number }).id])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
    ]);
  });

  it('resumes after a dropped stream from Last-Event-ID, without loss or repeats', async () => {
    const { url } = await startHttp();
    const session = await rawSession(url, TOKENS.admin);
    const first = await session.stream();
    await session.post(ping(1));
    expect((await first.next()).id).toBe('1');
    first.cut();
    // Answered while no stream is open: held for the next one.
    for (const id of [2, 3]) await session.post(ping(id));
    const resumed = await session.stream('1');
    const ids = [await resumed.next(), await resumed.next()].map((e) => [
      e.id,
      (e.data as { id: number }).id,
    ]);
    expect(ids).toEqual([
      ['2', 2],
      ['3', 3],
    ]);
    // A client that read event 2 but not 3 gets 3 again, and nothing before it.
    resumed.cut();
    const again = await session.stream('2');
    expect((await again.next()).id).toBe('3');
  });

  it('refuses a Last-Event-ID that is not a safe integer with 400, quoting a bounded part of it', async () => {
    const { url } = await startHttp();
    const session = await rawSession(url, TOKENS.admin);
    for (const value of ['abc', '-1', '1.5', '9'.repeat(5000)]) {
      const response = await fetch(`${url}/v1/rpc`, {
        headers: {
          Authorization: `Bearer ${TOKENS.admin}`,
          'Orchflow-Session': session.id,
          'Last-Event-ID': value,
        },
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(ErrorCode.InvalidParams);
      expect(body.error.message).toContain('Last-Event-ID must be an event id');
      expect(body.error.message.length).toBeLessThan(200);
    }
  });

  it('leaves the session its stream when a second one asks for a resume it cannot serve', async () => {
    const { url } = await startHttp();
    const session = await rawSession(url, TOKENS.admin);
    const healthy = await session.stream();
    const refused = await session.stream('99');
    expect(await refused.next()).toMatchObject({ event: 'error', data: { code: ErrorCode.InvalidParams } });
    await session.post(ping(1));
    expect(await healthy.next()).toMatchObject({ id: '1', data: { id: 1 } });
  });

  it('says why a session ended to its owner’s next request, and nothing to anyone else', async () => {
    const { url, server } = await startHttp({ maxBufferedBytes: 4096, sessionTtlMs: 400 });
    const unread = await rawSession(url, TOKENS.alice);
    // No stream is open: the answers pile up until the session is dropped for not reading.
    let status = 202;
    for (let id = 0; status === 202 && id < 1000; id++) status = await unread.post(ping(id));
    const reason = async (headers: Record<string, string>) => {
      const response = await fetch(`${url}/v1/rpc`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(ping('again')),
      });
      expect(response.status).toBe(404);
      return ((await response.json()) as { error: { message: string } }).error.message;
    };
    await expect.poll(() => reason(unread.headers)).toContain('dropped for not reading its events');
    // Bob names Alice's session: he learns nothing about it.
    const bob = { ...unread.headers, Authorization: `Bearer ${TOKENS.bob}` };
    expect(await reason(bob)).toContain('it was closed, stayed idle past the server');
    // A session left alone ends after its TTL; asking before would keep it alive.
    const idle = await rawSession(url, TOKENS.alice);
    await expect.poll(() => server.stats().sessions, { timeout: 10_000 }).toBe(0);
    expect(await reason(idle.headers)).toContain("the server's session TTL (400 ms)");
  });

  it('says so with an error event when the events asked for are no longer held, and cuts the old stream', async () => {
    const { url } = await startHttp({ replayBufferBytes: 1 });
    const session = await rawSession(url, TOKENS.admin);
    const stream = await session.stream();
    for (const id of [1, 2, 3]) await session.post(ping(id));
    for (let i = 0; i < 3; i++) await stream.next();
    const lost = await session.stream('1');
    expect(await lost.next()).toMatchObject({ event: 'error', data: { code: ErrorCode.InvalidState } });
    // Its client lost the stream, which may still look open here: it is cut, so the TTL can run.
    await expect(stream.next()).rejects.toThrow();
    const never = await session.stream('99');
    expect(await never.next()).toMatchObject({ event: 'error', data: { code: ErrorCode.InvalidParams } });
    // Up to date: nothing was lost, so the stream simply continues.
    const current = await session.stream('3');
    await session.post(ping(4));
    expect(await current.next()).toMatchObject({ id: '4', data: { id: 4 } });
  });

  it('answers requests beyond the in-flight cap with Overloaded (one array for a batch)', async () => {
    const { url } = await startHttp({ maxInFlight: 2 });
    const session = await rawSession(url, TOKENS.admin);
    const stream = await session.stream();
    expect(await session.post([ping('a'), ping('b'), ping('c')])).toBe(202);
    const refused = await stream.next();
    expect(refused.data).toEqual([
      expect.objectContaining({ id: 'a', error: expect.objectContaining({ code: ErrorCode.Overloaded }) }),
      expect.objectContaining({ id: 'b', error: expect.objectContaining({ code: ErrorCode.Overloaded }) }),
      expect.objectContaining({ id: 'c', error: expect.objectContaining({ code: ErrorCode.Overloaded }) }),
    ]);
    await session.post([ping('d'), ping('e')]);
    expect((await stream.next()).data).toEqual([
      expect.objectContaining({ id: 'd', result: expect.objectContaining({ pong: true }) }),
      expect.objectContaining({ id: 'e', result: expect.objectContaining({ pong: true }) }),
    ]);
  });

  it('ends a session on DELETE; later requests get 404', async () => {
    const { url, server } = await startHttp();
    const session = await rawSession(url, TOKENS.admin);
    const response = await fetch(`${url}/v1/rpc`, { method: 'DELETE', headers: session.headers });
    expect(response.status).toBe(204);
    expect(server.stats().sessions).toBe(0);
    expect(await session.post(ping(1))).toBe(404);
    expect((await session.stream()).status).toBe(404);
  });
});
