// The service, composed the way `orchflow serve --ws PORT --tokens FILE` composes it, but from
// code: an orchestrator under the `standard` policy with the tokens file's directory added to its
// forbidden paths, a TokenAuthenticator loaded from the tokens file, and a WebSocketServer on loopback that admits the example page's origin. Next to it, the
// page's own static server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { TokenAuthenticator, WebSocketServer } from '@orchflow/server';
import { startStaticSite } from './static-site';
import { type AgentTokens, writeTokensFile } from './tokens';

/** Options of {@link startExample}. */
export interface ExampleOptions {
  /** Port of the page (default 0: any free port). */
  pagePort?: number;
  /** Port of the orchflow WebSocket (default 0: any free port). */
  websocketPort?: number;
}

/** The running example. */
export interface RunningExample {
  /** The page, with both agents' tokens in the fragment (never sent to a server or logged). */
  pageUrl: string;
  /** `http://127.0.0.1:PORT`: the page's origin, the only browser origin the WebSocket admits. */
  pageOrigin: string;
  /** `ws://127.0.0.1:PORT`: what clients connect to. */
  websocketUrl: string;
  /** The tokens file the server loaded. */
  tokensFile: string;
  /** Its directory: a forbidden path of the server's policy, so of every terminal's. */
  secretsDir: string;
  tokens: AgentTokens;
  /** Stops both servers (killing every terminal) and removes the tokens file. */
  stop(): Promise<void>;
}

/** Starts the orchflow WebSocket service and the page. */
export async function startExample(options: ExampleOptions = {}): Promise<RunningExample> {
  for (const key of ['pagePort', 'websocketPort'] as const) {
    const port = options[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
      throw new OrchflowError(ErrorCode.InvalidParams, `${key} must be a port number 0–65535, got ${port}`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'orchflow-websocket-example-'));
  const { path: tokensFile, tokens } = await writeTokensFile(dir);
  const orchestrator = Orchestrator.builder()
    // The server-level policy applies to every connection, whatever its token's policy: no
    // terminal's command may name the tokens file's directory (see the README for what that
    // check covers and what it does not).
    .withSecurityPolicy({
      ...SecurityPresets.standard,
      forbiddenPaths: [...SecurityPresets.standard.forbiddenPaths, dir],
    })
    .withMaxTerminals(16)
    .build();
  let websocketUrl = '';
  const site = await startStaticSite({ port: options.pagePort, websocketUrl: () => websocketUrl });
  const server = new WebSocketServer({
    orchestrator,
    port: options.websocketPort ?? 0,
    auth: await TokenAuthenticator.fromFile(tokensFile),
    // The page's origin, under both loopback names a person might type; no other browser page.
    allowedOrigins: [site.origin, site.origin.replace('127.0.0.1', 'localhost')],
    onError: (error) => console.error(`orchflow: ${error.message}`),
  });
  websocketUrl = (await server.start()).url;
  const fragment = new URLSearchParams(tokens).toString();
  return {
    pageUrl: `${site.origin}/#${fragment}`,
    pageOrigin: site.origin,
    websocketUrl,
    tokensFile,
    secretsDir: dir,
    tokens,
    stop: async () => {
      await server.stop();
      await site.stop();
      await orchestrator.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
