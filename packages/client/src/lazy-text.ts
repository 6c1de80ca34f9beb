// Output text decoded only when someone reads it. A binary output frame (WebSocket) carries the
// PTY's bytes; a reader that only counts them, writes them to a file or hands them to a terminal
// emulator never needs the text, and decoding every chunk was the largest single cost of a
// streaming client (with the garbage it leaves). The in-process stream of @orchflow/terminal
// works the same way, so code moved between embedded and remote use keeps its cost.
//
// `data` is an own, enumerable accessor: JSON, spreads and `structuredClone` see a plain string.
// Every holder shares one getter that finds its text through a symbol; a getter per object would
// keep its closure (and the decoded text) alive in V8's old generation until a full collection.

// ignoreBOM: a U+FEFF the program printed at the start of a chunk is output, not a marker to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The bytes of one chunk and, once read, their text. */
class LazyText {
  private text: string | undefined;

  constructor(readonly bytes: Uint8Array) {}

  get value(): string {
    this.text ??= decoder.decode(this.bytes);
    return this.text;
  }
}

const SOURCE = Symbol('orchflow.lazyText');

interface Holder {
  [SOURCE]?: LazyText;
}

const DATA: PropertyDescriptor = {
  get(this: Holder): string {
    return (this[SOURCE] as LazyText).value;
  },
  // Assigning `data` makes it a plain value again, and drops the bytes that no longer match it.
  set(this: Holder, value: unknown): void {
    Object.defineProperty(this, SOURCE, { value: undefined });
    Object.defineProperty(this, 'data', { value, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
};

function define<T extends object>(holder: T, source: LazyText): T & { data: string } {
  Object.defineProperty(holder, SOURCE, { value: source, configurable: true });
  return Object.defineProperty(holder, 'data', DATA) as T & { data: string };
}

/**
 * Gives `holder` a `data` property that is the UTF-8 decoding of `bytes`, decoded on first read;
 * returns `holder`. `bytes` must end on a character boundary and must not change afterwards.
 */
export function defineLazyText<T extends object>(holder: T, bytes: Uint8Array): T & { data: string } {
  return define(holder, new LazyText(bytes));
}

/** The raw bytes behind `holder.data` when it is still lazy, else undefined (reading nothing). */
export function lazyBytesOf(holder: object): Uint8Array | undefined {
  return (holder as Holder)[SOURCE]?.bytes;
}

/**
 * Sets `to.data` from `from.data` without decoding it: a lazy `data` stays lazy (sharing its
 * decoded text), a plain one is copied. Returns `to`.
 */
export function copyData<T extends object>(from: { data: string }, to: T): T & { data: string } {
  const source = (from as Holder)[SOURCE];
  if (source) return define(to, source);
  return Object.assign(to, { data: from.data });
}

/**
 * A shallow copy of `fields` with `overrides` applied, which keeps a lazy `data` lazy (a spread
 * would read it, and so decode it).
 */
export function withFields<T extends object>(fields: T, overrides: Partial<T>): T {
  const source = (fields as Holder)[SOURCE];
  if (!source) return { ...fields, ...overrides };
  // Every field but `data` as a plain value, then `data` lazy again. Copying the property
  // descriptors instead cost ~20 µs per output chunk (the copy became a dictionary-mode object).
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (key !== 'data') copy[key] = (fields as Record<string, unknown>)[key];
  }
  Object.assign(copy, overrides);
  return define(copy, source) as T;
}
