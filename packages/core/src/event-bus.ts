// Delivers orchestrator events to `on(...)` listeners (eventemitter3) and to every
// `subscribeEvents()` stream. A listener that throws cannot break the terminal or command that
// emitted the event: the error is reported as a process warning. A source whose events cost
// something to produce can wait for its first listener (`onListen`).
import { EventEmitter } from 'eventemitter3';
import { EventStream, type SubscribeEventsOptions } from './event-stream';
import type { OrchestratorEvent, OrchestratorEventMap, OrchestratorEventName } from './events';

/** Listener of event `K`. */
export type EventListener<K extends OrchestratorEventName> = (...args: OrchestratorEventMap[K]) => void;

/** Typed events plus bounded event streams. */
export class EventBus {
  private readonly emitter = new EventEmitter<OrchestratorEventMap>();
  private readonly streams = new Set<EventStream>();
  private readonly listening = new Map<OrchestratorEventName, Array<() => void>>();

  /** A bus whose streams buffer `queueSize` events by default. */
  constructor(private readonly queueSize: number) {}

  /** Adds a listener. */
  on<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): void {
    this.emitter.on(event, listener as never);
    this.heard(event);
  }

  /** Adds a listener that runs once. */
  once<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): void {
    this.emitter.once(event, listener as never);
    this.heard(event);
  }

  /**
   * Calls `callback` each time a listener for `event` is added or a stream accepting it opens
   * (`wants(event)` is then true), after the listener or stream is in place.
   */
  onListen(event: OrchestratorEventName, callback: () => void): void {
    const callbacks = this.listening.get(event);
    if (callbacks) callbacks.push(callback);
    else this.listening.set(event, [callback]);
  }

  /** Removes a listener. */
  off<K extends OrchestratorEventName>(event: K, listener: EventListener<K>): void {
    this.emitter.off(event, listener as never);
  }

  /** True when someone listens for `event` (so costly payloads can be skipped otherwise). */
  wants(event: OrchestratorEventName): boolean {
    if (this.emitter.listenerCount(event) > 0) return true;
    if (this.streams.size === 0) return false;
    for (const stream of this.streams) if (stream.accepts(event)) return true;
    return false;
  }

  /** Emits an event to listeners and streams. */
  emit<K extends OrchestratorEventName>(event: K, data: OrchestratorEventMap[K][0]): void {
    // Events nobody listens for are most of them (every command emits two): no closure, message
    // or iterator is made for those.
    if (this.emitter.listenerCount(event) > 0) {
      this.guard(`a '${event}' listener`, () =>
        (this.emitter.emit as (e: K, d: unknown) => boolean)(event, data),
      );
    }
    if (this.streams.size === 0) return;
    for (const stream of this.streams) {
      if (stream.accepts(event)) stream.push({ type: event, data } as OrchestratorEvent);
    }
  }

  /** Runs a caller's callback; a throw is reported as a process warning, never passed on. */
  guard(what: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`orchflow: ${what} threw: ${message}`, 'OrchflowListenerWarning');
    }
  }

  /** A new bounded event stream. */
  subscribe(options: SubscribeEventsOptions = {}): EventStream {
    const stream = new EventStream(options.queueSize ?? this.queueSize, options, (s) =>
      this.streams.delete(s),
    );
    // A stream whose signal was already aborted has closed itself and must not be tracked.
    if (stream.isClosed) return stream;
    this.streams.add(stream);
    for (const event of this.listening.keys()) if (stream.accepts(event)) this.heard(event);
    return stream;
  }

  private heard(event: OrchestratorEventName): void {
    const callbacks = this.listening.get(event);
    if (callbacks) for (const callback of callbacks) this.guard(`an '${event}' onListen callback`, callback);
  }

  /** Ends every stream (after their queued events) and drops every listener. */
  close(): void {
    for (const stream of [...this.streams]) stream.end();
    this.emitter.removeAllListeners();
  }
}
