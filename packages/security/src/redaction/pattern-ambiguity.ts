// How many ways a failing match attempt can split text among a pattern's repetitions. A
// repetition that nothing repeats cannot backtrack exponentially by itself, but a run of them
// that can match the same characters can: `AB[A-Z]{0,12}[A-Z]{0,12}…` (or with `Q` between
// them, `[A-Z]{0,12}Q[A-Z]{0,12}Q…`) tries every way to share a run of letters among them
// before it gives up: 13^6 ways for six, ~0.1 s per lead on this machine, and terminal output
// decides how often the lead occurs. So the ways are counted per *chain*: items of varying length
// follow each other with nothing between them that the chain's repetitions could not also match.
// A character the chain cannot match (the `-` that ends `[A-Z ]{0,40}PRIVATE KEY-----`) ends it.
// One wide repetition costs a linear scan per lead, as any pattern may; beyond the widest, a
// chain may add at most MAX_EXTRA_WAYS: per byte of output that is how many times slower than a
// single repetition text built for it can make the pattern (at 32, ~14 MiB/s here; the
// private-key pattern's gap and its END line's `[A-Z ]{0,40}`, which only starts after a
// `-----END `, give 5).

/** Ways a chain may multiply the cost of its widest item by (one more `{0,31}`, or two `{0,4}`). */
export const MAX_EXTRA_WAYS = 32;

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

/** Ways an item can match (different lengths or branches); 1: it matches one way only. */
function ways(node: PatternNode): number {
  switch (node.t) {
    case 'atom':
      return 1;
    case 'rep':
      return (node.max - node.min + 1) * ways(node.node);
    case 'seq':
      return node.items.reduce((product, item) => product * ways(item), 1);
    case 'alt':
      return node.options.reduce((sum, option) => sum + ways(option), 0);
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

/** A chain whose ways beyond its widest item pass {@link MAX_EXTRA_WAYS}; absent when none does. */
export interface AmbiguousChain {
  /** Ways of each item of varying length in the chain. */
  ways: number[];
  /** The chain's ways beyond its widest item. */
  extra: number;
}

/** Finds the first chain of `node` (at any depth) past {@link MAX_EXTRA_WAYS}. */
export function ambiguousChain(node: PatternNode): AmbiguousChain | undefined {
  if (node.t === 'alt') {
    for (const option of node.options) {
      const found = ambiguousChain(option);
      if (found) return found;
    }
    return undefined;
  }
  if (node.t !== 'seq') return undefined;
  const items = flatten(node.items);
  let chain: number[] = [];
  let chars: CharSet = new Uint8Array(256);
  const check = (): AmbiguousChain | undefined => {
    const widest = Math.max(1, ...chain);
    const extra = chain.reduce((product, w) => product * w, 1) / widest;
    return extra > MAX_EXTRA_WAYS ? { ways: [...chain], extra } : undefined;
  };
  // The literal text since the chain's last item of varying length ('' and false: not literal).
  let run: string | false = '';
  // An item of varying length after `run` starts only where `run` occurs, at most once per
  // period of `run` (`-----END ` once per 9 characters, `QQ` anywhere): its ways count that much less.
  const join = (w: number): number => (chain.length === 0 || run === false ? w : Math.ceil(w / period(run)));
  for (const item of items) {
    if (item.t === 'alt') {
      const inner = ambiguousChain(item);
      if (inner) return inner;
    }
    const set = charSet(item);
    const w = ways(item);
    if (overlaps(set, chars)) {
      // The chain's repetitions could take this item's characters: it stays open.
      if (w > 1) chain.push(join(w));
      chars = union([chars, set]);
    } else if (!optional(item)) {
      // A character the chain cannot match: where the chain ends is settled here.
      chain = w > 1 ? [w] : [];
      chars = w > 1 ? set : new Uint8Array(256);
    } else {
      // Disjoint but possibly empty: the items around it may still meet, and it may meet what
      // follows it; counted in the chain (an overestimate at worst).
      if (w > 1) chain.push(join(w));
      chars = union([chars, set]);
    }
    if (w > 1) run = '';
    else if (run !== false) run = item.t === 'atom' && item.lit !== undefined ? run + item.lit : false;
    const found = check();
    if (found) return found;
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
