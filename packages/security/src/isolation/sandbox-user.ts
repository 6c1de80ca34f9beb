// Which unprivileged user a root orchestrator's sandbox runs as, and whether it can: the user
// must reach the workspace inside the sandbox (every directory above it that the sandbox shows
// from the host searchable), and, where it does not own the workspace or the shell-integration
// directory, the host must support idmapped mounts there (probed once per file system, see
// sandbox-drop.ts).
// Every failure is a SpawnFailed saying what to change: a sandbox never falls back to uid 0.
import { readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCode, OrchflowError, renamePath } from '@orchflow/protocol';
import { dropArgs, dropUnsupported, type IdMappedDir, probeDrop, stagedPath } from './sandbox-drop';
import { requireTool } from './tools';

/**
 * The user (and its only group) a sandbox runs its commands as when orchflow runs as root. Not
 * exported publicly: the API reference shows it inline in `IsolationSpec.sandboxUser`.
 * @inline
 */
export interface SandboxUser {
  uid: number;
  gid: number;
}

/** The environment variable naming the sandbox user: `uid[:gid]` or `name[:group]`. */
export const SANDBOX_USER_ENV = 'ORCHFLOW_SANDBOX_USER';

/** Default sandbox user: `nobody`/`nogroup` (65534), which owns no files on a usual host. */
export const DEFAULT_SANDBOX_USER: SandboxUser = { uid: 65534, gid: 65534 };

function spawnFailed(message: string, data?: Record<string, unknown>): OrchflowError {
  return new OrchflowError(ErrorCode.SpawnFailed, message, data);
}

/** Fields of the /etc/passwd or /etc/group line whose name is `name`. */
function dbEntry(file: string, name: string): string[] | undefined {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
}

function idOf(value: string, file: '/etc/passwd' | '/etc/group'): { id: number; gid?: number } {
  if (/^\d+$/.test(value)) return { id: Number(value) };
  const entry = dbEntry(file, value);
  if (!entry)
    throw spawnFailed(
      `${SANDBOX_USER_ENV}: no ${file === '/etc/passwd' ? 'user' : 'group'} '${value}' in ${file}`,
    );
  return { id: Number(entry[2]), gid: file === '/etc/passwd' ? Number(entry[3]) : undefined };
}

/**
 * The sandbox user: `configured` (IsolationSpec.sandboxUser), else {@link SANDBOX_USER_ENV}, else
 * {@link DEFAULT_SANDBOX_USER}. Throws SpawnFailed for uid or gid 0 or an unknown name.
 */
export function resolveSandboxUser(configured?: SandboxUser, env = process.env): SandboxUser {
  let user = configured;
  const text = env[SANDBOX_USER_ENV]?.trim();
  if (!user && text) {
    const [u = '', g] = text.split(':');
    const owner = idOf(u, '/etc/passwd');
    const gid = g !== undefined ? idOf(g, '/etc/group').id : (owner.gid ?? owner.id);
    user = { uid: owner.id, gid };
  }
  user ??= DEFAULT_SANDBOX_USER;
  if (!(user.uid > 0 && user.gid > 0 && Number.isInteger(user.uid) && Number.isInteger(user.gid))) {
    throw spawnFailed(
      `The sandbox user must be an unprivileged uid and gid (got ${user.uid}:${user.gid}): a sandbox never runs commands as root`,
      { ...user },
    );
  }
  return user;
}

/** True when `user` (with `user.gid` as its only group) may search directory `dir`. */
export function searchableBy(dir: string, user: SandboxUser): boolean {
  try {
    const st = statSync(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    return (st.mode & bit) !== 0;
  } catch {
    return false;
  }
}

/** The first directory above `path` that `user` cannot search (`stop`: a directory that needs no check). */
export function blockingAncestor(
  path: string,
  user: SandboxUser,
  stop: (dir: string) => boolean = () => false,
): string | undefined {
  const chain: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === '/') break;
  }
  for (const dir of chain) {
    if (stop(dir)) return undefined;
    if (!searchableBy(dir, user)) return dir;
  }
  return undefined;
}

/**
 * The SpawnFailed for a directory `user` must reach inside the sandbox but `blocked` keeps it
 * from; `named` says how the message names a path (the caller's workspace as given, `~` for the home).
 */
export function unreachableError(
  user: SandboxUser,
  dir: string,
  blocked: string,
  named: (path: string) => string = (path) => path,
): OrchflowError {
  const mode = (statSync(blocked).mode & 0o7777).toString(8).padStart(4, '0');
  const [where, by] = [named(dir), named(blocked)];
  return spawnFailed(
    `${who(user)} cannot reach '${where}': '${by}' (mode ${mode}) does not let it through. Put the workspace below directories every user may enter (e.g. 'chmod o+x ${by}', or a workspace under /home, /tmp or another directory the sandbox replaces), ${HINT}`,
    { path: where, blockedBy: by, uid: user.uid },
  );
}

const HINT = `or choose another sandbox user (${SANDBOX_USER_ENV}=uid:gid or IsolationSpec.sandboxUser), or run orchflow as a non-root user`;

function who(user: SandboxUser): string {
  return `the sandbox user (uid ${user.uid}, gid ${user.gid}; orchflow runs as root and a sandbox never runs commands as root)`;
}

/**
 * Where bwrap binds the workspace and `privateDirs` from after the drop (staged by it, see
 * sandbox-drop.ts), in the order {@link sandboxDropArgs} stages them.
 */
export function stagedSources(workspace: string, privateDirs: readonly string[]): Map<string, string> {
  return new Map([workspace, ...privateDirs].map((d, i) => [resolve(d), stagedPath(i)]));
}

/**
 * The argv prefix dropping a root orchestrator's sandbox to `user`, staging `workspace` and
 * `privateDirs` (idmapped unless the user owns them; the host must support that, probed once per
 * file system). Throws SpawnFailed.
 */
export function sandboxDropArgs(
  user: SandboxUser,
  workspace: string,
  privateDirs: readonly string[],
  purpose: string,
  named: (path: string) => string = (path) => path,
): string[] {
  const perl = requireTool('perl', `${purpose} as root (it drops the sandbox to uid ${user.uid})`);
  const unsupported = dropUnsupported();
  if (unsupported) {
    throw spawnFailed(
      `${purpose} as root cannot drop the sandbox to uid ${user.uid}: ${unsupported}; run orchflow as a non-root user`,
    );
  }
  const maps: IdMappedDir[] = [...stagedSources(workspace, privateDirs).keys()].map((dir) => {
    const st = statOrFail(dir, dir === resolve(workspace), named);
    return { dir, uid: st.uid, gid: st.gid, idmap: st.uid !== user.uid };
  });
  const probed = probeDrop(perl, user, maps);
  if (probed) {
    // The drop's own words name the directories it maps by their host paths.
    const why = maps.reduce((text, m) => renamePath(text, m.dir, named(m.dir)), probed);
    const mapped = maps.filter((m) => m.idmap).map((m) => `'${named(m.dir)}'`);
    throw spawnFailed(
      `${who(user)} needs ${mapped.join(' and ') || 'its directories'} mapped to it through an idmapped mount, and that failed here: ${why}. Use a file system and kernel with idmapped mounts (Linux >= 5.12; ext4, xfs, btrfs; tmpfs from Linux 6.3) for the workspace and TMPDIR, make the workspace owned by uid ${user.uid} ('chown -R ${user.uid}:${user.gid} <workspace>'), ${HINT}`,
      { uid: user.uid, dirs: maps.map((m) => named(m.dir)), reason: why },
    );
  }
  return dropArgs(perl, user, maps);
}

/**
 * `dir`'s stat, or a SpawnFailed saying what failed (the workspace removed since the spawn, in
 * scripted mode where each command starts a sandbox) without Node's words, which name the path
 * resolved (`named` says how the workspace is named; a private dir is not: it is the server's).
 */
function statOrFail(dir: string, isWorkspace: boolean, named: (path: string) => string): Stats {
  try {
    return statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an unexpected error';
    throw new OrchflowError(
      ErrorCode.SpawnFailed,
      isWorkspace
        ? `The terminal's working directory '${named(dir)}' ${code === 'ENOENT' ? 'no longer exists' : 'cannot be bound into the sandbox'} (${code}); recreate it, or spawn a new terminal with another cwd`
        : `The terminal's shell-integration directory cannot be used for the sandbox (${code}); spawn a new terminal`,
      isWorkspace ? { cwd: named(dir) } : undefined,
      { cause: error },
    );
  }
}
