// The bytes one token may hold in request bodies still arriving (body-budget.ts): bodies and
// message-stream lines that stall part-way are charged to their token, which past 8 × maxBodyBytes
// (32 MiB by default) gets `429` saying so, while other tokens go on; the bytes come back when the
// bodies end, and a body of the full maxBodyBytes still goes through. Each test stalls real
// requests on a server on 127.0.0.1:0.
import { type ClientRequest, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { heldBodyBytes } from '../src/http/body-budget';
import { DEFAULT_HTTP_MAX_BODY_BYTES } from '../src/http/http-server-options';
import { initialize, rawSession } from './http-session-harness';
import { startHttp, TOKENS } from './transport-harness';

const MAX_BODY = DEFAULT_HTTP_MAX_BODY_BYTES;
// Just under a whole body: 8 of them fill a token's budget, less 8 bytes.
const STALLED = MAX_BODY - 1;

/** A raw connection that sends a POST's head and `sent` bytes of its body, then stalls. */
interface StalledPost {
  socket: Socket;
  /** Everything the server wrote back so far. */
  readonly answer: string;
}

async function stallPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  sent: number,
): Promise<StalledPost> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  onTestFinished(() => void socket.destroy());
  socket.on('error', () => undefined);
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    answer += text;
  });
  const head = Object.entries({ Host: 'x', 'Content-Type': 'application/json', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  // The body starts a JSON object it never finishes.
  const body = Buffer.alloc(sent, 'x');
  body.write('{"x":"');
  await new Promise<void>((resolve, reject) =>
    socket.write(`POST ${path} HTTP/1.1\r\n${head}Content-Length: ${MAX_BODY}\r\n\r\n`, (error) =>
      error ? reject(error) : socket.write(body, (e) => (e ? reject(e) : resolve())),
    ),
  );
  return {
    socket,
    get answer() {
      return answer;
    },
  };
}

/** The status and parsed JSON error of a raw HTTP answer. */
function parseAnswer(raw: string): { status: number; code: number; message: string } {
  const status = Number(raw.split(' ')[1]);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as {
    error: { code: number; message: string };
  };
  return { status, code: body.error.code, message: body.error.message };
}

/** Opens a session's message stream and writes `data` on it. */
function openUpload(url: string, headers: Record<string, string>) {
  const req: ClientRequest = request(`${url}/v1/rpc/stream`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked' },
  });
  req.flushHeaders();
  onTestFinished(() => void req.destroy());
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
  answer.catch(() => undefined);
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => req.write(data, (error) => (error ? reject(error) : resolve())));
  return { req, write, answer };
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const bigPing = (bytes: number) => ({
  jsonrpc: '2.0',
  id: 'big',
  method: '$/ping',
  params: { pad: 'y'.repeat(bytes - 100) },
});

describe('HTTP bytes of bodies still arriving, per token', () => {
  it('refuses a token past 8 stalled bodies with 429, not other tokens, and gives the bytes back', async () => {
    const { url } = await startHttp();
    const alice = await rawSession(url, TOKENS.alice);
    const stalled: StalledPost[] = [];
    for (let i = 0; i < 8; i++) {
      stalled.push(await stallPost(url, '/v1/terminals', auth(TOKENS.alice), STALLED));
    }
    await expect.poll(() => heldBodyBytes(TOKENS.alice), { timeout: 10_000 }).toBe(8 * STALLED);
    // A ninth body is refused as its bytes arrive, and the refusal reaches the client mid-body.
    const ninth = await stallPost(url, '/v1/terminals', auth(TOKENS.alice), 64 * 1024);
    await expect.poll(() => ninth.answer, { timeout: 10_000 }).toContain('}}');
    const refused = parseAnswer(ninth.answer);
    expect(refused).toMatchObject({ status: 429, code: ErrorCode.Overloaded });
    expect(refused.message).toContain('This token holds');
    expect(refused.message).toContain('8 × maxBodyBytes');
    expect(ninth.answer).toContain('Retry-After: 1');
    // So is any other body of hers, even a small one; the refused body holds nothing.
    expect(await alice.post({ jsonrpc: '2.0', id: 1, method: '$/ping', params: {} })).toBe(429);
    expect(heldBodyBytes(TOKENS.alice)).toBe(8 * STALLED);
    // Another token is not held back by hers.
    expect((await initialize(url, TOKENS.bob)).status).toBe(200);
    // Her bytes come back when those bodies end, and a body of the whole limit goes through.
    for (const post of stalled) post.socket.destroy();
    await expect.poll(() => heldBodyBytes(TOKENS.alice), { timeout: 10_000 }).toBe(0);
    expect(await alice.post(bigPing(MAX_BODY))).toBe(202);
    expect(heldBodyBytes(TOKENS.alice)).toBe(0);
  });

  it('charges unfinished message-stream lines to the token and ends the stream past it with 429', async () => {
    const { url } = await startHttp();
    const sessions = [];
    for (let i = 0; i < 9; i++) sessions.push(await rawSession(url, TOKENS.alice));
    const [first] = sessions;
    if (!first) throw new Error('no session');
    const events = await first.stream();
    // A line's bytes are held while it is unfinished, and given back at its newline.
    const line = `${JSON.stringify({ jsonrpc: '2.0', id: 'whole', method: '$/ping', params: { pad: 'z'.repeat(1 << 20) } })}\n`;
    const upload = openUpload(url, first.headers);
    await upload.write(line.slice(0, 1 << 19));
    await expect.poll(() => heldBodyBytes(TOKENS.alice), { timeout: 10_000 }).toBe(1 << 19);
    await upload.write(line.slice(1 << 19));
    expect((await events.next()).data).toMatchObject({ id: 'whole' });
    expect(heldBodyBytes(TOKENS.alice)).toBe(0);
    upload.req.end();
    expect((await upload.answer).status).toBe(204);
    // Eight streams stalled just short of a whole line each fill her budget...
    const stalled = [];
    for (const session of sessions.slice(0, 8)) {
      const stalling = openUpload(url, session.headers);
      await stalling.write(Buffer.alloc(STALLED, 'x'));
      stalled.push(stalling);
    }
    await expect.poll(() => heldBodyBytes(TOKENS.alice), { timeout: 10_000 }).toBe(8 * STALLED);
    // ...so the ninth stream's unfinished line ends it with 429, after the lines before it.
    const ninth = openUpload(url, (sessions[8] as (typeof sessions)[number]).headers);
    await ninth.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: '$/ping', params: {} })}\n{"jsonrpc"`,
    );
    const answer = await ninth.answer;
    expect(answer.status).toBe(429);
    const error = (JSON.parse(answer.body) as { error: { code: number; message: string } }).error;
    expect(error.code).toBe(ErrorCode.Overloaded);
    expect(error.message).toContain('write each message-stream line whole');
    // Her REST bodies are held back by the same budget; another token's are not.
    expect((await initialize(url, TOKENS.alice)).status).toBe(429);
    expect((await initialize(url, TOKENS.bob)).status).toBe(200);
    // Streams that end give their lines back.
    for (const stalling of stalled) stalling.req.destroy();
    await expect.poll(() => heldBodyBytes(TOKENS.alice), { timeout: 10_000 }).toBe(0);
    expect((await initialize(url, TOKENS.alice)).status).toBe(200);
  });
});
