// One Unix-socket test fixture: a temp directory for socket files, one orchestrator per test file,
// and servers that are stopped after each test (the orchestrator and directory after the file).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Orchestrator } from '@orchflow/core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { UnixSocketServer, type UnixSocketServerOptions } from '../src/unix';

/** Registers the hooks; the returned getters are valid inside tests. */
export function unixFixture(prefix: string) {
  let dir = '';
  let orch: Orchestrator | undefined;
  let count = 0;
  const servers: UnixSocketServer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    orch = Orchestrator.builder().build();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await orch?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });
  const fixture = {
    /** The temp directory socket files live in. */
    get dir(): string {
      return dir;
    },
    /** The file's orchestrator. */
    get orch(): Orchestrator {
      if (!orch) throw new Error('unixFixture: used outside a test');
      return orch;
    },
    /** Stops `server` after the current test. */
    track(server: UnixSocketServer): UnixSocketServer {
      servers.push(server);
      return server;
    },
    /** Starts a server on a fresh socket path in {@link dir}. */
    async startServer(options: Partial<UnixSocketServerOptions> = {}) {
      const path = join(dir, `s${count++}.sock`);
      const server = fixture.track(new UnixSocketServer({ orchestrator: fixture.orch, path, ...options }));
      await server.start();
      return { server, path };
    },
  };
  return fixture;
}
