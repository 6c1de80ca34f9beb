// The compiled form of a redaction configuration: literal secrets as bytes, patterns with their
// literal lead, both indexed by their first byte so the scanner only stops where a secret can
// begin. Validation lives here: names that are safe to print, secrets long enough to mean
// something, patterns that are bounded (pattern-syntax.ts).
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { analysePattern, PatternSyntaxError } from './pattern-syntax';

/** A literal secret: every occurrence of `value` becomes `[REDACTED:<name>]`. */
export interface RedactionSecret {
  /** Shown in the replacement; 1-64 of `A-Z a-z 0-9 _ . -`. */
  name: string;
  /** The secret text (at least {@link MIN_SECRET_LENGTH} characters, at most 4096 bytes). */
  value: string;
}

/** A pattern: every match of `regex` (the bounded subset in pattern-syntax.ts) becomes `[REDACTED:<name>]`. */
export interface RedactionPattern {
  /** Shown in the replacement; 1-64 of `A-Z a-z 0-9 _ . -`. */
  name: string;
  /** Regex source, no flags: starts with ≥ 2 literal characters, bounded length, cannot match empty. */
  regex: string;
}

/**
 * The patterns on by default (`builtins: true`): AWS access key ids, GitHub tokens and PEM
 * private keys. Each is bounded so a stream holds back at most its longest match.
 */
export const BUILTIN_REDACTION_PATTERNS: readonly RedactionPattern[] = [
  { name: 'aws-access-key', regex: 'AKIA[0-9A-Z]{16}' },
  { name: 'github-token', regex: 'gh[pousr]_[A-Za-z0-9]{36,251}' },
  // Its body is anything: keys are printed with prefixes of every kind (`-` in a removed diff
  // line, `file.pem-` in `grep -A`, timestamps, indentation, colour codes). Output full of headers
  // without their END line stays cheap through the pattern's tail (pattern-syntax.ts PatternTail).
  {
    name: 'private-key',
    regex: '-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\\s\\S]{0,16384}?-----END [A-Z ]{0,40}PRIVATE KEY-----',
  },
];

/** Shortest secret value accepted: a shorter one would redact ordinary text. */
export const MIN_SECRET_LENGTH = 4;
const MAX_SECRET_BYTES = 4096;
const MAX_RULES = 1000;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A compiled literal or pattern. */
export interface Rule {
  name: string;
  replacement: Buffer;
  /** Literal: the bytes. Pattern: its lead. */
  bytes: Buffer;
  /** Set for patterns. */
  pattern?: {
    regex: RegExp;
    prefix: RegExp;
    minLength: number;
    maxLength: number;
    /** 1 for each byte that may follow the lead in a match (undefined: a match may end there). */
    afterLead?: Uint8Array;
    /** What every match ends with, when the pattern has a wide gap (see PatternTail). */
    tail?: RuleTail;
  };
}

/** A compiled PatternTail: its lead as bytes, its regex (sticky), its lengths. */
export interface RuleTail {
  lead: Buffer;
  regex: RegExp;
  minLength: number;
  maxLength: number;
  /** Accepts every prefix of a tail. */
  prefix: RegExp;
  /** See PatternTail.openPrefixLength. */
  openPrefixLength?: number;
}

/** Rules indexed by first byte. */
export interface RuleSet {
  /** Every rule, in priority order (literals, then patterns). */
  rules: Rule[];
  /** Rules starting with each byte (in priority order: literals, then patterns). */
  byFirst: (Rule[] | undefined)[];
  /** The distinct first bytes. */
  firsts: number[];
  /** Longest possible match of any rule (what a stream may hold back at most). */
  maxHold: number;
}

function invalid(message: string, data?: unknown): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, message, data);
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(`${what}: name ${JSON.stringify(name)} must be 1-64 of A-Z a-z 0-9 _ . -`);
  }
  return name;
}

function replacementFor(name: string): Buffer {
  return Buffer.from(`[REDACTED:${name}]`, 'latin1');
}

/** Compiles one literal secret; throws InvalidParams. */
export function literalRule(secret: RedactionSecret): Rule {
  const name = checkName(secret?.name, 'Secret');
  const value = secret.value;
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
    throw invalid(`Secret '${name}': its value must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_SECRET_BYTES) {
    throw invalid(`Secret '${name}': its value is longer than ${MAX_SECRET_BYTES} bytes`);
  }
  return { name, replacement: replacementFor(name), bytes };
}

/**
 * The rules of one literal secret: its exact bytes, plus the forms a terminal prints it in. A PTY
 * turns every `\n` it outputs into `\r\n` (ONLCR), so a multi-line secret (or one read from a
 * file with its final newline) is also matched that way — a CRLF one as `\r\r\n` — and as the
 * cleaned output of a command has it (`\n` alone); a value with surrounding whitespace is also
 * matched without it, since programs print tokens trimmed. And a command line typed with the
 * secret in it shows it quoted as the terminal typed it (`$'…'` with `\xHH` escapes in bash and
 * zsh, `'\''` for a quote in sh), should that line's echo reach the output.
 */
export function literalRules(secret: RedactionSecret): Rule[] {
  const exact = literalRule(secret);
  const variants = new Set<string>();
  const value = secret.value;
  const trimmed = value.trim();
  if (trimmed !== value && trimmed.length >= MIN_SECRET_LENGTH) variants.add(trimmed);
  for (const text of [value, ...variants]) {
    if (text.includes('\n')) {
      variants.add(text.replace(/\r?\n/g, '\r\n'));
      variants.add(text.replace(/\n/g, '\r\n'));
      variants.add(text.replace(/\r+\n/g, '\n'));
    }
    variants.add(ansiCQuoted(text));
    variants.add(text.replaceAll("'", "'\\''"));
  }
  variants.delete(value);
  return [exact, ...[...variants].map((text) => ({ ...exact, bytes: Buffer.from(text, 'utf8') }))];
}

// What is between `$'` and `'` when the terminal types `text` (the same quoting as
// @orchflow/terminal's encode.ts): printable ASCII except `\` and `'` as is, newline as `\n`,
// every other byte `\xHH`.
function ansiCQuoted(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b <= 0x7e && b !== 0x5c && b !== 0x27) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Compiles one pattern; throws InvalidParams naming what to change. */
export function patternRule(pattern: RedactionPattern): Rule {
  const name = checkName(pattern?.name, 'Redaction pattern');
  if (typeof pattern.regex !== 'string') throw invalid(`Redaction pattern '${name}': regex must be a string`);
  try {
    const shape = analysePattern(pattern.regex);
    const prefix = new RegExp(`^(?:${shape.prefixSource})$`);
    return {
      name,
      replacement: replacementFor(name),
      bytes: Buffer.from(shape.lead, 'latin1'),
      pattern: {
        regex: new RegExp(shape.source, 'y'),
        prefix,
        minLength: shape.minLength,
        maxLength: shape.maxLength,
        afterLead: shape.minLength > shape.lead.length ? afterLead(shape.lead, prefix) : undefined,
        tail: shape.tail && {
          lead: Buffer.from(shape.tail.lead, 'latin1'),
          regex: new RegExp(shape.tail.source, 'y'),
          minLength: shape.tail.minLength,
          maxLength: shape.tail.maxLength,
          prefix: new RegExp(`^(?:${shape.tail.prefixSource})$`),
          openPrefixLength: shape.tail.openPrefixLength,
        },
      },
    };
  } catch (error) {
    if (!(error instanceof PatternSyntaxError || error instanceof SyntaxError)) throw error;
    throw invalid(
      `Redaction pattern '${name}' (${JSON.stringify(pattern.regex)}) is refused: ${error.message}`,
      {
        pattern: name,
      },
    );
  }
}

// Which bytes can follow a pattern's lead: the scanner rejects most lead occurrences ("gh=",
// "AKIA?") with one table lookup instead of running a regex.
function afterLead(lead: string, prefix: RegExp): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) table[b] = prefix.test(lead + String.fromCharCode(b)) ? 1 : 0;
  return table;
}

/** Indexes compiled rules by first byte; throws InvalidParams beyond {@link MAX_RULES}. */
export function ruleSet(rules: Rule[]): RuleSet {
  if (rules.length > MAX_RULES) throw invalid(`At most ${MAX_RULES} secrets and patterns together`);
  const byFirst: (Rule[] | undefined)[] = new Array(256).fill(undefined);
  const firsts: number[] = [];
  let maxHold = 0;
  for (const rule of rules) {
    const first = rule.bytes[0] as number;
    let list = byFirst[first];
    if (!list) {
      list = [];
      byFirst[first] = list;
      firsts.push(first);
    }
    list.push(rule);
    maxHold = Math.max(maxHold, rule.pattern ? rule.pattern.maxLength + 3 : rule.bytes.length);
  }
  return { rules, byFirst, firsts, maxHold };
}
