// The work budget of one check: a count of steps (tree nodes visited, parser operations, candidate
// directories, path resolutions, expansion results) that the expensive parts of judging spend as
// they go. When it runs out they throw TooComplexError, which CommandPolicy turns into a
// `too-complex` denial. Steps, not wall time, so the verdict on a command never depends on how
// loaded the machine is. A check is synchronous from start to end, so the budget of the check in
// progress is held here rather than threaded through every function that spends it.
import { TooComplexError } from './limits';

/**
 * Steps one check may spend. Everyday commands spend well under 1 % (`git status` 43, a 200-line
 * heredoc written to a file 78, `cd src && ls -la && cd .. && cat package.json | python3 -m
 * json.tool` 735). What exhausts it is fan-out (`cd d0; cd d1; …` doubling the directories a path
 * may be resolved in), paths × directories, and one-liners of tens of thousands of statements or
 * words; on a loaded 2-core machine the budget is about a second of work (bench/policy-worst-case.mjs).
 */
export const CHECK_BUDGET = 100_000;

/** A budget of steps; {@link WorkBudget.spend} throws TooComplexError once it is spent. */
export class WorkBudget {
  private left: number;

  /** A budget of `limit` steps. */
  constructor(readonly limit: number = CHECK_BUDGET) {
    this.left = limit;
  }

  /** Steps spent so far. */
  get spent(): number {
    return this.limit - this.left;
  }

  /** Spends `steps`; throws TooComplexError naming `what` when the budget runs out. */
  spend(steps: number, what: string): void {
    this.left -= steps;
    if (this.left < 0) throw new TooComplexError(`judging it takes more than ${this.limit} steps (${what})`);
  }
}

/** Characters a text scan may go over per step (scans are cheap next to visiting a tree node). */
export const CHARS_PER_STEP = 1000;

/** Steps of resolving one path or reading one directory (system calls) next to a node's one step. */
export const RESOLVE_STEPS = 15;

let current: WorkBudget | undefined;

/** Runs the synchronous `judge` with `budget` as the budget that {@link spend} draws on. */
export function withBudget<T>(budget: WorkBudget, judge: () => T): T {
  const outer = current;
  current = budget;
  try {
    return judge();
  } finally {
    current = outer;
  }
}

/** Spends `steps` of the current check's budget (nothing outside a check); see {@link WorkBudget}. */
export function spend(steps: number, what: string): void {
  current?.spend(steps, what);
}
