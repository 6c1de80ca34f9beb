// A bracketed paste is how a terminal tells the program "this text was pasted, do not act on it
// as keys": when the program asked for it (mode 2004, as bash 5.1+'s readline does), xterm sends
// a paste as ESC[200~ text ESC[201~. xterm passes the text through as it is, so text that carries
// its own ESC[201~ (pastejacking: a page that put it on the clipboard) ends the bracket early, and
// what follows — a newline and a command — runs as typed keys. The focus view passes every
// bracketed paste through `guardPaste` first, which takes the escapes out of the pasted text.

/** What xterm sends before pasted text while the program asked for bracketed paste. */
export const PASTE_START = '\x1b[200~';
/** What xterm sends after it. */
export const PASTE_END = '\x1b[201~';

/** ESC and the C1 controls (U+0080–U+009F, CSI among them): what could start a sequence. */
const ESCAPES = /[\x1b\x80-\x9f]/g;

/**
 * `data` with every escape inside a bracketed paste removed, so the paste ends only where xterm
 * ended it; anything that is not one bracketed paste (keystrokes, a paste while the program did
 * not ask for brackets) is returned unchanged.
 */
export function guardPaste(data: string): string {
  if (
    data.length < PASTE_START.length + PASTE_END.length ||
    !data.startsWith(PASTE_START) ||
    !data.endsWith(PASTE_END)
  ) {
    return data;
  }
  const text = data.slice(PASTE_START.length, data.length - PASTE_END.length);
  return `${PASTE_START}${text.replace(ESCAPES, '')}${PASTE_END}`;
}
