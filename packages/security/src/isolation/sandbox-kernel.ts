// What a sandbox sees of the kernel's own file systems (/proc, /sys, /dev) and how big its
// RAM-backed directories may grow. Why it matters: uid 0 may write procfs and sysfs knobs by
// file mode alone, without capabilities (the sysctl check compares the euid with root), and a
// writable `kernel.core_pattern` is a host root escape. A root orchestrator's sandbox now runs as
// an unprivileged user (sandbox-drop.ts); these covers stay as the second line behind it. So /proc's global knobs are bound read-only onto
// themselves (a bind, because `--remount-ro` needs a mount point), files that show host state get
// /dev/null over them, /sys is an empty read-only tmpfs (it also listed the host's NICs and their
// addresses), /dev (bubblewrap's minimal one) is read-only, and every tmpfs has a size.
import { existsSync } from 'node:fs';
import type { ResourceLimits } from '../policy/schema';

/** /proc entries bound read-only onto themselves (each only where this kernel has it). */
export const SANDBOX_READ_ONLY_PROC: readonly string[] = [
  'sys',
  'sysrq-trigger',
  'irq',
  'bus',
  'fs',
  'acpi',
  'asound',
  'scsi',
  'driver',
  'latency_stats',
  'timer_stats',
  'mtrr',
];

/** /proc files covered by /dev/null: host-wide state a command has no use for. */
export const SANDBOX_MASKED_PROC: readonly string[] = ['kcore', 'keys', 'timer_list', 'sched_debug'];

/** Default size of a sandbox's private /tmp in MiB (`resourceLimits.maxTmpfsMb` sets it). */
export const SANDBOX_TMP_MB = 512;

/**
 * Size in MiB of every other private tmpfs of a sandbox (`/dev/shm`, `/var/tmp`, `/home`, `/run`,
 * the hidden homes): 64 MiB, docker's `/dev/shm` default, or `maxTmpfsMb` when that is smaller.
 */
export const SANDBOX_SMALL_TMPFS_MB = 64;

/** The mounted /sys: an empty tmpfs no bigger than this (it is remounted read-only). */
const SYS_TMPFS_BYTES = 4096;

const MIB = 1024 * 1024;

/** Sizes in bytes of the sandbox's private /tmp and of its other private tmpfs mounts. */
export function tmpfsSizes(limits: ResourceLimits): { tmp: number; small: number } {
  const tmpMb = limits.maxTmpfsMb ?? SANDBOX_TMP_MB;
  return { tmp: tmpMb * MIB, small: Math.min(tmpMb, SANDBOX_SMALL_TMPFS_MB) * MIB };
}

/** `--size BYTES --tmpfs dir`: a private tmpfs that cannot fill the host's memory. */
export function sizedTmpfs(dir: string, bytes: number): string[] {
  return ['--size', String(bytes), '--tmpfs', dir];
}

/**
 * The kernel file systems, right after the root bind: bubblewrap's /dev with a sized /dev/shm,
 * a fresh /proc with its global knobs read-only and host state masked, and an empty /sys.
 * Only entries this kernel has (many lack /proc/sysrq-trigger or /proc/acpi): bubblewrap cannot
 * create a missing mount point in procfs. The host's /proc has the same top-level entries.
 */
export function kernelFsArgs(
  smallTmpfsBytes: number,
  procExists: (path: string) => boolean = existsSync,
): string[] {
  const args = ['--dev', '/dev', ...sizedTmpfs('/dev/shm', smallTmpfsBytes), '--proc', '/proc'];
  for (const name of SANDBOX_READ_ONLY_PROC.filter((n) => procExists(`/proc/${n}`))) {
    // The source is the host's /proc/<name> (bind sources are outside the sandbox): the same
    // kernel objects, and sysctls resolve per namespace of whoever opens them.
    args.push('--ro-bind', `/proc/${name}`, `/proc/${name}`);
  }
  for (const name of SANDBOX_MASKED_PROC.filter((n) => procExists(`/proc/${n}`))) {
    args.push('--ro-bind', '/dev/null', `/proc/${name}`);
  }
  args.push(...sizedTmpfs('/sys', SYS_TMPFS_BYTES));
  return args;
}

/**
 * Read-only remounts, after every other mount (a forbidden path or private dir below /dev or /sys
 * still needs its mount point made): /dev (its nodes stay usable, /dev/shm and /dev/pts are
 * mounts of their own and stay writable) and the empty /sys.
 */
export function kernelFsReadOnlyArgs(): string[] {
  return ['--remount-ro', '/dev', '--remount-ro', '/sys'];
}
