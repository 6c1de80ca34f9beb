// A session's message stream on the client (the server's rpc-upload.ts): one long POST to
// `/v1/rpc/stream` whose body carries the channel's messages, one per line, instead of a POST per
// message. It is used only once proven: the first line is a `$/ping` whose answer must come back
// on the event stream, so a proxy that holds request bodies until they end (nginx's default), or
// a server without the route, leaves the channel on POSTs. Then a `$/ping` goes out every third of
// the liveness period. The server takes lines in order, so a probe's answer also says that every
// line written before the probe arrived: those requests are the server's, like a POST answered
// `202`, and their answers come on the event stream whatever becomes of the lane. A probe
// unanswered for the whole period, or the request ending, loses the lane: the requests written
// after the last answered probe fail locally ("outcome unknown", as for a POST whose connection
// dropped) — a line handed to the connection is never sent again another way —, the
// cancellations written after it are POSTed again, and the channel goes back to POSTs and opens a
// new lane a second later, unless three lanes in a row were lost within a minute of opening: then
// it stays on POSTs. `settle()` lets a message that must go another way (too large) wait until the
// server has taken every line before it.
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
/** How long a closed lane's body may take to end before its connection is cut. */
const CLOSE_GRACE_MS = 2_000;

/** A `$/cancelRequest` written on the lane, with its line. */
interface Cancellation {
  line: number;
  message: JsonRpcMessage;
}

/** What a lane needs from its channel. */
export interface UploadLaneOptions {
  /** Starts the POST. */
  open(): HttpUpload;
  /** Longest wait for a probe's answer before the lane counts as lost (> 0). */
  livenessMs: number;
  /**
   * The lane was lost: `unanswered` are the requests written on it after its last answered probe
   * and not answered since, `cancellations` the `$/cancelRequest` notifications written after it.
   */
  onLost(unanswered: RequestId[], cancellations: JsonRpcMessage[]): void;
}

/** The message stream of one HTTP channel. */
export class HttpUploadLane {
  private upload: HttpUpload | undefined;
  private state: 'idle' | 'proving' | 'open' | 'off' = 'idle';
  /** Lines written on the current upload (a line's number orders it against the probes). */
  private lines = 0;
  /** Requests written after the last answered probe and not answered yet, by line. */
  private readonly unconfirmed = new Map<RequestId, number>();
  /** Cancellations written after the last answered probe, with their lines. */
  private cancellations: Cancellation[] = [];
  /** The line of the last answered probe of the current upload. */
  private confirmedLine = 0;
  /** Callers of `settle()` waiting for the next answered probe or the loss of the lane. */
  private waiters: (() => void)[] = [];
  private probe: { id: string; line: number; sentAt: number } | undefined;
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
    this.lines = 0;
    this.confirmedLine = 0;
    upload.finished.then(
      () => this.lost(upload),
      () => this.lost(upload),
    );
    this.sendProbe();
    this.timer = setInterval(() => this.watch(), this.options.livenessMs / 3);
    unref(this.timer);
  }

  /**
   * Writes `message` (`text`, its JSON) on the lane; rejects only when nothing was written (the
   * lane is gone), for the channel to POST it instead.
   */
  async write(message: JsonRpcMessage, text: string): Promise<void> {
    const upload = this.upload;
    if (!upload || this.state !== 'open') throw new Error('The message stream is not open');
    const line = ++this.lines;
    // Counted before the write: its answer may not wait for the write's callback.
    const ids: RequestId[] = [];
    const cancels: Cancellation[] = [];
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('method' in item)) continue;
      if ('id' in item && item.id !== undefined && item.id !== null) {
        ids.push(item.id);
        this.unconfirmed.set(item.id, line);
      }
      if (item.method === CANCEL_REQUEST_METHOD) cancels.push({ line, message: item });
    }
    this.cancellations.push(...cancels);
    try {
      await upload.write(`${text}\n`);
    } catch (error) {
      // Nothing written: the channel POSTs it instead, so it is none of the lane's.
      for (const id of ids) if (this.unconfirmed.get(id) === line) this.unconfirmed.delete(id);
      this.cancellations = this.cancellations.filter((cancel) => !cancels.includes(cancel));
      this.lost(upload);
      throw error;
    }
  }

  /**
   * Resolves once the server has taken every line written so far (a probe after them came back),
   * or the lane is gone: what is sent next by another way cannot overtake them.
   */
  async settle(): Promise<void> {
    const target = this.lines;
    while (this.upload && this.confirmedLine < target) {
      if (!this.probe) this.sendProbe();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Sees each message from the server: true for the lane's own probe answers (not the channel's),
   * which prove the lane and everything written before them; answered requests are crossed off.
   */
  answered(message: JsonRpcMessage): boolean {
    const probe = this.probe;
    if (!Array.isArray(message) && !('method' in message) && isProbeId(message.id)) {
      if (probe && probe.id === message.id) this.confirm(probe.line);
      return true;
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('method' in item) && item.id !== null && item.id !== undefined) this.unconfirmed.delete(item.id);
    }
    return false;
  }

  /**
   * Ends the lane for good (the channel closes): the body ends and the server answers `204` once
   * it has taken every line; resolves then, or after 2 s, when the connection is cut (an
   * unreachable server would hold it, and the process, until TCP gives up).
   */
  async close(): Promise<void> {
    const upload = this.upload;
    this.shutDown();
    if (!upload) return;
    upload.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
      unref(timer);
    });
    await Promise.race([upload.finished.catch(() => undefined), grace]);
    clearTimeout(timer);
    upload.destroy();
  }

  /** Ends the lane for good at once (the connection is lost). */
  abandon(): void {
    const upload = this.upload;
    this.shutDown();
    upload?.destroy();
  }

  private shutDown(): void {
    this.state = 'off';
    this.stopTimers();
    this.upload = undefined;
    this.probe = undefined;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The server took every line before `line`: their requests are its own now. */
  private confirm(line: number): void {
    this.probe = undefined;
    this.confirmedLine = line;
    this.wake();
    for (const [id, at] of this.unconfirmed) if (at < line) this.unconfirmed.delete(id);
    this.cancellations = this.cancellations.filter((cancel) => cancel.line > line);
    if (this.state === 'proving') {
      this.state = 'open';
      this.openedAt = Date.now();
      this.everOpen = true;
    }
  }

  private sendProbe(): void {
    const upload = this.upload;
    if (!upload) return;
    const id = `${PROBE_PREFIX}${++this.probes}`;
    this.probe = { id, line: ++this.lines, sentAt: Date.now() };
    const ping = { jsonrpc: '2.0', id, method: PING_METHOD, params: {} };
    upload.write(`${JSON.stringify(ping)}\n`).catch(() => this.lost(upload));
  }

  /**
   * Probes the lane every third of the liveness period, idle or not (a connection dropped by a
   * NAT or proxy while idle is found before a request is written on it); a probe unanswered for
   * the whole period loses it.
   */
  private watch(): void {
    const upload = this.upload;
    if (!upload) return;
    if (!this.probe) this.sendProbe();
    else if (Date.now() - this.probe.sentAt >= this.options.livenessMs) this.lost(upload);
  }

  private lost(upload: HttpUpload): void {
    if (this.upload !== upload || this.state === 'off') return;
    const wasOpen = this.state === 'open';
    this.upload = undefined;
    this.probe = undefined;
    this.stopTimers();
    upload.destroy();
    const unanswered = [...this.unconfirmed.keys()];
    const cancellations = this.cancellations.map((cancel) => cancel.message);
    this.unconfirmed.clear();
    this.cancellations = [];
    this.wake();
    // The first lane never proven stays off: the server lacks the route, or a proxy holds the
    // body. Later ones may fail their probe while the network is down: they count as drops.
    if (wasOpen && Date.now() - this.openedAt >= STEADY_MS) this.losses = 0;
    if (!this.everOpen || ++this.losses >= MAX_LOSSES) this.state = 'off';
    else {
      this.state = 'idle';
      this.reopen = setTimeout(() => this.start(), REOPEN_MS);
      unref(this.reopen);
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

/** Lets the process exit while `timer` waits (Node; browsers' timers are numbers). */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

function isProbeId(id: unknown): boolean {
  return typeof id === 'string' && id.startsWith(PROBE_PREFIX);
}
