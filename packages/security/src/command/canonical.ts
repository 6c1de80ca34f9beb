// Operations that deny rules name by one spelling but bash and the programs accept in many:
// `kill` sending any signal to every process (`kill -KILL -1`, `kill -s 9 -1`, `kill -- -1`) and
// `dd` writing to a device (`of=/dev/disk/by-id/x`, `of=//dev/./sda`). Each is also matched in
// the canonical spelling the presets deny (`kill -9 -1`, `dd of=/dev/<name>`).
import type { Invocation } from './rules';

// dd targets under /dev that are not devices holding data.
const HARMLESS_DEVICE = /^\/dev\/(null|zero|stdout|stderr|fd\/\d+)$/;

// bash's `kill` and procps' take one signal option first (`-9`, `-KILL`, `-s 9`, `-n 9`), then
// an optional `--`; every word after that is a pid, and the pid -1 means every process.
function killsEverything(argv: readonly string[]): boolean {
  const first = argv[0] ?? '';
  if (first === '-l' || first === '-L') return false;
  let i = first === '-s' || first === '-n' ? 2 : /^-./.test(first) && first !== '--' ? 1 : 0;
  if (argv[i] === '--') i++;
  return argv.slice(i).some((a) => /^-0*1$/.test(a));
}

function normalPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The canonical spellings of `inv` that deny rules should also see (none for most commands). */
export function canonicalForms(inv: Invocation): Invocation[] {
  if (inv.program === 'kill' && killsEverything(inv.argv)) return [{ ...inv, argv: ['-9', '-1'] }];
  if (inv.program === 'dd') {
    const targets = inv.argv.flatMap((a) => (a.startsWith('of=') ? [normalPath(a.slice(3))] : []));
    const device = targets.find((t) => t.startsWith('/dev/') && !HARMLESS_DEVICE.test(t));
    if (device) return [{ ...inv, argv: [`of=/dev/${device.slice(5).replace(/\//g, '-')}`] }];
  }
  return [];
}
