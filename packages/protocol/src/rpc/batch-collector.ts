// Gathers the responses of one incoming batch so they go back as one array, as JSON-RPC requires.
// Slots are reserved while the batch is walked; the array is sent once the batch is sealed and
// every slot is filled. A batch of notifications only reserves nothing and sends nothing.
import type { JsonRpcResponse } from '../jsonrpc';
import type { ResponseSink } from './dispatcher';

/** Collects one batch's responses, in the order of the requests. */
export class BatchCollector {
  private readonly responses: (JsonRpcResponse | undefined)[] = [];
  private filled = 0;
  private sealed = false;

  constructor(private readonly send: (responses: JsonRpcResponse[]) => void) {}

  /** A sink for the response of the next request in the batch. */
  reserve(): ResponseSink {
    const index = this.responses.push(undefined) - 1;
    return (response) => {
      if (this.responses[index] !== undefined) return;
      this.responses[index] = response;
      this.filled++;
      this.flushIfComplete();
    };
  }

  /** No more slots will be reserved; sends now if every response is already in. */
  seal(): void {
    this.sealed = true;
    this.flushIfComplete();
  }

  private flushIfComplete(): void {
    if (!this.sealed || this.filled < this.responses.length || this.responses.length === 0) return;
    this.send(this.responses as JsonRpcResponse[]);
  }
}
