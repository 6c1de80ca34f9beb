// `orchflow attach ID`: this terminal attached to an orchflow terminal. Keystrokes go to it raw,
// its output (recent scrollback first) comes here, window size changes are forwarded, and the
// detach key (Ctrl-] by default) leaves it running. Exits with the terminal's exit code if it ends
// (1 when it is unknown). Keystrokes are decoded as a UTF-8 stream, so a character split across
// reads arrives whole; input the server refuses (a policy without raw input) is reported once.
// Input piped in (not a terminal) is typed as it comes, and its end detaches.
import { spawnSync } from 'node:child_process';
import type { OrchflowClient, RemoteTerminal } from '@orchflow/client';
import { tmuxSessionName } from '@orchflow/mux';
import { ErrorCode, isOrchflowError, OrchflowError } from '@orchflow/protocol';
import { connectTo, type ServerOptions, serverUrl } from './connect';

/** Scrollback replayed on attach so the screen has context. */
export const ATTACH_REPLAY_BYTES = 64 * 1024;

export interface AttachFlags extends ServerOptions {
  detachKey: string;
  resize: boolean;
  tmux?: boolean;
  tmuxSocket: string;
}

/**
 * `orchflow attach --tmux ID`: plain `tmux attach` to the terminal's session on orchflow's tmux
 * socket (no orchflow server needed). tmux's own keys apply: Ctrl-b d detaches.
 */
export function attachTmux(id: string, socketName: string): number {
  const run = spawnSync('tmux', ['-L', socketName, 'attach-session', '-t', tmuxSessionName(id)], {
    stdio: 'inherit',
  });
  if (run.error) {
    throw new OrchflowError(
      ErrorCode.SpawnFailed,
      `Could not run tmux (${run.error.message}); install tmux ≥ 3.2 or attach without --tmux`,
    );
  }
  return run.status ?? 1;
}

/** The byte of a `ctrl-X` detach key spec (`ctrl-]` → 0x1d). */
export function detachByte(spec: string): number {
  const match = /^(?:ctrl|c)-(.)$/i.exec(spec.trim());
  const key = match?.[1]?.toUpperCase();
  const code = key === undefined ? -1 : key.charCodeAt(0) - 0x40;
  if (code < 0 || code > 0x1f) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Bad --detach-key '${spec}'; use ctrl-] or ctrl-A … ctrl-Z`,
    );
  }
  return code;
}

/** Runs `orchflow attach`; resolves with 0 on detach or the terminal's exit code. */
export async function attach(id: string, flags: AttachFlags): Promise<number> {
  if (flags.tmux) return attachTmux(id, flags.tmuxSocket);
  const detach = detachByte(flags.detachKey);
  const client = await connectTo(serverUrl(flags), flags.token);
  const stdin = process.stdin;
  const stdout = process.stdout;
  try {
    const info = (await client.listTerminals()).find((t) => t.id === id);
    if (!info)
      throw new OrchflowError(
        ErrorCode.TerminalNotFound,
        `No terminal '${id}'; run 'orchflow ls' to see ids`,
      );
    const terminal = client.handle(info);
    const { endOffset } = await terminal.read({ maxBytes: 1 });
    const resize = (): void => {
      if (flags.resize && stdout.isTTY)
        void terminal.resize(stdout.columns, stdout.rows).catch(() => undefined);
    };
    resize();
    stdout.on('resize', resize);
    if (stdin.isTTY) stdin.setRawMode(true);
    process.stderr.write(`[attached to ${id}; ${flags.detachKey} detaches]\r\n`);
    const decoder = new TextDecoder('utf-8');
    const refused = onceReporter(flags.detachKey);
    let written: Promise<void> = Promise.resolve();
    const detached = new Promise<Ending>((resolve) => {
      stdin.on('data', (chunk: Buffer) => {
        const at = chunk.indexOf(detach);
        const input = decoder.decode(at === -1 ? chunk : chunk.subarray(0, at), { stream: at === -1 });
        if (input.length > 0) written = terminal.write(input).catch(refused);
        if (at !== -1) resolve({ detached: true, code: 0 });
      });
      // Input from a pipe or a file: typed in, then detached at its end (a terminal's never ends),
      // once the last write has been answered.
      stdin.once('end', () => void written.then(() => resolve({ detached: true, code: 0 })));
      stdin.resume();
    });
    const from = Math.max(0, endOffset - ATTACH_REPLAY_BYTES);
    const ending = await Promise.race([detached, pump(client, terminal, from)]);
    stdout.off('resize', resize);
    process.stderr.write(
      ending.detached ? '\r\n[detached]\r\n' : `\r\n[terminal exited: ${ending.code}]\r\n`,
    );
    return ending.code;
  } finally {
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    await client.close();
  }
}

/**
 * Reports a refused write on stderr, once per reason: the same refusal would otherwise repeat on
 * every keystroke, while each line a judging policy refuses has a reason of its own.
 */
function onceReporter(detachKey: string): (error: unknown) => void {
  let told: string | undefined;
  return (error) => {
    const forbidden = isOrchflowError(error) && error.code === ErrorCode.Forbidden;
    const reason = forbidden ? 'the policy does not grant canWriteRawInput' : (error as Error).message;
    if (told === reason) return;
    told = reason;
    const key = detachKey.replace(/^c(?:trl)?-/i, 'Ctrl-');
    process.stderr.write(`\r\n[input refused: ${reason}; detach with ${key}]\r\n`);
  };
}

interface Ending {
  detached: boolean;
  code: number;
}

/** Copies the terminal's output to stdout until it exits, then reports its exit code. */
async function pump(client: OrchflowClient, terminal: RemoteTerminal, fromOffset: number): Promise<Ending> {
  for await (const event of terminal.stream({ fromOffset })) {
    if (event.type === 'data') process.stdout.write(event.data);
  }
  const info = (await client.listTerminals()).find((t) => t.id === terminal.id);
  // Unknown (killed by a signal, or already removed): a failure, never a silent 0.
  return { detached: false, code: typeof info?.exitCode === 'number' ? info.exitCode : 1 };
}
