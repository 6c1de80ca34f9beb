// How many ways a failing match attempt can try to split text among a pattern's repetitions. A
// repetition that nothing repeats cannot backtrack exponentially by itself, but repetitions that
// can match the same characters can: `AB[A-Z]{0,12}[A-Z]{0,12}…` (or with `Q` between them,
// `[A-Z]{0,12}Q[A-Z]{0,12}Q…`) tries every way to share a run of letters among them before it
// gives up: 13^6 ways for six, ~0.1 s per lead on this machine, and terminal output decides how
// often the lead occurs. Items of varying length form a *chain* while nothing between them is a
// character the chain's repetitions could not match. Such a character (the `-` that ends
// `[A-Z ]{0,40}PRIVATE KEY-----`) settles where the chain ends, but not how the chain split its
// text: every split still retries the rest of the pattern (`x?x?-` sixteen times: 2^16 ways).
// So a chain counts the product of its items' ways over its widest single repetition (one linear
// scan, which any pattern may cost), a literal between two items divides what reaches the second
// by how often the literal can occur (its period: `-----END ` once per 9 characters, `QQ`
// anywhere), and the chains' counts multiply. At most MAX_EXTRA_WAYS in all: per lead, that many
// times one scan (at 32, ~20 MiB/s on text built for it at one lead per 200 bytes; the
// private-key pattern counts 5). How often the lead itself can occur is not counted: see
// "Not covered" in docs/observability.md.

/** How many times one scan a failing match may take (one more `{0,31}`, or two `{0,4}`). */
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

/** The widest single repetition inside `node`: what one linear scan over its text costs. */
function linear(node: PatternNode): number {
  switch (node.t) {
    case 'atom':
      return 1;
    case 'rep':
      return node.max - node.min + 1;
    case 'seq':
      return Math.max(1, ...node.items.map(linear));
    case 'alt':
      return Math.max(1, ...node.options.map(linear));
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

/** A pattern whose failing match can take more than {@link MAX_EXTRA_WAYS} times one scan. */
export interface AmbiguousChain {
  /** Ways of each item of varying length in the chain where the count passed the limit. */
  ways: number[];
  /** The ways beyond one linear scan (settled chains' splits times the open chain's). */
  extra: number;
}

/**
 * Finds where a failing match of `node` (at any depth) takes more than {@link MAX_EXTRA_WAYS}
 * times one linear scan. Per chain, a text's split among the chain's items counts its product
 * of ways over its widest single repetition (the scan); a literal between items divides what
 * reaches it by how often it can occur (its period); and a chain that a character settles still
 * multiplies everything after it by its splits — each of them retries the rest of the pattern
 * (`x?x?-` sixteen times: 2^16 ways to fail).
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
  // Splits of the chains a character settled, multiplied.
  let settled = 1;
  // The open chain: its items' ways, what reaches its end (ways, divided by literals' periods)
  // and its widest single repetition.
  let chain: number[] = [];
  let reaching = 1;
  let widest = 1;
  let chars: CharSet = new Uint8Array(256);
  // The literal text since the chain's last item of varying length (false: not all literal).
  let run: string | false = '';
  const settle = () => {
    settled *= Math.max(1, reaching / widest);
    chain = [];
    reaching = 1;
    widest = 1;
  };
  for (const item of flatten(node.items)) {
    if (item.t === 'alt') {
      const inner = ambiguousChain(item);
      if (inner) return inner;
    }
    const set = charSet(item);
    const w = ways(item);
    if (!overlaps(set, chars) && !optional(item)) {
      // A character the chain cannot match: where the chain ends is settled here.
      settle();
      chars = w > 1 ? set : new Uint8Array(256);
      run = '';
    } else {
      chars = union([chars, set]);
    }
    if (w > 1) {
      if (chain.length > 0 && run !== false) reaching = Math.max(1, reaching / period(run));
      chain.push(w);
      reaching *= w;
      widest = Math.max(widest, linear(item));
      run = '';
    } else if (run !== false) {
      run = item.t === 'atom' && item.lit !== undefined ? run + item.lit : false;
    }
    const extra = (settled * reaching) / widest;
    // (NaN, from ways too large to count, is refused too.)
    if (!(extra <= MAX_EXTRA_WAYS)) return { ways: [...chain], extra };
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
