// `$/shutdown`: the clean end of a connection. A client sends it right before it closes, so the
// server can tell "done" from "dropped": the terminals the connection holds are killed at once
// (they stop counting against quotas) and the answer goes out only once they are gone. Without
// it, a closing channel is a drop, and a server that keeps terminals for reconnecting clients
// keeps them.
import type { HandlerContext } from './handler-context';

/**
 * Releases a connection's terminals on `$/shutdown`; resolves with how many were killed. A server
 * that tracks terminals beyond those spawned through the connection (adopted ones) supplies its own.
 */
export type ReleaseTerminals = () => Promise<number>;

/** Registers `$/shutdown`; `release` defaults to killing the terminals spawned through the connection. */
export function registerShutdown({ conn, serve }: HandlerContext, release?: ReleaseTerminals): void {
  serve('$/shutdown', async () => ({ released: await (release ?? (() => conn.killSpawned()))() }));
}
