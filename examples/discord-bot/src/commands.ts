// Parses chat text into a bot command. Pure: no I/O, so every accepted spelling is unit-testable.

/** A language the bot runs, and the file its code is written to. */
export type Language = 'python3' | 'node';

/** What a message asks for. */
export type BotCommand =
  | { kind: 'code'; language: Language; code: string }
  | { kind: 'shell'; line: string }
  | { kind: 'reset' }
  | { kind: 'help' };

const LANGUAGE_ALIASES: Record<string, Language> = {
  python: 'python3',
  python3: 'python3',
  py: 'python3',
  node: 'node',
  js: 'node',
  javascript: 'node',
  mjs: 'node',
};

/** The language an alias (`py`, `js`, `python3` …) names, if the bot runs it. */
export function languageOf(alias: string): Language | undefined {
  return LANGUAGE_ALIASES[alias.toLowerCase()];
}

// A fenced block: ```lang\ncode``` (Discord's syntax-highlighting form).
const FENCE = /^```([A-Za-z0-9]*)[ \t]*\n([\s\S]*?)\n?```\s*$/;

/**
 * Parses a message. `!run python3 print(1)`, `!run js console.log(1)` and `!run` followed by a
 * ```python fenced block run code; a fenced ```python block alone does too. `!run <anything
 * else>` is a command line for the user's terminal, which the security policy judges (that is
 * how `!run curl …` gets the policy's explanation). Returns undefined for ordinary chat.
 */
export function parseCommand(text: string): BotCommand | undefined {
  const trimmed = text.trim();
  if (/^!help\b/i.test(trimmed)) return { kind: 'help' };
  if (/^!reset\b/i.test(trimmed)) return { kind: 'reset' };
  const fenced = FENCE.exec(trimmed);
  if (fenced) return fromFence(fenced[1] ?? '', fenced[2] ?? '');
  const run = /^!run(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (!run) return undefined;
  const rest = (run[1] ?? '').trim();
  if (rest === '') return { kind: 'help' };
  const block = FENCE.exec(rest);
  if (block) return fromFence(block[1] ?? '', block[2] ?? '');
  const [first = '', ...tail] = rest.split(/\s+/);
  const language = languageOf(first);
  if (language && tail.length > 0) {
    return { kind: 'code', language, code: rest.slice(first.length).trim() };
  }
  return { kind: 'shell', line: rest };
}

function fromFence(tag: string, code: string): BotCommand {
  const language = languageOf(tag);
  // An untagged or unknown block is still code; python is the friendliest default for a chat.
  return { kind: 'code', language: language ?? 'python3', code };
}

/** The `!help` text. */
export const HELP_TEXT = [
  '**orchflow code bot** — your own sandboxed terminal, python3 and node only.',
  '`!run python3 print(1 + 1)` · `!run node console.log(6 * 7)`',
  '`!run` + a ```python or ```js code block (or just post the block)',
  '`!run <command line>` — runs in your terminal if the policy allows it',
  '`!reset` — kill your terminal and delete your files · `!help` — this text',
  'Limits: 30 s per run, 512 MB, no network, files stay in your own workspace.',
].join('\n');
