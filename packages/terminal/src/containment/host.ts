// What this host can do for terminal containment, found out once per process: which form of the
// launcher runs (the compiled one, else perl; `ORCHFLOW_LAUNCHER=perl|native` forces one), whether
// it can install the seccomp filter, and which cgroup hierarchies terminal cgroups can be made in
// and joined (probed for real: a cgroup is made, the launcher joins it and runs /bin/true, the
// cgroup is removed). `ORCHFLOW_CONTAINMENT` overrides the choice: `process-tree` (no cgroups),
// `cgroup-v1` / `cgroup-v2` (only that kind), `auto`.
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { type CgroupPlan, rmdirQuietly, TerminalCgroup } from './cgroup';
import { type CgroupHierarchy, cgroupName, discoverHierarchies, ownerTag } from './cgroup-fs';
import {
  createNativeLauncher,
  createPerlLauncher,
  findPerl,
  type Launcher,
  lookUpNativeLauncher,
  type NativeLauncherLookup,
  probeLauncher,
} from './launcher';
import { filterArch } from './seccomp-filter';

/** How a terminal's processes are held together and killed. */
export type ContainmentKind = 'cgroup' | 'process-tree';

/** What `ORCHFLOW_CONTAINMENT` may ask for. */
export type ContainmentPreference = 'auto' | 'process-tree' | 'cgroup-v1' | 'cgroup-v2';

/** The environment variable that forces a containment kind (for diagnosis and tests). */
export const CONTAINMENT_ENV = 'ORCHFLOW_CONTAINMENT';

/** The environment variable that picks the launcher's form: `native`, `perl` or `auto` (default). */
export const LAUNCHER_ENV = 'ORCHFLOW_LAUNCHER';

/** This host's containment, as probed. */
export interface HostSupport {
  /** The launcher: the compiled one where it runs, else perl's; undefined when neither is here. */
  launcher: Launcher | undefined;
  /** Why there is no launcher (fd hygiene and the seccomp filter then do not apply). */
  launcherMissing?: string;
  /**
   * {@link launcherMissing} for a caller, without the launcher's install path, and what the
   * server's operator does about it (a strict terminal's SpawnFailed says it).
   */
  launcherMissingForCaller?: string;
  /** Why perl's launcher runs although a compiled one is there (see {@link chooseLauncher}). */
  launcherFallback?: string;
  /** Settings in the environment that are not understood and count as `auto` (see {@link ignoredSettings}). */
  ignoredSettings?: string[];
  /** True when the launcher installs the TIOCSTI/TIOCLINUX filter here. */
  injectionGuard: boolean;
  /** Why the filter cannot be installed. */
  injectionGuardMissing?: string;
  /** {@link injectionGuardMissing} for a caller, without host paths. */
  injectionGuardMissingForCaller?: string;
  /** Where terminal cgroups are made; undefined: process-tree containment only. */
  cgroups: CgroupPlan | undefined;
  /** Why there are no cgroups. */
  cgroupsMissing?: string;
}

const cache = new Map<string, HostSupport>();

/** The containment preference from {@link CONTAINMENT_ENV} (default `auto`). */
export function containmentPreference(env = process.env): ContainmentPreference {
  const value = env[CONTAINMENT_ENV];
  return value === 'process-tree' || value === 'cgroup-v1' || value === 'cgroup-v2' ? value : 'auto';
}

const CONTAINMENT_VALUES = ['auto', 'process-tree', 'cgroup-v1', 'cgroup-v2'];
const LAUNCHER_VALUES = ['auto', 'native', 'perl'];

/**
 * What is wrong with {@link CONTAINMENT_ENV} and {@link LAUNCHER_ENV} in `env`: a value that is
 * neither unset, empty nor one of theirs counts as `auto`, and a typo should not do so silently.
 */
export function ignoredSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const [name, values] of [
    [CONTAINMENT_ENV, CONTAINMENT_VALUES],
    [LAUNCHER_ENV, LAUNCHER_VALUES],
  ] as const) {
    const value = env[name];
    if (value && !values.includes(value)) {
      // A short word is quoted (a typo); anything else might be a secret pasted in the wrong place.
      const shown = /^[\w.-]{1,24}$/.test(value) ? `=${value}` : ` (a value of ${value.length} characters)`;
      problems.push(`${name}${shown} is not one of ${values.join(', ')}; auto is used`);
    }
  }
  return problems;
}

/**
 * The plans to try for `preference`, best first: v2 (killed with `cgroup.kill`), the v1 freezer,
 * then SIGKILL rounds over a v1 pids cgroup. Each has the pids hierarchy for `pids.max` and the
 * memory hierarchy for a memory cap, if any. On a hybrid host `auto` puts the v1 freezer first
 * when it offers the same caps: a terminal joins v1 cgroups without the kernel's migration lock,
 * ~13 ms sooner per spawn, unless the v2 mount has `favordynmods` (TerminalCgroup.joinFiles) or
 * the kernel (`kernel`, os.release()) is older than 6.0, where that is not known to hold.
 */
export function candidatePlans(
  hierarchies: CgroupHierarchy[],
  preference: ContainmentPreference,
  kernel: string = release(),
): CgroupPlan[] {
  if (preference === 'process-tree') return [];
  const v1pids = hierarchies.find((h) => h.version === 1 && h.controllers.includes('pids'));
  const v2 = hierarchies.find((h) => h.version === 2);
  const freezer = hierarchies.find((h) => h.version === 1 && h.controllers.includes('freezer'));
  // A controller is bound to one hierarchy: v1 or (hybrid setups) v2, never both.
  const v1memory = hierarchies.find((h) => h.version === 1 && h.controllers.includes('memory'));
  const memory = v2?.controllers.includes('memory') ? v2 : v1memory;
  const v2plan: CgroupPlan | undefined =
    v2 && preference !== 'cgroup-v1'
      ? { primary: v2, method: 'cgroup.kill', pids: v2.controllers.includes('pids') ? v2 : v1pids, memory }
      : undefined;
  if (preference === 'cgroup-v2') return v2plan ? [v2plan] : [];
  const freezerPlan: CgroupPlan | undefined = freezer
    ? { primary: freezer, method: 'freezer', pids: v1pids, memory: v1memory }
    : undefined;
  const freezerFirst =
    v2plan !== undefined &&
    freezerPlan !== undefined &&
    !v2?.favordynmods &&
    atLeastLinux6(kernel) &&
    !v2plan.pids === !freezerPlan.pids &&
    !v2plan.memory === !freezerPlan.memory;
  const plans = freezerFirst ? [freezerPlan, v2plan] : [v2plan, freezerPlan];
  if (v1pids) plans.push({ primary: v1pids, method: 'signal', pids: v1pids, memory: v1memory });
  return plans.filter((plan): plan is CgroupPlan => plan !== undefined);
}

/**
 * Makes a cgroup with `plan` and runs the launcher into it; resolves to the plan as it works here
 * (a v2 cgroup without `cgroup.kill`, before Linux 5.14, is killed in SIGKILL rounds), or to why not.
 */
function probeCgroups(
  plan: CgroupPlan,
  launcher: Launcher | undefined,
  preference: ContainmentPreference,
): CgroupPlan | string {
  if (!launcher) return 'the launcher that joins them is missing';
  const owner = ownerTag();
  if (!owner) return 'cannot read /proc/self/stat';
  let cgroup: TerminalCgroup;
  try {
    // Named like a terminal's, so a probe left by a crash is reaped like one.
    cgroup = TerminalCgroup.create(plan, cgroupName(owner));
  } catch (error) {
    return `cannot create a cgroup under ${plan.primary.parent}: ${(error as Error).message}`;
  }
  try {
    let works = plan;
    if (plan.method === 'cgroup.kill' && !existsSync(join(cgroup.dir, 'cgroup.kill'))) {
      if (preference !== 'cgroup-v2') return `no cgroup.kill in ${plan.primary.parent} (Linux < 5.14)`;
      works = { ...plan, method: 'signal' };
    }
    return probeLauncher(launcher, { cgroupFiles: cgroup.joinFiles, injectionGuard: false })?.detail ?? works;
  } finally {
    for (const dir of cgroup.dirs) rmdirQuietly(dir);
  }
}

/** What {@link chooseLauncher} found. */
export interface LauncherChoice {
  launcher?: Launcher;
  /** Why there is no launcher at all. */
  missing?: string;
  /** {@link missing} for a caller: without the launcher's path, with what the operator does. */
  missingForCaller?: string;
  /** Why `auto` runs perl's although a compiled launcher is there (worth a warning). */
  fallback?: string;
}

/**
 * The launcher `want` asks for (see {@link LAUNCHER_ENV}): `auto` takes the compiled one if it
 * may and does run here (a binary built for another machine may not), else perl's.
 */
export function chooseLauncher(
  want: string | undefined,
  arch: ReturnType<typeof filterArch>,
  found: { native: NativeLauncherLookup; perl: string | undefined } = {
    native: lookUpNativeLauncher(),
    perl: findPerl(),
  },
): LauncherChoice {
  const { native, perl } = found;
  const rebuild = 'a C compiler (gcc) and `npm rebuild @orchflow/terminal` compile it';
  const compile =
    "the server's operator compiles it there (a C compiler, then `npm rebuild @orchflow/terminal`)";
  let problem: string | undefined;
  let forCaller: string | undefined;
  if (want !== 'perl') {
    if ('path' in native) {
      const launcher = createNativeLauncher(native.path, arch);
      const failed = probeLauncher(launcher, { cgroupFiles: [], injectionGuard: false });
      if (failed === undefined) return { launcher };
      problem = `the native launcher ${native.path} does not run: ${failed.detail}`;
      forCaller = `orchflow's native launcher does not run on the server's host (${failed.forCaller}); ${compile}`;
    } else {
      problem = native.missing;
      forCaller = native.untrusted
        ? "orchflow's native launcher on the server is not safe to run (it or its directory may be written by others than root and the server's user, or it is not an executable file); the server's operator reinstalls @orchflow/terminal, or takes the write permission of group and others from both (chmod go-w)"
        : `orchflow's native launcher is not compiled on the server; ${compile}`;
    }
    if (want === 'native') {
      return {
        missing: `${problem} (${LAUNCHER_ENV}=native; ${rebuild})`,
        missingForCaller: `${forCaller}, or unsets ${LAUNCHER_ENV}=native so that perl's launcher is used`,
      };
    }
  }
  const fallback = want !== 'perl' && ('path' in native || native.untrusted) ? problem : undefined;
  if (perl) return { launcher: createPerlLauncher(perl, arch), fallback };
  return {
    missing: `neither the native launcher nor perl is here (install perl-base, or ${rebuild})`,
    missingForCaller:
      "neither orchflow's native launcher nor perl is installed on the server; the server's operator installs perl (perl-base), or compiles the launcher (a C compiler, then `npm rebuild @orchflow/terminal`)",
  };
}

/**
 * The launcher part of {@link HostSupport} for `chosen` on `arch`: the launcher, or why there is
 * none, and whether it installs the seccomp filter here (probed for real).
 */
export function launcherSupport(
  chosen: LauncherChoice,
  arch: ReturnType<typeof filterArch>,
): Omit<HostSupport, 'cgroups' | 'cgroupsMissing' | 'ignoredSettings'> {
  const support: ReturnType<typeof launcherSupport> = {
    launcher: chosen.launcher,
    launcherMissing: chosen.missing,
    launcherMissingForCaller: chosen.missingForCaller,
    launcherFallback: chosen.fallback,
    injectionGuard: false,
  };
  if (!support.launcher) {
    support.injectionGuardMissing = support.launcherMissing;
    support.injectionGuardMissingForCaller = support.launcherMissingForCaller;
  } else if (!arch) {
    support.injectionGuardMissing = `no seccomp filter is built for architecture ${process.arch}`;
    support.injectionGuardMissingForCaller = support.injectionGuardMissing;
  } else {
    const why = probeLauncher(support.launcher, { cgroupFiles: [], injectionGuard: true });
    support.injectionGuard = why === undefined;
    support.injectionGuardMissing = why?.detail;
    support.injectionGuardMissingForCaller = why?.forCaller;
  }
  return support;
}

/** Probes this host once per preference (synchronously, some tens of ms the first time). */
export function hostSupport(preference: ContainmentPreference = containmentPreference()): HostSupport {
  const want = process.env[LAUNCHER_ENV];
  const key = `${preference} ${want}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const arch = filterArch();
  const support: HostSupport = { ...launcherSupport(chooseLauncher(want, arch), arch), cgroups: undefined };
  const ignored = ignoredSettings();
  if (ignored.length > 0) support.ignoredSettings = ignored;
  let plans: CgroupPlan[] = [];
  try {
    plans = candidatePlans(discoverHierarchies(), preference);
  } catch (error) {
    support.cgroupsMissing = `cannot read the cgroup mounts: ${(error as Error).message}`;
  }
  if (preference === 'process-tree') support.cgroupsMissing = `${CONTAINMENT_ENV}=process-tree`;
  else if (plans.length === 0) {
    support.cgroupsMissing ??= 'no cgroup hierarchy to kill with (v2, the v1 freezer or v1 pids) is mounted';
  }
  const failures: string[] = [];
  for (const plan of plans) {
    const outcome = probeCgroups(plan, support.launcher, preference);
    if (typeof outcome !== 'string') {
      support.cgroups = outcome;
      break;
    }
    failures.push(outcome);
  }
  if (!support.cgroups && failures.length > 0) support.cgroupsMissing = failures.join('; ');
  cache.set(key, support);
  return support;
}

/** True for a Linux release string (`6.1.0-18-amd64`) of version 6.0 or later. */
function atLeastLinux6(kernel: string): boolean {
  const major = Number(/^(\d+)\./.exec(kernel)?.[1]);
  return Number.isInteger(major) && major >= 6;
}
