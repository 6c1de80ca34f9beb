// The wire format of shell-integration markers, shared by the generated rc scripts (which emit
// them) and the streaming parser (which recognises and strips them). OSC 633-style:
//   ESC ] 633 ; C ; <nonce> BEL                      command start (bash PS0, zsh preexec, sh wrapper)
//   ESC ] 633 ; D ; <nonce> ; <status> ; <cwd> BEL   command done: `$?` and the percent-encoded cwd
//   ESC ] 633 ; A ; <nonce> BEL                      prompt ready (the shell waits for input)
// The nonce is a per-terminal secret, so a program printing lookalike sequences cannot end a command.
import { randomBytes } from 'node:crypto';

/** Marker kinds as they appear after `ESC ] 633 ;`. */
export const MarkerKind = { Start: 'C', Done: 'D', Prompt: 'A' } as const;

/** The OSC introducer every marker starts with. */
export const MARKER_PREFIX = '\x1b]633;';

/** 16 random bytes as 32 lowercase hex digits: unguessable, and safe inside any shell quoting. */
export function createNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Length in characters of a nonce made by {@link createNonce}. */
export const NONCE_LENGTH = 32;

/**
 * Decodes the cwd field: RFC 3986-style percent-encoding of the cwd's bytes, decoded as UTF-8
 * (the rc scripts encode every byte outside `[A-Za-z0-9/._~-]`, so `;`, ESC and BEL cannot occur).
 */
export function decodeCwdField(field: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const ch = field.charCodeAt(i);
    if (ch === 0x25 && /^[0-9a-fA-F]{2}$/.test(field.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(field.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(ch & 0xff);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
