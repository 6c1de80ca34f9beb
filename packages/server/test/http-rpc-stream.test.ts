// A session's message stream (`POST /v1/rpc/stream`) as a raw client meets it: lines are taken in
// order whatever the chunk boundaries (inside a line, inside a UTF-8 character), a bad line is
// answered on the event stream and the rest go on, a line over the body limit ends the stream
// with 413, a newer stream replaces an older one (409), the end of the session ends it (404),
// and it needs the session's own token and the NDJSON media type.
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type RawSession, rawSession } from './http-session-harness';
import { startHttp, TOKENS } from './transport-harness';

const line = (message: unknown) => `${JSON.stringify(message)}\n`;
const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: '$/ping', params: {} });

interface Upload {
  req: ClientRequest;
  /** Writes bytes and waits until they went to the socket. */
  write(data: string | Buffer): Promise<void>;
  /** The server's answer, whenever it comes. */
  answer: Promise<{ status: number; body: string }>;
}

/** Opens a message stream of `session` with `headers` (its own by default) and sends its head. */
function openUpload(url: string, headers: Record<string, string>, path = '/v1/rpc/stream'): Upload {
  const req = request(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked' },
  });
  req.flushHeaders();
  onTestFinished(() => void req.destroy());
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
  // Tests that leave a stream open see it cut when the server stops.
  answer.catch(() => undefined);
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => req.write(data, (error) => (error ? reject(error) : resolve())));
  return { req, write, answer };
}

async function session(options: Parameters<typeof startHttp>[0] = {}) {
  const { url, server } = await startHttp(options);
  const raw: RawSession = await rawSession(url, TOKENS.admin);
  const events = await raw.stream();
  return { url, server, raw, events };
}

describe('HTTP session message stream', () => {
  it('takes lines in order across chunk boundaries, inside a line and inside a character', async () => {
    const { url, raw, events } = await session();
    const upload = openUpload(url, raw.headers);
    // An unknown method is answered with its name: the name checks the text arrived whole.
    const named = line({ jsonrpc: '2.0', id: 3, method: 'nö-🙂-method', params: {} });
    const bytes = Buffer.from(line(ping(1)) + line(ping(2)) + named + line(ping(4)));
    const cut = bytes.indexOf(Buffer.from('🙂')) + 2; // inside the emoji's four bytes
    await upload.write(bytes.subarray(0, 5));
    await upload.write(bytes.subarray(5, cut));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await upload.write(bytes.subarray(cut));
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const event = (await events.next()).data as { id: number; error?: { message: string } };
      ids.push(event.id);
      if (event.id === 3) {
        expect(event.error?.message).toContain('nö-🙂-method');
      }
    }
    expect(ids).toEqual([1, 2, 3, 4]);
    upload.req.end();
    expect((await upload.answer).status).toBe(204);
  });

  it('answers a line that is not JSON-RPC on the event stream and goes on', async () => {
    const { url, raw, events } = await session();
    const upload = openUpload(url, raw.headers);
    await upload.write(`{"jsonrpc": "2.0", "id": 1, \n\n42\n${line(ping(2))}`);
    expect((await events.next()).data).toMatchObject({ id: null, error: { code: ErrorCode.ParseError } });
    expect((await events.next()).data).toMatchObject({ id: null, error: { code: ErrorCode.InvalidRequest } });
    expect((await events.next()).data).toMatchObject({ id: 2, result: {} });
  });

  it('ends the stream with 413 at a line over the body limit, after the lines before it; the session goes on', async () => {
    const { url, raw, events } = await session({ maxBodyBytes: 1024 });
    const upload = openUpload(url, raw.headers);
    // In one chunk: two whole lines, then 2 KiB without a newline, refused once past the limit.
    upload.write(line(ping(1)) + line(ping(2)) + 'x'.repeat(2048)).catch(() => undefined);
    expect((await events.next()).data).toMatchObject({ id: 1 });
    expect((await events.next()).data).toMatchObject({ id: 2 });
    const answer = await upload.answer;
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(await raw.post(ping(3))).toBe(202);
    expect((await events.next()).data).toMatchObject({ id: 3 });
  });

  it('outlives the deadline other requests have to arrive whole (408)', async () => {
    const { url, raw, events } = await session({ requestBodyTimeoutMs: 300 });
    // A trailing slash names the same route, with the same media type.
    const upload = openUpload(url, raw.headers, '/v1/rpc/stream/');
    await upload.write(line(ping(1)));
    expect((await events.next()).data).toMatchObject({ id: 1 });
    // A POST whose body never arrives whole is answered 408 once the deadline passes.
    const trickle = request(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { ...raw.headers, 'Content-Type': 'application/json', 'Content-Length': '100' },
    });
    trickle.on('error', () => undefined);
    const refused = new Promise<number>((resolve) =>
      trickle.once('response', (response) => resolve(response.statusCode ?? 0)),
    );
    trickle.write('{"jsonrpc"');
    expect(await refused).toBe(408);
    trickle.destroy();
    // Refused at once (no token) with its body unread: the deadline still ends the connection,
    // on this route too — only a stream a session accepted is exempt.
    const unauthorized = request(`${url}/v1/rpc/stream`, {
      method: 'POST',
      headers: {
        'Orchflow-Session': raw.id,
        'Content-Type': 'application/x-ndjson',
        'Content-Length': '100',
      },
    });
    unauthorized.on('error', () => undefined);
    const status = new Promise<number>((resolve) =>
      unauthorized.once('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }),
    );
    const cut = new Promise<void>((resolve) => unauthorized.once('close', () => resolve()));
    unauthorized.write('{"json');
    expect(await status).toBe(401);
    await cut;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await upload.write(line(ping(2)));
    expect((await events.next()).data).toMatchObject({ id: 2 });
  });

  it('is replaced by a newer stream of the session (409), and ended with the session (404)', async () => {
    const { url, raw, events, server } = await session();
    const first = openUpload(url, raw.headers);
    await first.write(line(ping(1)));
    expect((await events.next()).data).toMatchObject({ id: 1 });
    const second = openUpload(url, raw.headers);
    await second.write(line(ping(2)));
    expect((await events.next()).data).toMatchObject({ id: 2 });
    expect((await first.answer).status).toBe(409);
    // One message stream per session: the replaced one is gone, and neither takes a stream's slot.
    await expect.poll(() => server.stats().messageStreams).toBe(1);
    expect(server.stats().streams).toBe(1);
    await fetch(`${url}/v1/rpc`, { method: 'DELETE', headers: raw.headers });
    const ended = await second.answer;
    expect([ended.status, JSON.parse(ended.body).error.code]).toEqual([404, ErrorCode.InvalidState]);
    await expect.poll(() => server.stats().streams + server.stats().messageStreams).toBe(0);
  });

  it("needs the session's own token, an existing session and the NDJSON media type", async () => {
    const { url, raw } = await session();
    const bob = openUpload(url, { Authorization: `Bearer ${TOKENS.bob}`, 'Orchflow-Session': raw.id });
    expect((await bob.answer).status).toBe(404);
    const none = openUpload(url, { Authorization: `Bearer ${TOKENS.admin}` });
    expect((await none.answer).status).toBe(400);
    const noToken = openUpload(url, { 'Orchflow-Session': raw.id });
    expect((await noToken.answer).status).toBe(401);
    const json = await fetch(`${url}/v1/rpc/stream`, {
      method: 'POST',
      headers: { ...raw.headers, 'Content-Type': 'application/json' },
      body: line(ping(1)),
    });
    expect(json.status).toBe(415);
    expect(((await json.json()) as { error: { message: string } }).error.message).toContain(
      'application/x-ndjson',
    );
  });
});
