// `Buffer.from(shortString)` carves its bytes out of Node's shared 8 KiB pool, and a Buffer kept
// for a terminal's whole life keeps that whole pool alive. Terminals spawned side by side each
// pin a different pool: with 1000 terminals their two such Buffers (the drain's sentinel, the
// marker parser's key) held ~7.6 MB of pools. A Buffer with memory of its own costs its length.

/** `text` encoded into a Buffer of its own (not a slice of Node's pool): for long-lived bytes. */
export function ownBuffer(text: string, encoding: BufferEncoding = 'utf8'): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, encoding));
  bytes.write(text, encoding);
  return bytes;
}
