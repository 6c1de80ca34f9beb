// Resource limits as `prlimit` arguments. The limits are set on the wrapper, which then execs the
// shell, so the shell and everything it starts inherit them (rlimits are per process and survive
// fork and exec).
import type { ResourceLimits } from '../policy/schema';

const MIB = 1024 * 1024;

/**
 * `prlimit` options for `limits` (always `--core=0`: no core dumps that could leak memory
 * contents). CPU gets soft = limit and hard = limit + 1 s: SIGXCPU first, SIGKILL a second later.
 * `--nproc` only when `withProcesses` (as root RLIMIT_NPROC is not enforced; a pids cgroup is used).
 */
export function prlimitArgs(limits: ResourceLimits, withProcesses: boolean): string[] {
  const args: string[] = ['--core=0'];
  if (limits.maxMemoryMb !== undefined) args.push(`--as=${limits.maxMemoryMb * MIB}`);
  if (limits.maxCpuSeconds !== undefined)
    args.push(`--cpu=${limits.maxCpuSeconds}:${limits.maxCpuSeconds + 1}`);
  if (limits.maxFileSizeMb !== undefined) args.push(`--fsize=${limits.maxFileSizeMb * MIB}`);
  if (limits.maxOpenFiles !== undefined) args.push(`--nofile=${limits.maxOpenFiles}`);
  if (withProcesses && limits.maxProcesses !== undefined) args.push(`--nproc=${limits.maxProcesses}`);
  return args;
}

/** True when the current process runs as root, where RLIMIT_NPROC is not enforced. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
