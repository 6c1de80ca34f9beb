// Snapshots of the whole process table, indexed for tree walks, and the scheduler that lets
// concurrent process-tree kills share one. Killing 1000 terminals at once used to walk all of
// /proc once per terminal per poll round (1000 × ~2000 file reads every 20 ms, tens of seconds
// and ~100 MB of garbage); now every kill that asks during the same turn of the event loop gets
// the same snapshot, taken after all of them asked.
import { listAllProcesses, type ProcInfo } from './procfs';

/** Every visible process, indexed by pid, by parent and by session. */
export interface ProcSnapshot {
  byPid: Map<number, ProcInfo>;
  children: Map<number, ProcInfo[]>;
  bySession: Map<number, ProcInfo[]>;
}

function push(index: Map<number, ProcInfo[]>, key: number, p: ProcInfo): void {
  const list = index.get(key);
  if (list) list.push(p);
  else index.set(key, [p]);
}

/** Walks /proc now. */
export function takeSnapshot(): ProcSnapshot {
  const snapshot: ProcSnapshot = { byPid: new Map(), children: new Map(), bySession: new Map() };
  for (const p of listAllProcesses()) {
    snapshot.byPid.set(p.pid, p);
    push(snapshot.children, p.ppid, p);
    push(snapshot.bySession, p.sid, p);
  }
  return snapshot;
}

let next: Promise<ProcSnapshot> | undefined;

/**
 * A snapshot taken after this call. Callers in the same turn of the event loop share it: the walk
 * runs in the check phase (setImmediate), after every poll timer that fired in this turn has asked.
 * A fresh walk per request is what correctness needs — a kill must not decide from a table read
 * before the processes it is about to judge existed — and sharing it is what makes N kills cheap.
 */
export function nextSnapshot(): Promise<ProcSnapshot> {
  next ??= new Promise((resolve, reject) => {
    setImmediate(() => {
      next = undefined;
      try {
        resolve(takeSnapshot());
      } catch (error) {
        reject(error);
      }
    });
  });
  return next;
}
