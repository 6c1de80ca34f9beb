// Turns a run's outcome into one chat message that always fits the platform's limit: a status
// line, the output in a code fence, and — when it does not fit — the head of the output with a
// marker saying how many bytes were left out.
import type { ExecResult, PolicyDeniedData } from '@orchflow/protocol';
import { DISCORD_MESSAGE_LIMIT } from './chat';

const OPEN = '```\n';
const CLOSE = '\n```';
// Room reserved for the marker: its longest form, so the message never exceeds the limit.
const MARKER_ROOM = '\n… (truncated, 9999999999 more bytes)'.length;

/** The truncation marker for `bytes` left out. */
export function truncationMarker(bytes: number): string {
  return `… (truncated, ${bytes} more bytes)`;
}

// A ``` inside the output would close our fence early: a zero-width space after every backtick
// that another follows leaves no two adjacent (replacing whole triples would not do: a run of
// five backticks becomes an escaped triple followed by a bare pair).
function escapeFences(text: string): string {
  return text.replace(/`(?=`)/g, '`\u200b');
}

// Cuts without splitting a UTF-16 surrogate pair (an emoji cut in half is not valid text).
function cutAt(text: string, length: number): string {
  const end = Math.max(0, length);
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, end - 1) : text.slice(0, end);
}

/**
 * `header` then `output` fenced, at most `limit` characters. Output that does not fit is cut
 * (head kept) and followed by `… (truncated, N more bytes)`, N counted in UTF-8 bytes of the
 * original output.
 */
export function fencedReply(header: string, output: string, limit = DISCORD_MESSAGE_LIMIT): string {
  const body = output.replace(/\s+$/, '') || '(no output)';
  const whole = `${header}\n${OPEN}${escapeFences(body)}${CLOSE}`;
  if (whole.length <= limit) return whole;
  const room = limit - header.length - 1 - OPEN.length - CLOSE.length - MARKER_ROOM;
  let kept = cutAt(body, room);
  // Escaping can only lengthen the text: shrink until the escaped head fits the room.
  while (kept.length > 0 && escapeFences(kept).length > room) {
    kept = cutAt(kept, kept.length - (escapeFences(kept).length - room));
  }
  const dropped = Buffer.byteLength(body.slice(kept.length), 'utf8');
  return `${header}\n${OPEN}${escapeFences(kept)}${CLOSE}\n${truncationMarker(dropped)}`;
}

/** The reply for a finished (or timed-out) run. */
export function formatRun(result: ExecResult, who: string): string {
  const seconds = (result.durationMs / 1000).toFixed(result.durationMs < 10_000 ? 2 : 1);
  let status: string;
  if (result.timedOut) status = `⏱️ timed out after ${seconds} s (the process was interrupted, then killed)`;
  else if (result.exitCode === 0) status = `✅ exit 0 · ${seconds} s`;
  else if (result.exitCode === null) status = `💥 ended by ${result.signal ?? 'a signal'} · ${seconds} s`;
  else status = `❌ exit ${result.exitCode} · ${seconds} s`;
  const note = result.truncated ? ' · orchflow kept only the head and tail of a very long output' : '';
  return fencedReply(`**${who}** ${status}${note}`, result.stdout);
}

/** The reply when the security policy refuses a command: its rule and its explanation. */
export function formatDenied(denial: PolicyDeniedData, who: string): string {
  return fencedReply(`**${who}** 🚫 refused by the security policy (\`${denial.rule}\`)`, denial.reason);
}

/** The reply when a user already has as many runs queued as the bot allows: nothing ran. */
export function formatBusy(pending: number, who: string): string {
  const runs = pending === 1 ? 'a run' : `${pending} runs`;
  return `**${who}** ⏳ you already have ${runs} waiting or running; this one was not run. Send it again when they finish.`;
}
