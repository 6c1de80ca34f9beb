// Output text that is decoded only when someone reads it, and the raw bytes it came from. A
// flushed chunk reaches subscribers and channel feeds as bytes; most server-side consumers never
// look at the text (a WebSocket client with binary output frames gets the bytes themselves), so
// decoding UTF-8 per chunk only to encode it back for the frame was wasted work. Text is decoded
// once per chunk, on the first read of `data`, and shared by every reader of that chunk.
import { utf8Decoder } from './utf8';

// Keyed by the object that carries `data` (a notification's params): invisible to JSON,
// structuredClone and spreads, so every other transport sees a plain `{ data: string }`.
const rawBytes = new WeakMap<object, Uint8Array>();

/**
 * A memoised decoder of `bytes`, which must end on a character boundary and must not change
 * afterwards (PTY reads and the batcher's joins are fresh arrays that nothing writes again).
 */
export function lazyText(bytes: Uint8Array): () => string {
  let text: string | undefined;
  return () => {
    text ??= utf8Decoder.decode(bytes);
    return text;
  };
}

// `data` is an own, enumerable accessor (JSON, spreads and structuredClone see a plain string),
// and every holder shares this one getter, which finds its text through a symbol. A getter written
// in an object literal is a new function per object, held by an accessor pair that V8 (11, Node
// 20) allocates in the old generation: through it the getter's closure — with the decoded text
// once it was read — survived every young-generation collection until the next full one. Streaming
// 128 MiB to a listener that read `data` cost 1.1 s of scavenges that way, 40 ms with this getter.
// Assigning `data` (a listener that rewrites an event) makes it a plain value, as it was before
// it was lazy, and drops the raw bytes, which no longer match it.
const LAZY_TEXT = Symbol('orchflow.lazyText');
const DATA: PropertyDescriptor = {
  get(this: { [LAZY_TEXT]: () => string }): string {
    return this[LAZY_TEXT]();
  },
  set(this: object, value: unknown): void {
    rawBytes.delete(this);
    Object.defineProperty(this, 'data', { value, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
};

/**
 * Gives `holder` a `data` property that is `text()` (a {@link lazyText}), read on first access;
 * returns `holder`. Define the properties before `data` first and those after it next, so every
 * holder of a kind has the same shape.
 */
export function defineLazyData<T extends object>(holder: T, text: () => string): T & { data: string } {
  Object.defineProperty(holder, LAZY_TEXT, { value: text });
  return Object.defineProperty(holder, 'data', DATA) as T & { data: string };
}

/** Records that `holder.data` is the UTF-8 decoding of `bytes`; returns `holder`. */
export function attachRawOutput<T extends object>(holder: T, bytes: Uint8Array): T {
  rawBytes.set(holder, bytes);
  return holder;
}

/**
 * The raw bytes whose decoding is `holder.data`, when the pipeline attached them (a
 * `terminal.output` notification's params from a channel feed), else undefined. Reading them does
 * not decode the text.
 */
export function rawOutputOf(holder: object): Uint8Array | undefined {
  return rawBytes.get(holder);
}
