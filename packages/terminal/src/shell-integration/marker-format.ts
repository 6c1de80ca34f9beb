// The wire format of shell-integration markers, shared by the generated rc scripts (which emit
// them) and the streaming parser (which recognises and strips them). OSC 633-style:
//   ESC ] 633 ; K BEL                                        key request (once, during startup)
//   ESC ] 633 ; C ; <key> ; <token> BEL                      command start (arm, zsh preexec)
//   ESC ] 633 ; D ; <key> ; <token> ; <status> ; <cwd> BEL   command done, prompt next: `$?`, cwd
// The key is a per-terminal secret that never touches a file, an argv, an environment or a shell
// variable: the rc script asks for it with the key request, reads it from the terminal (echo off)
// before any command can run and writes it into its hook functions. The token is fresh per
// command (typed with the command line), so a marker of an earlier command never ends a later one.
import { randomBytes } from 'node:crypto';

/** Marker kinds as they appear after `ESC ] 633 ;`. */
export const MarkerKind = { Start: 'C', Done: 'D', KeyRequest: 'K' } as const;

/** The OSC introducer every marker starts with. */
export const MARKER_PREFIX = '\x1b]633;';

/** 16 random bytes as 32 lowercase hex digits: unguessable, and safe inside any shell quoting. */
export function createNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Length in characters of a nonce made by {@link createNonce}. */
export const NONCE_LENGTH = 32;

/** A per-command token: 12 random hex digits, typed with the command line that it belongs to. */
export function createToken(): string {
  return randomBytes(6).toString('hex');
}

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
