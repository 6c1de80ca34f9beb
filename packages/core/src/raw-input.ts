// Raw input (`terminal.write`) under a policy that restricts commands. Keystrokes would otherwise
// be a way around the command policy: type the denied command and press Enter. So, for a caller
// held to such a policy (any but one as open as `trusted`; see `trustsRawInput`) and allowed raw
// input at all:
//
// - while a program the shell started holds the terminal (the kernel's foreground process group
//   is not the shell's; see foreground.ts), input goes to it unjudged: answers to prompts, keys
//   for an editor or a pager;
// - while the shell holds it (at its prompt, or running a builtin such as `read`), input is a
//   command line: it is collected here, not in the shell, and each complete line (up to CR or LF)
//   is admitted like an `execute` command (policy, plugins, audit; a denial is PolicyDenied and a
//   `security.alert`) before it is typed, preceded by Ctrl-U so nothing already in the shell's
//   line editor is prepended to it. Only printable text, Backspace, Ctrl-U, Ctrl-C and (on an
//   empty line) Ctrl-D are accepted there: editing keys and Tab completion would make the shell
//   run a line other than the one judged. `!` and `^` are plain text: every orchflow rc turns
//   history expansion off, and the command policy's shell-integration rule keeps it off.
//
// A partial line waits here (bounded) until its line end arrives; input of one terminal is
// handled in order. Callers not held to such a policy write straight through, as before.
import { TextDecoder } from 'node:util';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { CommandPolicy } from '@orchflow/security';
import type { AdmitOptions, CallContext } from './commands';
import { shellHoldsTerminal } from './foreground';
import type { TerminalRecord } from './registry';

/**
 * Longest command line raw input may type at a shell's prompt, in bytes: a tty in cooked mode (a
 * shell without a line editor) keeps 4095 and the line end, and would run a longer line cut short.
 */
export const MAX_RAW_LINE_BYTES = 4095;

/** What the judge needs from the orchestrator. */
export interface RawInputDeps {
  /** Admits `line` as a command of the terminal (see CommandRunner.admit); rejects when denied. */
  admit(terminalId: string, line: string, options: AdmitOptions): Promise<unknown>;
  /** Hears every input written to a terminal (the `terminal.input` event), after the write. */
  onInput?(record: TerminalRecord, data: string | Uint8Array): void;
}

interface TerminalInput {
  /** The partial command line typed at the shell's prompt so far (not yet sent to the shell). */
  line: string;
  /** The last line ended with CR: an LF right after it ends nothing more. */
  afterCr: boolean;
  decoder: TextDecoder;
  /** Writes of this terminal still being judged; later writes wait for them. */
  pending: number;
  tail: Promise<void>;
}

// Judges only whether a line is one complete command (an allowlist is what reports parse errors).
// Made on first use, as only judged raw input needs it: validating its policy costs ~10 ms at import.
let completeness: CommandPolicy | undefined;
function completenessPolicy(): CommandPolicy {
  completeness ??= new CommandPolicy({ allowedCommands: ['*'], dangerousVariables: [] });
  return completeness;
}

function refused(record: TerminalRecord, rule: string, message: string, command?: string): OrchflowError {
  return new OrchflowError(ErrorCode.PolicyDenied, message, {
    rule,
    reason: message,
    ...(command === undefined ? {} : { command }),
    terminalId: record.id,
    agentId: record.agentId,
  });
}

function controlKeyName(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code === 0x1b) return 'Escape (arrow, function and Alt keys)';
  if (code === 0x09) return 'Tab (completion)';
  if (code < 0x20) return `Ctrl-${String.fromCharCode(code + 0x40)}`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Passes raw input through, or judges it line by line; see the module comment. */
export class RawInputJudge {
  private readonly inputs = new WeakMap<TerminalRecord, TerminalInput>();

  /** A judge admitting lines through `deps.admit`. */
  constructor(private readonly deps: RawInputDeps) {}

  /**
   * Writes `data` to the terminal: straight through unless `judged`, else as the module comment
   * says. Resolves once written; rejects with PolicyDenied (nothing of the refused line, nor the
   * rest of `data`, reaches the terminal). An unjudged write with nothing pending is synchronous,
   * so its errors (TerminalExited) throw at once.
   */
  write(
    record: TerminalRecord,
    data: string | Uint8Array,
    judged: boolean,
    context: CallContext,
  ): Promise<void> {
    const input = this.inputOf(record);
    if (!judged && input.pending === 0) {
      this.type(record, data);
      return Promise.resolve();
    }
    input.pending++;
    const run = input.tail.then(() =>
      judged ? this.judge(record, input, data, context) : this.type(record, data),
    );
    const settled = run.finally(() => {
      input.pending--;
    });
    input.tail = settled.then(
      () => undefined,
      () => undefined,
    );
    return settled;
  }

  /** Writes input to the terminal; the one place raw input reaches it. */
  private type(record: TerminalRecord, data: string | Uint8Array): void {
    record.session.write(data);
    this.deps.onInput?.(record, data);
  }

  private inputOf(record: TerminalRecord): TerminalInput {
    let input = this.inputs.get(record);
    if (!input) {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      input = { line: '', afterCr: false, decoder, pending: 0, tail: Promise.resolve() };
      this.inputs.set(record, input);
    }
    return input;
  }

  private async judge(
    record: TerminalRecord,
    input: TerminalInput,
    data: string | Uint8Array,
    context: CallContext,
  ): Promise<void> {
    const { session } = record;
    if (!shellHoldsTerminal(session, record.shellGroup)) {
      // A program holds the terminal: it gets the keys. A partial prompt line stays collected.
      this.type(record, data);
      return;
    }
    let text: string;
    try {
      text = typeof data === 'string' ? data : input.decoder.decode(data, { stream: true });
    } catch {
      input.line = '';
      input.decoder = new TextDecoder('utf-8', { fatal: true });
      throw refused(record, 'raw-input:encoding', 'Raw input to the shell must be UTF-8 text');
    }
    try {
      for (const ch of text) await this.key(record, input, ch, context);
    } catch (error) {
      input.line = '';
      throw error;
    }
  }

  private async key(
    record: TerminalRecord,
    input: TerminalInput,
    ch: string,
    context: CallContext,
  ): Promise<void> {
    const afterCr = input.afterCr;
    input.afterCr = ch === '\r';
    if (ch === '\n' && afterCr) return;
    if (ch === '\r' || ch === '\n') {
      const line = input.line;
      input.line = '';
      await this.submit(record, line, ch, context);
      return;
    }
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x7f || code === 0x08) {
      input.line = Array.from(input.line).slice(0, -1).join('');
    } else if (code === 0x15) {
      input.line = '';
    } else if (code === 0x03) {
      input.line = '';
      this.type(record, ch);
    } else if (code === 0x04 && input.line === '') {
      this.type(record, ch);
    } else if (code < 0x20 || (code >= 0x80 && code < 0xa0)) {
      throw refused(
        record,
        'raw-input:control-key',
        `${controlKeyName(ch)} is refused at the shell's prompt under this security policy: the shell would run a line other than the one judged. Type the command as plain text and end it with Enter, or use execute()`,
      );
    } else {
      input.line += ch;
      if (Buffer.byteLength(input.line) > MAX_RAW_LINE_BYTES) {
        throw refused(
          record,
          'raw-input:line-too-long',
          `A command line typed as raw input may be at most ${MAX_RAW_LINE_BYTES} bytes; use execute() for longer ones`,
        );
      }
    }
  }

  private async submit(
    record: TerminalRecord,
    line: string,
    end: string,
    context: CallContext,
  ): Promise<void> {
    const { session } = record;
    if (line.trim() === '') {
      this.type(record, end);
      return;
    }
    const complete = await completenessPolicy().check(line);
    if (!complete.allowed && complete.rule === 'parse-error') {
      throw refused(
        record,
        'raw-input:incomplete-line',
        `'${line}' is not a complete command on its own (an open quote, a trailing '\\', a loop or here-document continuing on the next line): raw input at the shell's prompt is judged one line at a time. Send multi-line commands with execute()`,
        line,
      );
    }
    await this.deps.admit(record.id, line, { ...context, source: 'raw-input' });
    // Ctrl-U first: whatever the line editor holds (a program's unread input) is not prepended.
    this.type(record, `${session.mode === 'scripted' ? '' : '\x15'}${line}${end}`);
  }
}
