// Creating and adopting panes on the tmux server. A new terminal's window is created inside the
// control client's hub session, so its very first output (the prompt marker) is seen, and is then
// linked into a session of its own (`orchflow-<id>`) — the one a person attaches to — which
// carries the orchflow metadata. Adoption lists those sessions, links their windows into the hub
// and restores their scrollback with `capture-pane`.
import type { ControlClient } from './control-client';
import { quoteArg } from './control-codec';
import { type LaunchSpec, writeLaunchScript } from './launch-script';
import {
  decodeMeta,
  encodeMeta,
  ID_OPTION,
  META_OPTION,
  type SessionMeta,
  tmuxSessionName,
} from './session-meta';
import type { PaneIds } from './tmux-pane';

/** A session found on the server. */
export interface FoundSession {
  ids: PaneIds;
  meta: SessionMeta;
  dead: boolean;
  cwd: string;
}

const FIELDS = [
  '#{session_name}',
  `#{${ID_OPTION}}`,
  `#{${META_OPTION}}`,
  '#{window_id}',
  '#{pane_id}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_current_path}',
];

/** Creates a window running `spec` in `hub`, sized and linked into its own session for `id`. */
export async function createPane(
  client: ControlClient,
  hub: string,
  spec: LaunchSpec & { cols: number; rows: number; dir: string },
  id: string,
): Promise<PaneIds> {
  const script = writeLaunchScript(spec.dir, spec);
  const [line = ''] = await client.command(
    `new-window -d -P -F ${quoteArg('#{window_id} #{pane_id} #{pane_pid}')} -t ${quoteArg(`${hub}:`)} /bin/sh ${quoteArg(script)}`,
  );
  const [windowId = '', paneId = '', pid = ''] = line.split(' ');
  const session = tmuxSessionName(id);
  const name = quoteArg(session);
  // A session needs a window to exist: its placeholder is replaced by the terminal's window.
  await Promise.all([
    client.command(`resize-window -t ${windowId} -x ${spec.cols} -y ${spec.rows}`),
    client.command(`new-session -d -s ${name} -x ${spec.cols} -y ${spec.rows} cat`),
    client.command(`link-window -d -s ${windowId} -t ${quoteArg(`${session}:1`)}`),
    client.command(`kill-window -t ${quoteArg(`${session}:0`)}`),
    client.command(`set-option -t ${name} ${ID_OPTION} ${quoteArg(id)}`),
  ]);
  return { windowId, paneId, pid: Number(pid) };
}

/** Stores the metadata a later process needs to adopt the session. */
export async function storeMeta(client: ControlClient, meta: SessionMeta): Promise<void> {
  const name = quoteArg(tmuxSessionName(meta.id));
  await client.command(`set-option -t ${name} ${META_OPTION} ${quoteArg(encodeMeta(meta))}`);
}

/** The orchflow sessions on the server (live and dead panes), skipping anything else. */
export async function findSessions(client: ControlClient): Promise<FoundSession[]> {
  const lines = await client.command(`list-sessions -F ${quoteArg(FIELDS.join('\t'))}`);
  const found: FoundSession[] = [];
  for (const line of lines) {
    const [, id, encoded = '', windowId = '', paneId = '', pid = '', dead, cwd = ''] = line.split('\t');
    const meta = id ? decodeMeta(encoded) : undefined;
    if (!meta || meta.id !== id) continue;
    found.push({ ids: { windowId, paneId, pid: Number(pid) }, meta, dead: dead === '1', cwd });
  }
  return found;
}

/** Links an existing window into the hub so its output reaches this client. */
export async function linkIntoHub(client: ControlClient, hub: string, windowId: string): Promise<void> {
  await client.command(`link-window -d -s ${windowId} -t ${quoteArg(`${hub}:`)}`);
}

/** The pane's history and screen with colours, as terminal output (`\r\n` line ends). */
export async function captureScrollback(client: ControlClient, paneId: string): Promise<Buffer> {
  const lines = await client.command(`capture-pane -p -e -J -S - -t ${paneId}`);
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return Buffer.from(lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '', 'utf8');
}
