// A session's message stream on the client (the server's rpc-upload.ts): one long POST to
// `/v1/rpc/stream` whose body carries the channel's messages, one per line, instead of a POST per
// message. It is used only once proven: the first line is a `$/ping` whose answer must come back
// on the event stream, so a proxy that holds request bodies until they end (nginx's default), or
// a server without the route, leaves the channel on POSTs. While requests written on it are
// unanswered a `$/ping` goes out every third of the liveness period; one unanswered for the whole
// period, or the request ending, loses the lane: its unanswered requests fail locally ("outcome
// unknown", as a POST whose connection dropped), the cancellations sent on it are sent again,
// and the channel goes back to POSTs and opens a new lane a second later — unless three lanes in a
// row were lost within a minute of opening: then it stays on POSTs.
import type { JsonRpcMessage, RequestId } from '@orchflow/protocol/runtime';
import { CANCEL_REQUEST_METHOD, PING_METHOD } from '@orchflow/protocol/runtime';
import type { HttpUpload } from './http-exchange';

/** Ids of the lane's own pings (never a number: the channel's peer numbers its requests). */
const PROBE_PREFIX = 'orchflow-stream-probe-';
/** Lanes lost in a row, each within a minute of opening, before the channel stays on POSTs. */
const MAX_LOSSES = 3;
/** A lane open this long before it is lost does not count toward MAX_LOSSES. */
const STEADY_MS = 60_000;
/** Pause before a lost lane is opened again. */
const REOPEN_MS = 1_000;

/** What a lane needs from its channel. */
export interface UploadLaneOptions {
  /** Starts the POST. */
  open(): HttpUpload;
  /** Longest wait for a probe's answer before the lane counts as lost; 0: no limit. */
  livenessMs: number;
  /**
   * The lane was lost: `unanswered` are the requests written on it without an answer yet,
   * `cancellations` the `$/cancelRequest` notifications written on it for them.
   */
  onLost(unanswered: RequestId[], cancellations: JsonRpcMessage[]): void;
}

/** The message stream of one HTTP channel. */
export class HttpUploadLane {
  private upload: HttpUpload | undefined;
  private state: 'idle' | 'proving' | 'open' | 'off' = 'idle';
  private readonly pending = new Set<RequestId>();
  private readonly cancellations = new Map<RequestId, JsonRpcMessage>();
  private probe: { id: string; sentAt: number } | undefined;
  private probes = 0;
  private losses = 0;
  private openedAt = 0;
  private everOpen = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private reopen: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: UploadLaneOptions) {}

  /** True while messages may go on the lane. */
  get ready(): boolean {
    return this.state === 'open';
  }

  /** Opens the lane and sends its first probe. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'proving';
    let upload: HttpUpload;
    try {
      upload = this.options.open();
    } catch {
      this.state = 'off';
      return;
    }
    this.upload = upload;
    upload.finished.then(
      () => this.lost(upload),
      () => this.lost(upload),
    );
    this.sendProbe();
    if (this.options.livenessMs <= 0) return;
    this.timer = setInterval(() => this.watch(), this.options.livenessMs / 3);
    this.timer.unref?.();
  }

  /** Writes `message` on the lane; rejects (nothing written) when the lane is gone. */
  async write(message: JsonRpcMessage): Promise<void> {
    const upload = this.upload;
    if (!upload || this.state !== 'open') throw new Error('The message stream is not open');
    // Counted before the write: its answer may not wait for the write's callback.
    const ids: RequestId[] = [];
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('method' in item)) continue;
      if ('id' in item && item.id !== undefined && item.id !== null) {
        ids.push(item.id);
        this.pending.add(item.id);
      }
      const target = item.method === CANCEL_REQUEST_METHOD ? cancelTarget(item.params) : undefined;
      if (target !== undefined && this.pending.has(target)) this.cancellations.set(target, item);
    }
    try {
      await upload.write(`${JSON.stringify(message)}\n`);
    } catch (error) {
      // Not written: the channel POSTs it instead, so it is not among the lane's unanswered.
      for (const id of ids) this.pending.delete(id);
      this.lost(upload);
      throw error;
    }
  }

  /**
   * Sees each message from the server: true for the lane's own probe answers (not the channel's),
   * which prove the lane; answers to requests written on it are crossed off.
   */
  answered(message: JsonRpcMessage): boolean {
    if (Array.isArray(message) || 'method' in message || !('id' in message)) return false;
    const id = message.id;
    if (typeof id === 'string' && id.startsWith(PROBE_PREFIX)) {
      if (this.probe?.id === id) {
        this.probe = undefined;
        if (this.state === 'proving') {
          this.state = 'open';
          this.openedAt = Date.now();
          this.everOpen = true;
        }
      }
      return true;
    }
    if (id !== null) {
      this.pending.delete(id);
      this.cancellations.delete(id);
    }
    return false;
  }

  /** Ends the lane for good (the channel closes): the body ends, the server answers 204. */
  close(): void {
    this.state = 'off';
    this.stopTimers();
    this.upload?.end();
    this.upload = undefined;
  }

  private sendProbe(): void {
    const upload = this.upload;
    if (!upload) return;
    const id = `${PROBE_PREFIX}${++this.probes}`;
    this.probe = { id, sentAt: Date.now() };
    const ping = { jsonrpc: '2.0', id, method: PING_METHOD, params: {} };
    upload.write(`${JSON.stringify(ping)}\n`).catch(() => this.lost(upload));
  }

  /** Proves the lane again while it has requests in flight; loses it when a probe goes unanswered. */
  private watch(): void {
    const upload = this.upload;
    if (!upload) return;
    if (this.probe) {
      if (Date.now() - this.probe.sentAt >= this.options.livenessMs) this.lost(upload);
      return;
    }
    if (this.state === 'open' && this.pending.size > 0) this.sendProbe();
  }

  private lost(upload: HttpUpload): void {
    if (this.upload !== upload || this.state === 'off') return;
    const wasOpen = this.state === 'open';
    this.upload = undefined;
    this.probe = undefined;
    this.stopTimers();
    upload.destroy();
    const unanswered = [...this.pending];
    const cancellations = [...this.cancellations.values()];
    this.pending.clear();
    this.cancellations.clear();
    // The first lane never proven stays off: the server lacks the route, or a proxy holds the
    // body. Later ones may fail their probe while the network is down: they count as drops.
    if (wasOpen && Date.now() - this.openedAt >= STEADY_MS) this.losses = 0;
    if (!this.everOpen || ++this.losses >= MAX_LOSSES) this.state = 'off';
    else {
      this.state = 'idle';
      this.reopen = setTimeout(() => this.start(), REOPEN_MS);
      this.reopen.unref?.();
    }
    if (unanswered.length > 0 || cancellations.length > 0) this.options.onLost(unanswered, cancellations);
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearTimeout(this.reopen);
    this.timer = undefined;
    this.reopen = undefined;
  }
}

function cancelTarget(params: unknown): RequestId | undefined {
  const id = (params as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
