// The orchflow metadata a tmux session carries so a later process can adopt it: which terminal
// and agent it is, its config, and the shell-integration state (nonce, private directory) needed
// to drive the running shell again. Stored as tmux user options on the session, base64url JSON so
// no quoting rule of tmux can mangle it.
import { createHash } from 'node:crypto';
import type { TerminalConfig } from '@orchflow/protocol';

/** User option holding the terminal id. */
export const ID_OPTION = '@orchflow-id';
/** User option holding the encoded {@link SessionMeta}. */
export const META_OPTION = '@orchflow-meta';

/** What is stored per session. */
export interface SessionMeta {
  id: string;
  agentId: string;
  config: TerminalConfig;
  nonce: string;
  dir: string;
  shellPath: string;
  kind: 'bash' | 'zsh' | 'sh';
  createdAt: string;
}

/** Encodes metadata for a user option. */
export function encodeMeta(meta: SessionMeta): string {
  return Buffer.from(JSON.stringify(meta), 'utf8').toString('base64url');
}

/** Decodes a user option's value; undefined when it is not orchflow metadata. */
export function decodeMeta(text: string): SessionMeta | undefined {
  try {
    const meta = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<SessionMeta>;
    const strings = [meta.id, meta.agentId, meta.nonce, meta.dir, meta.shellPath, meta.createdAt];
    if (strings.some((s) => typeof s !== 'string') || typeof meta.config !== 'object') return undefined;
    if (meta.kind !== 'bash' && meta.kind !== 'zsh' && meta.kind !== 'sh') return undefined;
    return meta as SessionMeta;
  } catch {
    return undefined;
  }
}

/**
 * The tmux session name of a terminal: `orchflow-<id>`, with characters tmux treats specially
 * (`.`, `:`, spaces…) replaced and a short hash added so two ids never share a name.
 */
export function tmuxSessionName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe === id) return `orchflow-${id}`;
  return `orchflow-${safe}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}
