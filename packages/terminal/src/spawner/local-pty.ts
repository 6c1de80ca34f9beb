// The default PtyFactory: a PTY in this process whose shell the spawner forks (spawner.ts), or,
// where the spawner cannot run, node-pty's own fork.
import { spawnNodePty } from '../node-pty-process';
import type { PtyProcess, PtySpawnRequest } from '../pty-process';
import { Spawner, SpawnerUnavailable } from './spawner';
import { nodePtyNative, spawnThroughSpawner } from './spawner-pty';

/** Spawns `request` in a PTY of this process; throws (rejects) when it cannot be started. */
export function spawnLocalPty(request: PtySpawnRequest): PtyProcess | Promise<PtyProcess> {
  const pty = nodePtyNative();
  const spawner = pty ? Spawner.shared() : undefined;
  if (!pty || !spawner) return spawnNodePty(request);
  return spawnThroughSpawner(spawner, pty, request).catch((error: unknown) => {
    // The spawner could not run at all (it will not be tried again): node-pty still can.
    if (error instanceof SpawnerUnavailable) return spawnNodePty(request);
    throw error;
  });
}
