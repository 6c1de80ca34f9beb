// Text a peer chose (a header, an id, a method name), cut for an error message or a log line:
// quoted whole, one request could make the server build, send or write megabytes.

/** `text`, cut to `max` characters with `…` and its full length when longer. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
