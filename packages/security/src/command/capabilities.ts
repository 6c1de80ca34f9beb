// Capability rules on the command line. They are deliberately simple lists — the real
// enforcement of network, file and process limits is the terminal's isolation; these give an
// early, explainable refusal for the obvious cases.
import type { Capabilities } from '../policy/schema';
import { usesNetworkByArgs } from './network-use';
import type { Invocation } from './rules';
import type { Construct, FoundCommand, Redirect, Scan } from './scan';
import { sedUse } from './sed-script';
import { literalWord, type WordValue } from './words';
import { SHELLS } from './wrapper-table';

/** Programs whose purpose is the network (denied when `canNetwork` is false or the network is denied). */
export const NETWORK_PROGRAMS: ReadonlySet<string> = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'ssh',
  'scp',
  'sftp',
  'telnet',
  'ftp',
  'ping',
  'rsync',
  'aria2c',
  'http',
  'https',
]);

/** Programs that write or remove files (denied when `canWriteFiles` is false). */
export const WRITING_PROGRAMS: ReadonlySet<string> = new Set([
  'tee',
  'cp',
  'mv',
  'rm',
  'rmdir',
  'mkdir',
  'touch',
  'ln',
  'chmod',
  'chown',
  'chgrp',
  'dd',
  'truncate',
  'install',
  'shred',
  'patch',
  'unlink',
]);

/** Programs that read files named as arguments (denied when `canReadFiles` is false). */
export const READING_PROGRAMS: ReadonlySet<string> = new Set([
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'source',
  '.',
  'nl',
  'od',
  'xxd',
  'strings',
  'base64',
]);

/** Programs that start work that outlives or escapes the command (denied when `canSpawnSubprocesses` is false). */
export const SPAWNING_PROGRAMS: ReadonlySet<string> = new Set([
  // Every shell the wrappers know (one list, so a shell added there is a spawner here too).
  ...SHELLS,
  'nohup',
  'setsid',
  'disown',
  'coproc',
  'at',
  'batch',
  'screen',
  'tmux',
  'daemonize',
]);

// Redirections to these are not file writes.
const HARMLESS_TARGETS = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/;

// `uniq IN OUT` writes OUT; `-f N`, `-s N`, `-w N` take a value.
function uniqOperands(argv: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (/^-[fsw]$/.test(a)) i++;
    else if (a === '-' || !a.startsWith('-')) count++;
  }
  return count;
}

// What sed's script may do (sed-script.ts): a script only known at run time, or one the policy
// cannot read, may do anything; `--sandbox` makes sed refuse `e`, `r` and `w`.
function sedScript(inv: Invocation): ReturnType<typeof sedUse> {
  return sedUse(inv.words ?? inv.argv.map(literalWord));
}
const unknownScript = (use: ReturnType<typeof sedUse>): boolean =>
  !use.sandbox && (use.runTime || use.effects.unreadable !== undefined);

// `-i`, `-ni`, `--in-place[=SUFFIX]`, and any start of it getopt takes (`--i`, `--in`).
function sedInPlace(arg: string): boolean {
  const long = /^--([^=]+)/.exec(arg)?.[1];
  return /^-[A-Za-z]*i/.test(arg) || (long !== undefined && 'in-place'.startsWith(long));
}

function sedWrites(inv: Invocation): boolean {
  const use = sedScript(inv);
  return unknownScript(use) || (!use.sandbox && use.effects.writes.some((f) => !HARMLESS_TARGETS.test(f)));
}

function sedRuns(inv: Invocation): boolean {
  const use = sedScript(inv);
  return use.stdin || unknownScript(use) || (!use.sandbox && use.effects.runs);
}

/** The first capability an invocation needs but lacks, or `undefined`. */
export function lackingCapability(
  inv: Invocation,
  caps: Capabilities,
  networkDenied: boolean,
): Construct | undefined {
  const p = inv.program;
  if ((!caps.canNetwork || networkDenied) && (NETWORK_PROGRAMS.has(p) || usesNetworkByArgs(inv))) {
    return { rule: 'capability:canNetwork', reason: `'${p}' uses the network, which this policy denies` };
  }
  if (
    !caps.canWriteFiles &&
    (WRITING_PROGRAMS.has(p) ||
      (p === 'sed' && (inv.argv.some(sedInPlace) || sedWrites(inv))) ||
      (p === 'uniq' && uniqOperands(inv.argv) >= 2))
  ) {
    return { rule: 'capability:canWriteFiles', reason: `'${p}' writes files, which this policy denies` };
  }
  if (!caps.canReadFiles && READING_PROGRAMS.has(p) && inv.argv.length > 0) {
    return { rule: 'capability:canReadFiles', reason: `'${p}' reads files, which this policy denies` };
  }
  if (!caps.canSpawnSubprocesses && (SPAWNING_PROGRAMS.has(p) || (p === 'sed' && sedRuns(inv)))) {
    return {
      rule: 'capability:canSpawnSubprocesses',
      reason: `'${p}' starts a shell or a detached process, which this policy denies`,
    };
  }
  return undefined;
}

/** The first redirection a capability forbids, or `undefined`. */
export function lackingForRedirect(r: Redirect, caps: Capabilities): Construct | undefined {
  if ((r.op === '>&' || r.op === '<&') && /^(\d+|-)$/.test(r.target.value)) return undefined;
  if (HARMLESS_TARGETS.test(r.target.value)) return undefined;
  const reads = r.op === '<' || r.op === '<>' || r.op === '<&';
  const writes = r.op !== '<' && r.op !== '<&';
  if (!caps.canWriteFiles && writes) {
    return {
      rule: 'capability:canWriteFiles',
      reason: `the redirection '${r.text}' writes a file, which this policy denies`,
    };
  }
  if (!caps.canReadFiles && reads) {
    return {
      rule: 'capability:canReadFiles',
      reason: `the redirection '${r.text}' reads a file, which this policy denies`,
    };
  }
  return undefined;
}

/** A background job (`cmd &`) when `canSpawnSubprocesses` is false. */
export function lackingForBackground(
  scanBackground: readonly string[],
  caps: Capabilities,
): Construct | undefined {
  const job = scanBackground[0];
  if (caps.canSpawnSubprocesses || job === undefined) return undefined;
  return {
    rule: 'capability:canSpawnSubprocesses',
    reason: `'${job}' starts a background job (&), which this policy denies`,
  };
}

/** Every invocation a found command consists of: its wrapper layers, then itself. */
export function layers(found: FoundCommand): Invocation[] {
  return [...(found.command.via ?? []), found.command];
}

// bash opens `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT` itself as sockets in a redirection;
// as a program's argument the path is refused too, since a shell it reaches may open it.
const NETWORK_DEVICE = /^\/+dev\/+(tcp|udp)(\/|$)/;
const NETWORK_DEVICE_TEXT = /\/+dev\/+(tcp|udp)\//;

/** The first use of bash's `/dev/tcp` or `/dev/udp` sockets (for a policy without network), or `undefined`. */
export function networkDeviceUse(scan: Scan): Construct | undefined {
  const hit = (w: WordValue) => NETWORK_DEVICE.test(w.value) || NETWORK_DEVICE.test(w.prefix);
  const redirect = scan.redirects.find((r) => hit(r.target));
  const command = redirect ? undefined : scan.commands.find((f) => f.words.some(hit));
  // A variable or loop word naming the device is a socket opened later (`for p in /dev/tcp/h/80;
  // do echo >$p; done`, `d=/dev/tcp/h/80`): judged by its text, quoting removed.
  const assignment = scan.assignments.find((a) => NETWORK_DEVICE_TEXT.test(a.text.replace(/["'\\]/g, '')));
  const text = redirect?.text ?? command?.command.text ?? assignment?.text;
  if (text === undefined) return undefined;
  return {
    rule: 'capability:canNetwork:dev-tcp',
    reason: `'${text.slice(0, 80)}' opens a network socket through bash's /dev/tcp or /dev/udp, which this policy denies`,
  };
}
