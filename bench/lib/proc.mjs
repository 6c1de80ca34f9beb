// CPU time of processes from Linux `/proc`, for benchmarks that count what other processes spent.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ms (user + system) process `pid` has used so far; NaN when it cannot be read. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are the 12th and 13th fields after the command's closing parenthesis, in
    // clock ticks; USER_HZ is 100 on every Linux.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU ms a single-threaded process `pid` has used, to the nanosecond (`/proc/<pid>/schedstat`; its
 * main thread only). `processCpuMs` rounds user and system time down to 10 ms ticks each, ~10 ms
 * low per process on average: too coarse for a thousand short-lived shells. NaN when unreadable.
 */
export function taskCpuMs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Pids of the live children of process `pid` (default: this one), of every thread. */
export function childPids(pid = 'self') {
  const pids = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids; // It ended meanwhile.
  }
  for (const task of tasks) {
    try {
      pids.push(
        ...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
      );
    } catch {
      // The thread ended meanwhile.
    }
  }
  return pids.map(Number);
}

/** The command name of process `pid` (`/proc/<pid>/comm`), or '' when it is gone. */
export function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
