// `PYTHONPATH=src python3 -m pytest`: Python imports modules from the listed directories, so the
// variable is a dangerous one — except when every entry is a directory of the tree the command
// runs in. Code there is code the agent could already run as `python3 src/x.py`; what must not
// happen is importing from elsewhere (`/tmp`, `..`) or from a forbidden directory (`secret`, whose
// modules would be read). Only the `NAME=value` spelling before or as a command is judged here;
// `export PYTHONPATH=…`, `env PYTHONPATH=…` and run-time values stay refused.
import type { PathGuard } from './path-guard';
import type { Cwds } from './real-paths';
import type { FoundAssignment } from './scan';

/** The variable this module judges by value. */
export const PYTHON_PATH = 'PYTHONPATH';

/**
 * True when `a` assigns PYTHONPATH a literal list of relative directories without `..`, none on,
 * under or above a forbidden path (`PYTHONPATH=.` above `secret/` could import it) from any
 * directory the line may run in (`cwds`; unknown → false).
 */
export function localPythonPath(a: FoundAssignment, guard: PathGuard, cwds: Cwds | undefined): boolean {
  if (a.name !== PYTHON_PATH || !a.value?.literal || a.value.alternatives || !cwds) return false;
  return a.value.value.split(':').every((entry) => {
    // An empty entry is the current directory, as `.` is.
    const dir = entry === '' ? '.' : entry;
    if (dir.startsWith('/') || dir.startsWith('~') || dir.split('/').includes('..')) return false;
    const word = { value: dir, literal: true, prefix: dir, expanded: false };
    return guard.hit({ word, access: 'read', text: a.text, recursive: true }, cwds) === undefined;
  });
}
