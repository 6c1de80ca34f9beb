// What every group of RPC handlers receives: the orchestrator, the connection's state, the peer,
// and `serve`, which registers a handler for a protocol method behind the `initialize` gate.
import type {
  HandlerResult,
  MethodName,
  Methods,
  ParamsOf,
  RequestContext,
  RpcPeer,
} from '@orchflow/protocol';
import type { Orchestrator } from '../orchestrator';
import type { Connection } from './connection';
import type { PrincipalScope } from './principal-scope';

/** Serves one method for an initialized connection; params arrive validated. */
export type MethodHandler<K extends MethodName> = (
  params: ParamsOf<K>,
  scope: PrincipalScope,
  request: RequestContext,
) => HandlerResult<typeof Methods, K> | Promise<HandlerResult<typeof Methods, K>>;

/** Registers `handler` for `method`; before `initialize` the method fails with NotInitialized. */
export type Serve = <K extends MethodName>(method: K, handler: MethodHandler<K>) => void;

/** The dependencies of a group of handlers. */
export interface HandlerContext {
  readonly orch: Orchestrator;
  readonly conn: Connection;
  readonly peer: RpcPeer<typeof Methods>;
  readonly serve: Serve;
}
