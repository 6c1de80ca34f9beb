// Operations that deny rules name by one spelling but bash and the programs accept in many:
// `kill` sending any signal to every process (`kill -KILL -1`, `kill -s 9 -1`, `kill -- -1`) and
// `dd` writing to a device (`of=/dev/disk/by-id/x`, `of=//dev/./sda`) — and every other way of
// writing one: a redirection (`echo x > /dev/sda`), `tee /dev/sda`, `cp img /dev/sda`. Each is
// also matched in the canonical spelling the presets deny (`kill -9 -1`, `dd of=/dev/<name>`).
import type { Invocation } from './rules';

// Targets under /dev that are not devices holding data: sinks, terminals, descriptors, tmpfs
// (/dev/shm), and bash's /dev/tcp|udp (network use, judged as such).
const HARMLESS_DEVICE =
  /^\/dev\/(null|zero|full|random|urandom|stdin|stdout|stderr|tty|ptmx|console|fd\/\d+|pts\/\d+|(shm|mqueue|tcp|udp)\/.*)$/;

// Programs that write their last operand (`cp img /dev/sda`) or every operand (`tee`).
const WRITE_LAST = new Set(['cp', 'mv', 'install']);

// bash's `kill` and procps' take one signal option first (`-9`, `-KILL`, `-s 9`, `-n 9`), then
// an optional `--`; every word after that is a pid, and the pid -1 means every process.
function killsEverything(argv: readonly string[]): boolean {
  const first = argv[0] ?? '';
  if (first === '-l' || first === '-L') return false;
  let i = first === '-s' || first === '-n' ? 2 : /^-./.test(first) && first !== '--' ? 1 : 0;
  if (argv[i] === '--') i++;
  return argv.slice(i).some((a) => /^-0*1$/.test(a));
}

/** `path` with `//`, `/./` and `..` resolved lexically, as an absolute path. */
export function normalPath(path: string): string {
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
  const operands = inv.argv.filter((a) => !a.startsWith('-'));
  const targets =
    inv.program === 'dd'
      ? inv.argv.flatMap((a) => (a.startsWith('of=') ? [a.slice(3)] : []))
      : inv.program === 'tee'
        ? operands
        : WRITE_LAST.has(inv.program)
          ? operands.slice(-1)
          : [];
  const device = targets.map(deviceWrite).find((d) => d !== undefined);
  return device ? [{ ...inv, program: 'dd', argv: device.argv }] : [];
}

/**
 * `dd of=/dev/<name>` when `target` (an absolute path) is a device under /dev that holds data,
 * whoever writes it: how a redirection or `tee /dev/sda` is matched against `dd of=/dev/*` rules.
 */
export function deviceWrite(target: string): Invocation | undefined {
  const device = normalPath(target);
  if (!device.startsWith('/dev/') || HARMLESS_DEVICE.test(device)) return undefined;
  return { program: 'dd', argv: [`of=/dev/${device.slice(5).replace(/\//g, '-')}`] };
}
