// Secret redaction at the source: a terminal given a redaction passes its display bytes through
// it before they reach the output pipeline and the command's capture, so the scrollback ring —
// and everything read from it (read, subscribe, snapshots, ExecResult, recordings) — only ever
// holds redacted bytes and offsets stay consistent. The engine is `@orchflow/security`'s
// Redactor; this package only states the shape it needs, so it depends on no policy code.
//
// A stream holds back a tail that could still be the start of a secret. The owner releases it at
// boundaries a secret cannot span (shell-integration markers, exit) and after a short timer, so
// output never stalls on a held prefix.
import { DEFAULT_BATCH_INTERVAL_MS } from './batcher';

/** One output stream's redaction state (structurally `@orchflow/security`'s StreamRedactor). */
export interface OutputRedactionStream {
  /** Redacts `chunk` after what is held; returns what may go out now. */
  write(chunk: Uint8Array): Uint8Array;
  /** Releases what is held. */
  flush(): Uint8Array;
  /** True while bytes are held back. */
  readonly holding: boolean;
}

/**
 * What a terminal redacts (structurally `@orchflow/security`'s Redactor: pass
 * `createRedactor(...)` or `redactorForPolicy(...)`).
 */
export interface TerminalRedaction {
  /** A new stream: one per output stream (the PTY; stdout and stderr in scripted mode). */
  stream(): OutputRedactionStream;
  /** Redacts a whole text (command history records). */
  redact(text: string): string;
}

/**
 * How long a held tail waits for the bytes that decide it before it is released anyway: the
 * output batch interval, so redaction adds no latency beyond one batch.
 */
export const REDACTION_HOLD_MS = DEFAULT_BATCH_INTERVAL_MS;

/** Passes bytes through a redaction stream into `sink`, releasing a held tail on a timer. */
export class RedactingSink {
  private readonly stream: OutputRedactionStream;
  private timer: NodeJS.Timeout | undefined;

  /** Redacts with a new stream of `redaction` into `sink`; a held tail goes out after `holdMs`. */
  constructor(
    redaction: TerminalRedaction,
    private readonly sink: (bytes: Uint8Array) => void,
    private readonly holdMs = REDACTION_HOLD_MS,
  ) {
    this.stream = redaction.stream();
  }

  /** Redacts `bytes` and passes on what may go out now. */
  push(bytes: Uint8Array): void {
    const out = this.stream.write(bytes);
    if (out.byteLength > 0) this.sink(out);
    if (this.stream.holding) {
      // Restarted on every chunk: the bytes that decide a held tail usually follow within one.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.holdMs);
      this.timer.unref?.();
    } else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Releases the held tail now (a boundary no secret spans). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.stream.holding) return;
    const out = this.stream.flush();
    if (out.byteLength > 0) this.sink(out);
  }
}

/** `bytes` redacted whole (restored scrollback). */
export function redactAll(redaction: TerminalRedaction, bytes: Uint8Array): Uint8Array {
  const stream = redaction.stream();
  const head = stream.write(bytes);
  const tail = stream.flush();
  if (tail.byteLength === 0) return head;
  const out = new Uint8Array(head.byteLength + tail.byteLength);
  out.set(head, 0);
  out.set(tail, head.byteLength);
  return out;
}
