// The one shape every "stop listening" handle in orchflow has: `dispose()`, and the standard
// `Symbol.dispose` too, so `using sub = terminal.onData(...)` works. It extends the global
// `Disposable` (TypeScript's lib / @types/node) rather than shadowing it.

/** A handle that stops what it was returned for: call `dispose()`, or declare it with `using`. */
export interface Disposer extends Disposable {
  /** Stops; calling it again does nothing. */
  dispose(): void;
}

// Node 20 defines Symbol.dispose; a runtime without it still gets `dispose()`.
const DISPOSE: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

/** A {@link Disposer} that runs `stop` once, however often it is disposed. */
export function disposer(stop: () => void): Disposer {
  let done = false;
  const dispose = (): void => {
    if (done) return;
    done = true;
    stop();
  };
  const handle = { dispose } as Disposer;
  if (DISPOSE !== undefined) Object.defineProperty(handle, DISPOSE, { value: dispose });
  return handle;
}
