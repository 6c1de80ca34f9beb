// Keystrokes typed into a taken-over terminal, sent in order: one `write` in flight at a time,
// and whatever is typed meanwhile goes out as one write after it. Separate concurrent requests
// could be handled out of order on the server; one per keystroke would also flood a slow link.

/** Sends typed input to `send` in order, coalescing input typed while a send is in flight. */
export class InputQueue {
  private pending = '';
  private sending = false;

  constructor(
    private readonly send: (data: string) => Promise<void>,
    /** Hears a failed send; the input in it is dropped (a refused write must not be retried blindly). */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Queues `data` (a keystroke or a paste). */
  push(data: string): void {
    if (data === '') return;
    this.pending += data;
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending !== '') {
        const data = this.pending;
        this.pending = '';
        try {
          await this.send(data);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
