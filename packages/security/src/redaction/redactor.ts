// Redactor: replaces secrets with `[REDACTED:<name>]` in whole texts (commands, audit entries)
// and in byte streams (a terminal's output). A stream holds back only a tail that could still be
// the start of a secret, and releases it with the next chunk or on flush() — the owner flushes
// at boundaries a secret cannot span (shell-integration markers, exit) and on a short timer, so
// output never stalls. Any split of a stream's input, without flushes in between, gives the same
// output as redacting it whole (scan.ts).
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import {
  BUILTIN_REDACTION_PATTERNS,
  literalRules,
  patternRule,
  type RedactionPattern,
  type RedactionSecret,
  type Rule,
  type RuleSet,
  ruleSet,
} from './rules';
import { scan } from './scan';

/** What to redact. */
export interface RedactorOptions {
  /** Literal secrets (env values, tokens). */
  secrets?: readonly RedactionSecret[];
  /** Extra patterns. */
  patterns?: readonly RedactionPattern[];
  /** Include {@link BUILTIN_REDACTION_PATTERNS}. Default true. */
  builtins?: boolean;
}

const EMPTY = Buffer.alloc(0);
let builtinRules: Rule[] | undefined;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function join(pieces: Buffer[]): Buffer {
  if (pieces.length === 0) return EMPTY;
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
}

/** One output stream's redaction state (see {@link Redactor.stream}). */
export class StreamRedactor {
  private held: Buffer = EMPTY;

  /** @internal Created by {@link Redactor.stream}. */
  constructor(private readonly rules: RuleSet) {}

  /** True while bytes are held back (a possible start of a secret): flush them soon. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /**
   * Redacts `chunk` (after what is held); returns the bytes that may go out now. The result may be
   * `chunk` itself, or share its memory: consume it before the caller reuses the chunk.
   */
  write(chunk: Uint8Array): Buffer {
    if (chunk.byteLength === 0) return EMPTY;
    const input = this.held.length === 0 ? toBuffer(chunk) : Buffer.concat([this.held, chunk]);
    const pieces: Buffer[] = [];
    const keep = scan(this.rules, input, false, pieces);
    this.held = keep < input.length ? Buffer.from(input.subarray(keep)) : EMPTY;
    return join(pieces);
  }

  /** Releases what is held, redacting whatever in it already is a secret. */
  flush(): Buffer {
    if (this.held.length === 0) return EMPTY;
    const pieces: Buffer[] = [];
    scan(this.rules, this.held, true, pieces);
    this.held = EMPTY;
    return join(pieces);
  }
}

/** A validated set of secrets and patterns. Build with {@link createRedactor}. */
export class Redactor {
  /** True when there is nothing to redact (no secrets, no patterns, builtins off). */
  readonly empty: boolean;
  /** Longest match of any secret or pattern: the most a stream holds back. */
  readonly maxHoldBytes: number;
  private readonly rules: RuleSet;

  private constructor(rules: Rule[]) {
    this.rules = ruleSet(rules);
    this.empty = rules.length === 0;
    this.maxHoldBytes = this.rules.maxHold;
  }

  /** Validates and compiles `options`; throws InvalidParams naming the bad secret or pattern. */
  static create(options: RedactorOptions = {}): Redactor {
    if (typeof options !== 'object' || options === null) {
      throw new OrchflowError(ErrorCode.InvalidParams, 'Redactor options must be an object');
    }
    const { secrets = [], patterns = [], builtins = true } = options;
    if (!Array.isArray(secrets) || !Array.isArray(patterns)) {
      throw new OrchflowError(ErrorCode.InvalidParams, 'Redactor secrets and patterns must be arrays');
    }
    // Compiled once: every terminal under a policy gets them.
    builtinRules ??= BUILTIN_REDACTION_PATTERNS.map(patternRule);
    const rules = [
      ...secrets.flatMap(literalRules),
      ...patterns.map(patternRule),
      ...(builtins ? builtinRules : []),
    ];
    return new Redactor(rules);
  }

  /** A new stream (one per output stream: a PTY, or each of stdout and stderr). */
  stream(): StreamRedactor {
    return new StreamRedactor(this.rules);
  }

  /** Redacts a whole text. */
  redact(text: string): string {
    if (this.empty || text.length === 0) return text;
    const input = Buffer.from(text, 'utf8');
    const out = this.redactBytes(input);
    return out === input ? text : out.toString('utf8');
  }

  /** Redacts whole bytes (returns `bytes` itself when nothing matched). */
  redactBytes(bytes: Uint8Array): Buffer {
    const input = toBuffer(bytes);
    if (this.empty || input.length === 0) return input;
    const pieces: Buffer[] = [];
    scan(this.rules, input, true, pieces);
    return pieces.length === 1 && pieces[0] === input ? input : join(pieces);
  }
}

/** Validates and compiles a redactor (see {@link RedactorOptions}); throws InvalidParams. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  return Redactor.create(options);
}
