// The security headers every `/ui` response carries, pages, assets and JSON answers alike. The CSP
// allows scripts only from the server's own origin (no inline script, no eval: an injected string
// in a terminal's title or output cannot run), connections only back to it (`'self'` covers the
// same host's ws:// in CSP 3), and no framing; inline styles stay allowed because xterm sets style
// attributes on its elements.
import type { ServerResponse } from 'node:http';

/** The Content-Security-Policy of the monitor's pages. */
export const MONITOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every `/ui` response. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': MONITOR_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
  // Another site (or another port of this host, which is the same *site*) may not embed the
  // page's scripts or keep a handle on its window.
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

/** Sets {@link PAGE_HEADERS} on `response` (before its head is written). */
export function setPageHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
}
