// Preparing a Unix socket path: a leftover socket file from a crashed server is removed, but a
// live server's socket and anything that is not a socket are left alone and reported.
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** True when a server accepts connections on the socket at `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Makes `path` free for `listen`: removes a stale socket file, refuses anything else. */
export async function clearStaleSocket(path: string): Promise<void> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `'${path}' exists and is not a socket; remove it or choose another --unix path`,
      { path },
    );
  }
  if (await isLive(path)) {
    throw new OrchflowError(
      ErrorCode.InvalidState,
      `Another server is already listening on '${path}'; stop it or choose another --unix path`,
      { path },
    );
  }
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
