// Secret redaction in the orchestrator: each terminal's redactor (its policies' secrets and
// patterns plus its own `secretEnv`, see `redactorForPolicy`) is built at spawn and handed to the
// backend, which applies it to the terminal's output at the source. The same redactor cleans the
// terminal's audit entries (command text, the programs found in it, cwd, rules, reasons, errors;
// MCP's tool entries too, through `Orchestrator.redactAuditRecord`), denial reasons, security
// alerts and text a front builds from the output (`Orchestrator.redactTerminalText`); entries of a
// terminal without one (adopted from an earlier process, or an id no terminal has) get the
// orchestrator policy's.
import type { TerminalConfig } from '@orchflow/protocol';
import { type AuditRecord, type Redactor, redactorForPolicy, type SecurityPolicy } from '@orchflow/security';

// Every field of an entry that holds text from the command or its terminal: the command itself,
// and what the policy took from it (the programs it names — a token pasted as a command is one —,
// the cwd, the rule and reason that quote a path or a word).
const REDACTED_FIELDS = ['command', 'cwd', 'rule', 'reason', 'error'] as const;
const REDACTED_LISTS = ['programs'] as const;

/** Most characters of a command a denial reason quotes (`'<text.slice(0, 80)>'` in @orchflow/security). */
export const DENIAL_QUOTE_CHARS = 80;

/** The redactors of the orchestrator's terminals. */
export class TerminalRedactions {
  private readonly byTerminal = new Map<string, Redactor>();
  private fallback: Redactor | undefined | null = null;

  /** Redactions for terminals under `policy` (the orchestrator's; may be undefined). */
  constructor(private readonly policy: SecurityPolicy | undefined) {}

  /**
   * The redactor of terminal `terminalId` about to spawn with `config` under the orchestrator's
   * policy and `callerPolicy`, kept for its audit entries until {@link forget}; undefined when
   * there is nothing to redact. Throws InvalidParams for a refused secret (e.g. under 4 characters).
   */
  create(terminalId: string, config: TerminalConfig, callerPolicy?: SecurityPolicy): Redactor | undefined {
    const redactor = redactorForPolicy([this.policy, callerPolicy], config.secretEnv);
    if (redactor) this.byTerminal.set(terminalId, redactor);
    return redactor;
  }

  /** Drops a terminal's redactor (it left the registry). */
  forget(terminalId: string): void {
    this.byTerminal.delete(terminalId);
  }

  /** `text` with the secrets of `terminalId` (else the orchestrator policy's) replaced. */
  redact(terminalId: string | undefined, text: string): string {
    const redactor = this.of(terminalId);
    return redactor ? redactor.redact(text) : text;
  }

  /**
   * A denial `reason` about a command of `terminalId`, safe to show: whole secrets are redacted,
   * and a quote the policy cut at {@link DENIAL_QUOTE_CHARS} characters loses the tail that could
   * be the start of a secret (it ends with `…` instead), since a cut secret is no longer whole.
   */
  denialReason(terminalId: string | undefined, reason: string): string {
    const redactor = this.of(terminalId);
    return redactor ? redactor.redact(cutQuotes(redactor, reason)) : reason;
  }

  /**
   * An audit entry with its free-text fields (and the `programs` list) redacted (the same object
   * when nothing changes). In an MCP `tool` entry the terminal id is redacted too: it is an
   * argument the client typed.
   */
  entry<T extends AuditRecord>(record: T): T {
    const redactor = this.of('terminalId' in record ? record.terminalId : undefined);
    if (!redactor) return record;
    const fields = record as unknown as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    const keys = record.kind === 'tool' ? [...REDACTED_FIELDS, 'terminalId'] : REDACTED_FIELDS;
    for (const key of keys) {
      const value = fields[key];
      if (typeof value !== 'string') continue;
      const clean = redactor.redact(value);
      if (clean === value) continue;
      out ??= { ...fields };
      out[key] = clean;
    }
    for (const key of REDACTED_LISTS) {
      const list = fields[key];
      if (!Array.isArray(list)) continue;
      const clean = list.map((item) => (typeof item === 'string' ? redactor.redact(item) : item));
      if (clean.every((item, i) => item === list[i])) continue;
      out ??= { ...fields };
      out[key] = clean;
    }
    return out ? (out as unknown as T) : record;
  }

  private of(terminalId: string | undefined): Redactor | undefined {
    const own = terminalId === undefined ? undefined : this.byTerminal.get(terminalId);
    if (own) return own;
    if (this.fallback === null) this.fallback = redactorForPolicy([this.policy]);
    return this.fallback;
  }
}

/**
 * `reason` with each quote that may have been cut (`'` + exactly {@link DENIAL_QUOTE_CHARS}
 * characters + `'`) ending before the held tail a streaming redactor keeps back: the shortest
 * suffix that could still begin a secret or a pattern's match.
 */
function cutQuotes(redactor: Redactor, reason: string): string {
  let out = '';
  let from = 0;
  let open = reason.indexOf("'");
  while (open !== -1) {
    const start = open + 1;
    const end = start + DENIAL_QUOTE_CHARS;
    if (reason[end] !== "'") {
      open = reason.indexOf("'", start);
      continue;
    }
    const stream = redactor.stream();
    const head = stream.write(Buffer.from(reason.slice(start, end), 'utf8'));
    if (stream.holding) {
      out += `${reason.slice(from, start)}${head.toString('utf8')}…`;
      from = end;
    }
    // The closing quote opens nothing.
    open = reason.indexOf("'", end + 1);
  }
  return from === 0 ? reason : out + reason.slice(from);
}
