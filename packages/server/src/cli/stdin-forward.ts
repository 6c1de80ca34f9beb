// `echo hi | orchflow exec -- cat`: the CLI's stdin becomes the command's stdin, then EOF. In
// scripted mode `write` feeds the running command's stdin and `\x04` closes it. A stdin that is a terminal is not forwarded (as `docker exec`
// without -i): the command gets EOF at once instead of waiting forever for input nobody sends.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** End of transmission: closes the command's stdin. */
const EOT = '\x04';

/** Where forwarded input goes (a terminal's `write`). */
export type InputSink = (data: string) => Promise<void>;

/** Forwarding in progress; `stop` ends it early (the command finished first). */
export interface StdinForward {
  /** Resolves once everything read was written and EOF sent; rejects when a write is refused. */
  done: Promise<void>;
  /** Whether any input (beyond the EOF) was read to forward. */
  readonly hadInput: boolean;
  stop(): void;
}

/**
 * Writes `input` (or just EOF when it is a TTY) to `sink`, in order, then EOF. Call it once the
 * command has started: before that no command would be reading.
 */
export function forwardStdin(input: Readable & { isTTY?: boolean }, sink: InputSink): StdinForward {
  if (input.isTTY) return { done: sink(EOT), hadInput: false, stop: () => undefined };
  const decoder = new StringDecoder('utf8');
  let stopped = false;
  let hadInput = false;
  let chain: Promise<void> = Promise.resolve();
  const send = (text: string): void => {
    if (text === '' || stopped) return;
    chain = chain.then(() => (stopped ? undefined : sink(text)));
  };
  const done = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      hadInput ||= chunk.length > 0;
      // Backpressure: read no further than the terminal accepts.
      input.pause();
      send(decoder.write(chunk));
      chain.then(() => input.resume(), reject);
    };
    const onEnd = (): void => {
      send(`${decoder.end()}${EOT}`);
      chain.then(resolve, reject);
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', reject);
  });
  return {
    done,
    get hadInput() {
      return hadInput;
    },
    stop: () => {
      stopped = true;
      input.pause();
    },
  };
}
