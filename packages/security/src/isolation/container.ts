// The `container` level: the docker/podman command that runs a terminal's shell in a throwaway
// container with the policy's limits, no network unless allowed, all capabilities dropped, a
// read-only root and the workspace mounted. `containerRunArgs` is a pure builder (what a
// ContainerBackend runs); `requireContainerEngine` finds an engine that answers, or fails clearly.
import { spawn, spawnSync } from 'node:child_process';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { findExecutable } from './tools';
import { DEFAULT_CONTAINER_IMAGE, type IsolationSpec } from './types';

/** A container engine with a docker-compatible CLI. */
export type ContainerEngine = 'docker' | 'podman';

/** What runs inside the container and how. */
export interface ContainerRunOptions {
  /** Container name, so it can be removed by name (`docker rm -f`). */
  name: string;
  /** The program and its arguments, run inside the container. */
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Host directories bound read-only at the same path (shell integration). */
  readOnlyDirs?: readonly string[];
  /** Allocate a TTY (`-t`): true for an interactive shell. */
  tty: boolean;
}

const MIB = 1024 * 1024;

/** `run` arguments (after the engine's name) for `spec` and `options`. */
export function containerRunArgs(spec: IsolationSpec, options: ContainerRunOptions): string[] {
  const { limits } = spec;
  const args = ['run', '--rm', '-i', ...(options.tty ? ['-t'] : []), '--init', '--name', options.name];
  args.push('--network', spec.network ? 'bridge' : 'none');
  args.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only');
  const tmpSize = limits.maxTmpfsMb === undefined ? '' : `,size=${limits.maxTmpfsMb}m`;
  args.push('--tmpfs', `/tmp:rw,nosuid,nodev${tmpSize}`, '--ulimit', 'core=0');
  if (limits.maxMemoryMb !== undefined) {
    args.push('--memory', `${limits.maxMemoryMb}m`, '--memory-swap', `${limits.maxMemoryMb}m`);
  }
  if (limits.maxProcesses !== undefined) args.push('--pids-limit', String(limits.maxProcesses));
  if (limits.maxCpuSeconds !== undefined) {
    args.push('--ulimit', `cpu=${limits.maxCpuSeconds}:${limits.maxCpuSeconds + 1}`);
  }
  if (limits.maxFileSizeMb !== undefined) {
    const bytes = limits.maxFileSizeMb * MIB;
    args.push('--ulimit', `fsize=${bytes}:${bytes}`);
  }
  if (limits.maxOpenFiles !== undefined) {
    args.push('--ulimit', `nofile=${limits.maxOpenFiles}:${limits.maxOpenFiles}`);
  }
  args.push('-v', `${spec.workspace}:${spec.workspace}:rw`, '-w', spec.workspace);
  for (const dir of options.readOnlyDirs ?? []) args.push('-v', `${dir}:${dir}:ro`);
  for (const [key, value] of Object.entries(options.env)) args.push('-e', `${key}=${value}`);
  args.push(spec.image ?? DEFAULT_CONTAINER_IMAGE, ...options.command);
  return args;
}

/**
 * The first engine (podman, then docker) whose CLI is installed and whose engine answers; throws
 * SpawnFailed saying what is missing otherwise.
 */
export function requireContainerEngine(): { engine: ContainerEngine; path: string } {
  const problems: string[] = [];
  for (const engine of ['podman', 'docker'] as const) {
    const path = findExecutable(engine);
    if (!path) continue;
    // 10 s: a cold engine can be slow to answer, but spawning must not hang on a dead socket.
    const probe = spawnSync(path, ['version', '--format', '{{.Server.Version}}'], {
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (probe.status === 0) return { engine, path };
    problems.push(
      `${engine} is installed but its engine does not answer (${(probe.stderr || probe.error?.message || 'no output').trim().split('\n')[0]})`,
    );
  }
  throw new OrchflowError(
    ErrorCode.SpawnFailed,
    `isolationLevel 'container' needs a running container engine: ${problems.length ? problems.join('; ') : 'neither podman nor docker is installed'}. Install and start podman or docker, or choose isolationLevel 'sandbox'`,
    { problems },
  );
}

/** Force-removes a container by name in the background (it may already be gone). */
export function removeContainer(enginePath: string, name: string): void {
  const child = spawn(enginePath, ['rm', '-f', name], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
