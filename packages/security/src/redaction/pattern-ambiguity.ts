// How many ways a failing match attempt can try to split text among a pattern's repetitions. A
// repetition that nothing repeats cannot backtrack exponentially by itself, but repetitions that
// can match the same characters can: `AB[A-Z]{0,12}[A-Z]{0,12}…` (or with `Q` between them,
// `[A-Z]{0,12}Q[A-Z]{0,12}Q…`) tries every way to share a run of letters among them before it
// gives up: 13^6 ways for six, ~0.1 s per lead on this machine, and terminal output decides how
// often the lead occurs. Items of varying length form a *chain* while nothing between them is a
// character the chain's repetitions could not match. Such a character (the `-` that ends
// `[A-Z ]{0,40}PRIVATE KEY-----`) settles where the chain ends, but not how the chain split its
// text: every split still retries the rest of the pattern (`x?x?-` sixteen times: 2^16 ways).
// So a chain's splits are counted as paths to the offsets where it can end (see ambiguousChain):
// a literal between two items lets through only the paths that end where it occurs (one offset
// per period of the literal at most: `-----END ` once per 9 characters, `QQ` anywhere), and a
// settled chain's paths to its one end offset multiply everything after. The steps of a failing
// match may be at most MAX_EXTRA_WAYS times one scan of the widest item (which any pattern may
// cost; at 48, ~15 MiB/s on text built for it at one lead per 200 bytes; the private-key pattern
// counts 11) and at most MAX_STEPS_PER_LEAD. How often the lead itself can occur is not
// counted: see "Not covered" in docs/observability.md.

/** How many times one scan of its widest item a failing match may take (`{0,100}` then `{0,45}`: 47.5). */
export const MAX_EXTRA_WAYS = 48;
/**
 * Steps a failing match may take at one lead (the private-key pattern: ~182k, 11 scans of its
 * gap; a step is ~1 ns here). A single repetition may be as wide as a match may be long.
 */
export const MAX_STEPS_PER_LEAD = 262_144;

/** The parsed pattern nodes (see pattern-syntax.ts). */
export type PatternNode =
  | { t: 'atom'; src: string; lit?: string }
  | { t: 'seq'; items: PatternNode[] }
  | { t: 'alt'; options: PatternNode[] }
  | { t: 'rep'; node: PatternNode; min: number; max: number; lazy: boolean };

/** The characters (output bytes as Latin-1 code units 0–255) an item can match. */
type CharSet = Uint8Array;

// Patterns come from policies, which a long-lived server may parse many of: the cache is bounded.
const atomSets = new Map<string, CharSet>();
const MAX_CACHED_ATOMS = 4096;

function atomSet(src: string): CharSet {
  let set = atomSets.get(src);
  if (!set) {
    if (atomSets.size >= MAX_CACHED_ATOMS) atomSets.clear();
    const re = new RegExp(`^(?:${src})$`);
    set = new Uint8Array(256);
    for (let c = 0; c < 256; c++) set[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
    atomSets.set(src, set);
  }
  return set;
}

function charSet(node: PatternNode): CharSet {
  switch (node.t) {
    case 'atom':
      return atomSet(node.src);
    case 'rep':
      return charSet(node.node);
    case 'seq':
      return union(node.items.map(charSet));
    case 'alt':
      return union(node.options.map(charSet));
  }
}

function union(sets: CharSet[]): CharSet {
  const out = new Uint8Array(256);
  for (const set of sets) for (let c = 0; c < 256; c++) out[c] = (out[c] as number) | (set[c] as number);
  return out;
}

function overlaps(a: CharSet, b: CharSet): boolean {
  for (let c = 0; c < 256; c++) if (a[c] && b[c]) return true;
  return false;
}

/** Shortest and longest match of `node`. */
export function lengths(node: PatternNode): [number, number] {
  switch (node.t) {
    case 'atom':
      return [1, 1];
    case 'seq':
      return node.items.reduce<[number, number]>(
        ([lo, hi], item) => {
          const [a, b] = lengths(item);
          return [lo + a, hi + b];
        },
        [0, 0],
      );
    case 'alt': {
      const all = node.options.map(lengths);
      return [Math.min(...all.map((l) => l[0])), Math.max(...all.map((l) => l[1]))];
    }
    case 'rep': {
      const [a, b] = lengths(node.node);
      return [a * node.min, b * node.max];
    }
  }
}

/** Ways an item can match (different lengths or branches); 1: it matches one way only. */
function ways(node: PatternNode): number {
  switch (node.t) {
    case 'atom':
      return 1;
    case 'rep':
      return (node.max - node.min + 1) * ways(node.node);
    case 'seq':
      return node.items.reduce((product, item) => product * ways(item), 1);
    case 'alt': {
      const literals = node.options.map(literalText);
      if (literals.every((text) => text !== undefined)) return literalAltWays(literals as string[]);
      return node.options.reduce((sum, option) => sum + ways(option), 0);
    }
  }
}

// Branches of plain text match at one position only when one is a prefix of another (`=` and
// `=>`): `(?:live|test)` is one way, `(?:=|=>|:)` two.
function literalAltWays(texts: string[]): number {
  return Math.max(...texts.map((text) => texts.filter((other) => text.startsWith(other)).length));
}

function literalText(node: PatternNode): string | undefined {
  if (node.t === 'atom') return node.lit;
  if (node.t !== 'seq') return undefined;
  let text = '';
  for (const item of node.items) {
    if (item.t !== 'atom' || item.lit === undefined) return undefined;
    text += item.lit;
  }
  return text;
}

/** At most how many of an item's ways take the same length (all of them for a sequence, to be safe). */
function sameLength(node: PatternNode): number {
  switch (node.t) {
    case 'atom':
    case 'rep':
      // A repetition's inner part has no repetition or alternative of its own.
      return 1;
    case 'seq':
      return ways(node);
    case 'alt': {
      // Branches of plain text take one length each: only identical ones share it.
      const literals = node.options.map(literalText);
      if (literals.every((text) => text !== undefined)) {
        return Math.max(...literals.map((text) => literals.filter((other) => other === text).length));
      }
      return node.options.reduce((sum, option) => sum + sameLength(option), 0);
    }
  }
}

/** The shortest match of `node` is empty (it can match nothing). */
function optional(node: PatternNode): boolean {
  switch (node.t) {
    case 'atom':
      return false;
    case 'rep':
      return node.min === 0 || optional(node.node);
    case 'seq':
      return node.items.every(optional);
    case 'alt':
      return node.options.some(optional);
  }
}

// A sequence's items with nested (unrepeated) groups spliced in.
function flatten(items: PatternNode[]): PatternNode[] {
  return items.flatMap((item) => (item.t === 'seq' ? flatten(item.items) : [item]));
}

/** Where a pattern's failing match passes {@link MAX_EXTRA_WAYS} or {@link MAX_STEPS_PER_LEAD}. */
export interface AmbiguousChain {
  /** Ways of each item of varying length in the chain where the count passed the limit. */
  ways: number[];
  /** The ways beyond one linear scan (settled chains' splits times the open chain's). */
  extra: number;
  /** The widest single scan of an item so far. */
  widest: number;
  /** Steps of a failing match so far. */
  steps: number;
}

/**
 * Finds where a failing match of `node` (at any depth) takes more than {@link MAX_EXTRA_WAYS}
 * times one scan of its widest item, or more than {@link MAX_STEPS_PER_LEAD} steps. A chain's
 * splits are counted as paths to its possible end offsets: `total` in all, at most `peak` to any
 * one offset. An item of `w` ways multiplies the total by `w` and the peak by at most `w` (or, if
 * less, by the total times how many of its ways share one length). A literal lets through only the
 * paths that end where it occurs, at most one offset per period of it among the chain's end
 * offsets, each with at most the peak. A character the chain cannot match settles its end offset:
 * at most the peak of paths got there, and each retries everything after (`x?x?-` sixteen times:
 * 2^16 ways). Every path into an item costs it a scan: its ways, or its shortest length when that
 * is more (`[a-z]{30000}` after 2^15 settled paths), once per literal run for plain characters.
 */
export function ambiguousChain(node: PatternNode): AmbiguousChain | undefined {
  if (node.t === 'alt') {
    for (const option of node.options) {
      const found = ambiguousChain(option);
      if (found) return found;
    }
    return undefined;
  }
  if (node.t !== 'seq') return undefined;
  // Paths to the settled chains' ends, multiplied.
  let settled = 1;
  // The open chain: its items' ways, its paths (all, and to one end offset), its end offsets.
  let chain: number[] = [];
  let total = 1;
  let peak = 1;
  let ends = 1;
  // Steps so far, and the widest single scan of an item.
  let steps = 0;
  let widest = 1;
  let chars: CharSet = new Uint8Array(256);
  // The literal text since the chain's last item of varying length (false: not all literal).
  let run: string | false = '';
  let inRun = false;
  const settle = () => {
    settled *= peak;
    chain = [];
    total = 1;
    peak = 1;
    ends = 1;
  };
  for (const item of flatten(node.items)) {
    if (item.t === 'alt') {
      const inner = ambiguousChain(item);
      if (inner) return inner;
    }
    const set = charSet(item);
    const w = ways(item);
    const [shortest, longest] = lengths(item);
    const scan = Math.max(w, shortest);
    if (!overlaps(set, chars) && !optional(item)) {
      // A character the chain cannot match: where the chain ends is settled here.
      settle();
      chars = w > 1 ? set : new Uint8Array(256);
      run = '';
    } else {
      chars = union([chars, set]);
    }
    if (w > 1) {
      if (chain.length > 0 && run !== false && run !== '') {
        total = Math.min(total, Math.ceil(ends / period(run)) * peak);
      }
      steps += settled * total * scan;
      chain.push(w);
      peak = Math.min(peak * w, total * sameLength(item));
      total *= w;
      ends += longest - shortest;
      run = '';
      inRun = false;
    } else {
      // One character: tried by every path once per run of them; a fixed repetition scans its length.
      if (scan > 1 || !inRun) steps += settled * total * scan;
      inRun = scan === 1;
      if (run !== false) run = item.t === 'atom' && item.lit !== undefined ? run + item.lit : false;
    }
    widest = Math.max(widest, scan);
    const extra = steps / widest;
    // (NaN, from ways too large to count, is refused too.)
    if (!(extra <= MAX_EXTRA_WAYS && steps <= MAX_STEPS_PER_LEAD))
      return { ways: [...chain], extra, widest, steps };
  }
  return undefined;
}

/** The smallest p with text[i] = text[i + p] throughout: how close two occurrences can be. */
function period(text: string): number {
  for (let p = 1; p < text.length; p++) {
    let ok = true;
    for (let i = 0; i + p < text.length && ok; i++) ok = text[i] === text[i + p];
    if (ok) return p;
  }
  return Math.max(1, text.length);
}
