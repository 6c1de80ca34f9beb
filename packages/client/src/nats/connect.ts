// Connecting to NATS: the options orchflow accepts (servers, credentials, TLS), validated at the
// edge and handed to the official client, `@nats-io/transport-node`. The NATS modules are loaded
// with `import()` on first use, so users of other transports never load them. Connection
// failures become typed errors: refused credentials → Unauthorized, an unreachable server →
// Unavailable (retryable).
import { readFile } from 'node:fs/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';
import { z } from 'zod';
import { checkClusterName, DEFAULT_CLUSTER_NAME } from './subjects';

/** The NATS client module (`@nats-io/transport-node`). */
export type NatsModule = typeof import('@nats-io/transport-node');

/** TLS settings passed through to the NATS client (files are read by it). */
export const NatsTlsSchema = z
  .object({
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    handshakeFirst: z.boolean().optional(),
    rejectUnauthorized: z.boolean().optional(),
  })
  .strict();

/** Schema of {@link NatsConnectOptions}. */
export const NatsConnectOptionsSchema = z
  .object({
    /** One or more `nats://host:port` URLs. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    token: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    pass: z.string().optional(),
    /** A NATS `.creds` file (JWT + nkey seed). */
    credsFile: z.string().min(1).optional(),
    /** An nkey seed (`SU…`). */
    nkeySeed: z.string().min(1).optional(),
    /** `true` for TLS with the system CAs, or the files/PEMs to use. */
    tls: z.union([z.boolean(), NatsTlsSchema]).optional(),
    /** Connection name shown by `nats server report connections`. */
    name: z.string().optional(),
    /** Cluster name (subject namespace). Default `orchflow`. */
    cluster: z.string().optional(),
    /** How long the first connect may take. Default 10 s. */
    connectTimeoutMs: z.number().int().positive().optional(),
    /**
     * Subject prefix of this connection's inboxes (replies and session inboxes), instead of
     * `_INBOX`: with a prefix per NATS user, permissions can keep each user's replies its own
     * (see docs/cluster.md, Security). Nodes accept it once told (`--allow-inbox-prefix`).
     */
    inboxPrefix: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
        'inboxPrefix: subject tokens separated by dots, no wildcards',
      )
      .optional(),
  })
  .strict()
  .refine((o) => o.pass === undefined || o.user !== undefined, {
    message: "'pass' needs 'user'",
  })
  .refine((o) => [o.token, o.user, o.credsFile, o.nkeySeed].filter((x) => x !== undefined).length <= 1, {
    message: "pass one kind of NATS credentials: 'token', 'user'/'pass', 'credsFile' or 'nkeySeed'",
  });

/** How to reach NATS; see {@link NatsConnectOptionsSchema}. */
export type NatsConnectOptions = z.input<typeof NatsConnectOptionsSchema>;

let loading: Promise<NatsModule> | undefined;

/** Loads `@nats-io/transport-node` once. */
export function loadNats(): Promise<NatsModule> {
  loading ??= import('@nats-io/transport-node').catch((error: Error) => {
    loading = undefined;
    throw new OrchflowError(
      ErrorCode.InternalError,
      `Cannot load @nats-io/transport-node (${error.message}); install it next to @orchflow/client`,
    );
  });
  return loading;
}

/** Validates `options`, throwing InvalidParams that names the bad field. */
export function parseNatsOptions(options: unknown): z.output<typeof NatsConnectOptionsSchema> {
  const parsed = NatsConnectOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `'${issue.path.join('.')}': ` : '';
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Invalid NATS options: ${where}${issue?.message ?? 'invalid'}`,
      parsed.error.issues,
    );
  }
  checkClusterName(parsed.data.cluster ?? DEFAULT_CLUSTER_NAME);
  return parsed.data;
}

/**
 * Connects to NATS. The connection reconnects by itself forever (the client library's reconnect);
 * what orchflow does while it is away is up to the session channels and the node.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const o = parseNatsOptions(options);
  const nats = await loadNats();
  const authenticator = o.credsFile
    ? nats.credsAuthenticator(await readCreds(o.credsFile))
    : o.nkeySeed
      ? nats.nkeyAuthenticator(new TextEncoder().encode(o.nkeySeed))
      : undefined;
  const servers = Array.isArray(o.servers) ? o.servers : o.servers.split(',').map((s) => s.trim());
  try {
    return await nats.connect({
      servers,
      token: o.token,
      user: o.user,
      pass: o.pass,
      authenticator,
      tls: o.tls === true ? {} : o.tls === false ? undefined : o.tls,
      name: o.name,
      inboxPrefix: o.inboxPrefix,
      timeout: o.connectTimeoutMs ?? 10_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // nats.js gives reconnecting up for good after two refusals of the credentials in a row, which
      // left a node serving terminals it could no longer reach (a server restarted with a new
      // config, credentials rotated in the wrong order). Keep trying: fixing the server's side
      // brings every node and gateway back. A first connection still fails at once.
      ignoreAuthErrorAbort: true,
    });
  } catch (error) {
    throw connectError(error as Error, servers.join(', '));
  }
}

async function readCreds(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Cannot read the NATS creds file '${path}': ${(error as Error).message}`,
    );
  }
}

function connectError(error: Error, servers: string): OrchflowError {
  const text = `${error.name} ${error.message}`.toLowerCase();
  if (text.includes('authorization') || text.includes('authentication')) {
    return new OrchflowError(
      ErrorCode.Unauthorized,
      `NATS at ${servers} refused the credentials (${error.message}); check them: the 'nats' option's token, user and pass, credsFile or nkeySeed (the CLI's --nats-token, --nats-user and --nats-pass, --nats-creds)`,
      { reason: 'nats-auth' },
      { cause: error },
    );
  }
  return new OrchflowError(
    ErrorCode.Unavailable,
    `Cannot connect to NATS at ${servers}: ${error.message}; is nats-server running there?`,
    { reason: 'nats-unreachable' },
    { cause: error },
  );
}
