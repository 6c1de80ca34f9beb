// In-package access to an orchestrator's event bus, for the parts of core that emit events but
// are not the Orchestrator class (the RPC layer's `connection.open`/`close`, `rpc.request`).
// A WeakMap rather than a public method: callers outside core must not be able to forge events.
import type { EventBus } from './event-bus';
import type { Orchestrator } from './orchestrator';

const buses = new WeakMap<Orchestrator, EventBus>();

/** Registers `orchestrator`'s bus (called once, by its constructor). */
export function registerEventBus(orchestrator: Orchestrator, bus: EventBus): void {
  buses.set(orchestrator, bus);
}

/** The event bus of `orchestrator`, if it registered one. */
export function eventBusOf(orchestrator: Orchestrator): EventBus | undefined {
  return buses.get(orchestrator);
}
