// Unknown option keys are refused before anything is sent: JSON-RPC params drop nothing the
// client sends, but a key the server does not know (a typo such as `timeout` for `timeoutMs`)
// would otherwise be ignored by an older or lenient server, running the command without the limit
// the caller meant. The lists mirror the protocol's param schemas (a test keeps them in step);
// keeping them here keeps the browser bundle free of those schemas.
import { ErrorCode, OrchflowError, unknownKeysError } from '@orchflow/protocol/runtime';

/** The option keys each call takes, by the name its errors use. */
export const KNOWN_OPTION_KEYS = {
  /** `RemoteTerminal.execute` / `runScript`: the wire options plus the client's own. */
  execute: [
    'timeoutMs',
    'idleTimeoutMs',
    'maxOutputBytes',
    'waitForFloor',
    'onOutput',
    'onStart',
    'signal',
    'cancelWaitMs',
    'requestTimeoutMs',
    'meta',
  ],
  /** `TerminalConfig` (`spawnTerminal`, `runScript`, `runInteractive`). */
  config: [
    'shell',
    'args',
    'cwd',
    'env',
    'cols',
    'rows',
    'name',
    'mode',
    'lineEditing',
    'scrollbackBytes',
    'recording',
    'secretEnv',
    'placement',
  ],
  /** One command of a batch or transaction. */
  command: ['terminalId', 'command', 'timeoutMs', 'idleTimeoutMs', 'maxOutputBytes'],
  /** `batchExecute` options: the wire options plus the client's own. */
  batch: ['mode', 'stopOnError', 'waitForFloor', 'signal', 'cancelWaitMs'],
  /** `ClientTransaction.commit` options: the wire options plus the client's own. */
  commit: ['mode', 'stopOnError', 'signal', 'cancelWaitMs'],
  /** `listTerminals` filter. */
  list: ['agentId', 'state'],
  /** `metrics` options. */
  metrics: ['includeProcesses'],
  /** `RemoteTerminal.read` options. */
  read: ['fromOffset', 'maxBytes'],
  /** `pauseAll` / `resumeAll` / `killAll` target. */
  bulk: ['agentId'],
} as const satisfies Record<string, readonly string[]>;

/**
 * InvalidParams naming the first key of `options` that `what` does not take, the key probably
 * meant and the known keys (`data: { unknownKeys, suggestion?, knownKeys }`, `UnknownKeysData`:
 * the data core's in-process checks give, and a server's strict params too, there beside zod's
 * `issues`), or undefined when every key is known. A key set to `undefined` counts too: JSON
 * would drop it, but an in-process connection (`OrchflowClient.direct`) hands the object over as it
 * is, and the server refuses it there. Not an object at all is InvalidParams too.
 */
export function unknownOption(
  what: keyof typeof KNOWN_OPTION_KEYS,
  options: unknown,
  where?: string,
): OrchflowError | undefined {
  const name = where ?? NAMES[what];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const received = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    return new OrchflowError(ErrorCode.InvalidParams, `Invalid ${name}: expected an object, got ${received}`);
  }
  const known: readonly string[] = KNOWN_OPTION_KEYS[what];
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  const { message, data } = unknownKeysError(unknown, known, name);
  return new OrchflowError(ErrorCode.InvalidParams, message, data);
}

/** Throws what {@link unknownOption} finds. */
export function assertKnownOptions(
  what: keyof typeof KNOWN_OPTION_KEYS,
  options: unknown,
  where?: string,
): void {
  const error = unknownOption(what, options, where);
  if (error) throw error;
}

/** Throws InvalidParams naming the first command of a batch or commit with a key it does not take. */
export function assertKnownCommands(commands: unknown): void {
  if (!Array.isArray(commands)) return;
  for (const [index, command] of commands.entries()) {
    assertKnownOptions('command', command, `commands[${index}]`);
  }
}

/** What each kind of options is called in messages. */
const NAMES: Record<keyof typeof KNOWN_OPTION_KEYS, string> = {
  execute: 'execute options',
  config: 'terminal config',
  command: 'a batch command',
  batch: 'batch options',
  commit: 'commit options',
  list: 'the listTerminals filter',
  metrics: 'metrics options',
  read: 'read options',
  bulk: 'the bulk control target',
};
