// The one-time login link `orchflow serve --ui` prints is `…/ui/#code=<code>`: the code travels
// in the fragment, which browsers never send to a server or proxy. The page reads it once, posts
// it to /ui/login and removes it from the address bar.

/** Longest code accepted; anything longer is not a code the server issued. */
export const MAX_LOGIN_CODE_LENGTH = 512;

/** The login code in a `location.hash` such as `#code=abc` (other `&`-joined fields ignored). */
export function parseLoginCode(hash: string): string | undefined {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  if (fragment === '') return undefined;
  // Not URLSearchParams: it would turn a `+` of a base64 code into a space.
  const field = fragment.split('&').find((part) => part.startsWith('code='));
  if (field === undefined) return undefined;
  let code: string;
  try {
    code = decodeURIComponent(field.slice('code='.length));
  } catch {
    return undefined; // malformed %-escape
  }
  const trimmed = code.trim();
  if (trimmed === '' || trimmed.length > MAX_LOGIN_CODE_LENGTH || /[\s\0]/.test(trimmed)) return undefined;
  return trimmed;
}
