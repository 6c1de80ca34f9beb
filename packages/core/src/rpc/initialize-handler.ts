// The `initialize` handshake and `$/ping`. `initialize` checks the protocol version, decides the
// principal (fixed by the server, or from the client's token via `authenticate`) and the
// connection's own security policy (serveChannel's `policy`, or one the principal carries), and
// answers with what this server supports. Both work before initialization; everything else waits.
import {
  checkProtocolVersion,
  ErrorCode,
  type ExecutionMode,
  type InitializeParams,
  type InitializeResult,
  Methods,
  OrchflowError,
  PROTOCOL_VERSION,
  type Principal,
  type ServerCapabilities,
  type ServerInfo,
} from '@orchflow/protocol';
import { availableIsolationLevels } from '@orchflow/security';
import { hostContainment } from '@orchflow/terminal';
import packageJson from '../../package.json';
import { ConnectionPolicy } from '../connection-policy';
import type { Orchestrator } from '../orchestrator';
import type { HandlerContext } from './handler-context';
import { PrincipalScope } from './principal-scope';

/** Protocol features this dispatcher implements, as listed in `capabilities.features`. */
export const SERVER_FEATURES: readonly string[] = Object.freeze([
  'subscriptions',
  'executeProgress',
  // An execute's `$/progress` values carry `nextOffset`, and a `started` notice after admission.
  'executeStarted',
  'cancellation',
  'batchExecute',
  'transactions',
  'emergencyControls',
  'metrics',
  // `$/shutdown`: a clean end the server tells apart from a dropped connection.
  'shutdown',
]);

/**
 * The feature a connection lists when its terminals and running commands survive a dropped
 * connection (a reconnecting client resumes its streams from their offsets). Per connection:
 * stdio, and Unix sockets and in-process channels that kill on close, do not list it.
 */
export const RECONNECT_FEATURE = 'reconnect';

/** The `serverInfo` reported when `serveChannel` is given none. */
export const DEFAULT_SERVER_INFO: ServerInfo = Object.freeze({
  name: 'orchflow',
  version: packageJson.version,
});

/** Maps an `initialize` request (its token) to a principal; throw `Unauthorized` to refuse. */
export type Authenticate = (params: InitializeParams) => Principal | Promise<Principal>;

/** How `initialize` answers. */
export interface InitializeSettings {
  /** The principal of every caller on this channel (ignored when `authenticate` is set). */
  principal: Principal;
  authenticate: Authenticate | undefined;
  /** The connection's own security policy, on top of the orchestrator's. */
  policy: ConnectionPolicy | undefined;
  serverInfo: ServerInfo;
  transports: readonly string[];
  /** Whether a dropped connection's terminals survive it (the `reconnect` feature). */
  reconnect: boolean;
}

/** Registers `initialize` and `$/ping`. */
export function registerInitialize({ orch, conn, peer }: HandlerContext, settings: InitializeSettings): void {
  peer.onRequest('initialize', Methods.initialize.params, async (params) => {
    if (conn.initialized) throw alreadyInitialized();
    const version = checkProtocolVersion(params.protocolVersion);
    if (!version.compatible) {
      throw new OrchflowError(ErrorCode.VersionMismatch, version.reason, { serverVersion: PROTOCOL_VERSION });
    }
    const principal = await withPolicy(
      settings.authenticate ? await settings.authenticate(params) : settings.principal,
      settings.policy,
    );
    // A second initialize may have won while `authenticate` or loading the policy ran.
    if (conn.initialized) throw alreadyInitialized();
    conn.initialize(new PrincipalScope(principal));
    conn.clientName = params.clientInfo.name;
    return initializeResult(orch, settings, principal);
  });
  peer.onRequest('$/ping', Methods['$/ping'].params, () => ({
    pong: true as const,
    time: Date.now(),
  }));
}

/**
 * `principal` carrying the connection's policy (`policy`, or the one it already carries), with
 * the policy's bash parser loaded so the first command does not pay for it. Two different
 * policies are a configuration error: the connection is refused rather than one being dropped.
 */
async function withPolicy(principal: Principal, policy: ConnectionPolicy | undefined): Promise<Principal> {
  const carried = ConnectionPolicy.of(principal);
  if (policy && carried && carried !== policy) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      "This connection has two security policies: serveChannel's `policy` and one its authenticated principal carries. Configure only one of them",
    );
  }
  const effective = carried ?? policy;
  await effective?.ready();
  return policy && !carried ? policy.bind(principal) : principal;
}

function alreadyInitialized(): OrchflowError {
  return new OrchflowError(
    ErrorCode.InvalidState,
    "'initialize' was already called on this connection; send it only once",
  );
}

function initializeResult(
  orch: Orchestrator,
  settings: InitializeSettings,
  principal: Principal,
): InitializeResult {
  const capabilities = serverCapabilities(orch, settings);
  return { protocolVersion: PROTOCOL_VERSION, serverInfo: settings.serverInfo, capabilities, principal };
}

/**
 * What `initialize` reports as `capabilities` for a connection to `orch` over `transports`
 * (`reconnect`: its terminals survive a dropped connection). A cluster node announces it, so a
 * router knows every node's capabilities without a session to each.
 */
export function serverCapabilities(
  orch: Orchestrator,
  settings: { transports: readonly string[]; reconnect: boolean },
): ServerCapabilities {
  return {
    transports: [...settings.transports],
    executionModes: executionModes(orch),
    backends: [orch.backend.name],
    isolationLevels: availableIsolationLevels(),
    ...containmentCapabilities(),
    features: settings.reconnect ? [...SERVER_FEATURES, RECONNECT_FEATURE] : [...SERVER_FEATURES],
  };
}

// `sandboxed` runs under bubblewrap (or stronger), so it is offered only where bwrap is installed.
function executionModes(orch: Orchestrator): ExecutionMode[] {
  const modes = orch.backend.capabilities().executionModes;
  const sandbox = availableIsolationLevels().includes('sandbox');
  return modes.filter((mode) => mode !== 'sandboxed' || sandbox);
}

// What the host gives every terminal (probed once per process; see @orchflow/terminal's containment).
function containmentCapabilities(): Pick<ServerCapabilities, 'containment' | 'injectionGuard'> {
  const host = hostContainment();
  return { containment: host.kind, injectionGuard: host.injectionGuard };
}
