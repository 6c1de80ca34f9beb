// How `RemoteTerminal.write` puts input on the wire: `terminal.write` carries a string, so bytes
// travel as UTF-8 text when they are valid UTF-8 and as base64 otherwise (an in-process
// `TerminalHandle.write` takes the same `string | Uint8Array`). Browser-safe: no Buffer.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `terminal.write`'s `data` and `encoding` for `input`. */
export function writeData(input: string | Uint8Array): { data: string; encoding?: 'base64' } {
  if (typeof input === 'string') return { data: input };
  try {
    return { data: strictUtf8.decode(input) };
  } catch {
    let binary = '';
    for (const byte of input) binary += String.fromCharCode(byte);
    return { data: btoa(binary), encoding: 'base64' };
  }
}
