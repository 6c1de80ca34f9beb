// The isolation layer's input and output shapes. `IsolationSpec` is what a terminal is isolated
// with (derived from a SecurityPolicy plus the terminal's workspace); the launch shapes match
// `@orchflow/terminal`'s LaunchWrapper structurally, so this package needs no terminal import.
import type { IsolationLevel, ResourceLimits } from '../policy/schema';
import type { SandboxUser } from './sandbox-user';

/** How one terminal is isolated. */
export interface IsolationSpec {
  level: IsolationLevel;
  limits: ResourceLimits;
  /** False: the terminal gets no network (a fresh network namespace, or none in a container). */
  network: boolean;
  /** Directory bound writable into a sandbox or container (the terminal's cwd). */
  workspace: string;
  /** Absolute paths made inaccessible inside a sandbox (`~` already expanded). */
  forbiddenPaths: readonly string[];
  /** The host user's home directory, hidden inside a sandbox unless it holds the workspace. */
  home?: string;
  /** Environment variables kept by the scrub besides the standard ones (the caller's own `env`). */
  keepEnv?: readonly string[];
  /**
   * The unprivileged user a `sandbox` runs its commands as when orchflow runs as root (a host
   * setting, not a policy rule). Default: `ORCHFLOW_SANDBOX_USER`, else nobody (65534:65534).
   */
  sandboxUser?: SandboxUser;
  /** Container image for the `container` level. Default {@link DEFAULT_CONTAINER_IMAGE}. */
  image?: string;
}

/** Default image of the `container` level. */
export const DEFAULT_CONTAINER_IMAGE = 'debian:bookworm-slim';

/** What a launch wrapper is asked to start (same shape as `@orchflow/terminal`'s LaunchTarget). */
export interface LaunchTarget {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** `cwd` as the terminal's caller gave it, how errors name it; undefined when none was given. */
  givenCwd?: string;
  /** Private directories the shell must read (shell integration). */
  privateDirs: readonly string[];
}

/** The program really spawned (same shape as `@orchflow/terminal`'s LaunchCommand). */
export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Cap on the terminal's tasks for its pids cgroup (a root orchestrator's `maxProcesses`, where
   * RLIMIT_NPROC does not apply); the terminal refuses to spawn where it cannot enforce it.
   */
  maxTasks?: number;
  /**
   * Cap on the memory of the whole terminal in bytes (`maxMemoryMb` for all its processes
   * together), for the terminal's memory cgroup; without one the terminal warns and starts.
   */
  maxMemoryBytes?: number;
  /** Runs once the process tree has ended; idempotent. */
  dispose?(): void;
}

/** Starts a shell under isolation (same shape as `@orchflow/terminal`'s LaunchWrapper). */
export interface LaunchWrapper {
  /** The isolation level the shell gets (backends run `mode: 'sandboxed'` only at `sandbox` or above). */
  readonly level: IsolationLevel;
  wrap(target: LaunchTarget): LaunchCommand;
}
