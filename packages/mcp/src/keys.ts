// Named keys for `terminal_write`: what an agent means by `Enter` or `Ctrl-C`, as the bytes a
// terminal sends (xterm sequences, normal cursor mode).

const CONTROL_KEYS = Object.fromEntries(
  Array.from({ length: 26 }, (_, i) => [`Ctrl-${String.fromCharCode(65 + i)}`, String.fromCharCode(i + 1)]),
) as Record<string, string>;

/** Every key name `terminal_write` accepts, and the bytes it sends. */
export const KEY_BYTES: Readonly<Record<string, string>> = {
  Enter: '\r',
  Tab: '\t',
  Escape: '\x1b',
  Backspace: '\x7f',
  Space: ' ',
  Up: '\x1b[A',
  Down: '\x1b[B',
  Right: '\x1b[C',
  Left: '\x1b[D',
  Home: '\x1b[H',
  End: '\x1b[F',
  PageUp: '\x1b[5~',
  PageDown: '\x1b[6~',
  Delete: '\x1b[3~',
  Insert: '\x1b[2~',
  ...CONTROL_KEYS,
  'Ctrl-\\': '\x1c',
};

/** The key names, for the input schema. */
export const KEY_NAMES = Object.keys(KEY_BYTES) as [string, ...string[]];

/** `text` followed by `keys` as the bytes to send. */
export function inputBytes(text: string | undefined, keys: readonly string[] | undefined): string {
  let out = text ?? '';
  for (const key of keys ?? []) {
    const bytes = KEY_BYTES[key];
    // The schema already restricts names; this guards direct callers.
    if (bytes === undefined) throw new Error(`Unknown key '${key}'`);
    out += bytes;
  }
  return out;
}
