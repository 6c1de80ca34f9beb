// What a scan of one command line finds, in the shapes the policy judges: simple commands with
// their words, redirections, assignments, `cd`s, background jobs, parse errors and the constructs
// that cannot be judged. Kept apart from the walk (scanner.ts) so the judging modules depend on
// the findings only. ScanHost is the part of the walk that the walk's helpers call back into.
import type { Node } from 'web-tree-sitter';
import type { HookFinding } from './hook-findings';
import type { ParsedCommand, WrapperUse } from './types';
import type { WordValue } from './words';

/** A construct that cannot be judged and fails closed under an allowlist. */
export interface Construct {
  rule: string;
  reason: string;
}

/** A simple command plus what the policy needs beyond its public shape. */
export interface FoundCommand {
  command: ParsedCommand;
  /** The program word then each argument, as values. */
  words: WordValue[];
  construct?: Construct;
  /** Possible wrapped commands of an unsupported wrapper, checked against the denylist only. */
  guesses: ParsedCommand[];
  /** It is in a function body, alias or trap: it runs later, in a directory not known now. */
  deferred?: boolean;
}

/** A redirection: `>`, `>>`, `<`, `&>`, `<<<` … with its target word. */
export interface Redirect {
  op: string;
  target: WordValue;
  text: string;
  /** It is in a function body, alias or trap (see {@link FoundCommand.deferred}). */
  deferred?: boolean;
}

/** An assignment anywhere (`X=1 cmd`, `export X=1`, `env X=1 cmd`, `read X`, `printf -v X`). */
export interface FoundAssignment {
  name: string;
  text: string;
  /** It reaches the environment of a program (`X=1 cmd`, `export`, `declare -x`, `env X=1`). */
  exported: boolean;
  /** The value of a `NAME=value` assignment written before or as a command. */
  value?: WordValue;
}

/** Everything found in one command line. */
export interface Scan {
  commands: FoundCommand[];
  redirects: Redirect[];
  assignments: FoundAssignment[];
  parseErrors: string[];
  /** Constructs outside any simple command that fail closed under an allowlist. */
  hazards: Construct[];
  background: string[];
  /** Literal `cd` targets (`~` for a bare `cd`); `undefined` for a target that is not literal. */
  cds: Array<string | undefined>;
  /** What reaches orchflow's shell integration (judged when `protectShellIntegration` is on). */
  hooks: HookFinding[];
  /**
   * Places where the parse may differ from bash's (a heredoc tree-sitter ends elsewhere, an
   * unclosed substitution): refused under an allowlist and whenever something is denied.
   */
  unsure: Construct[];
  /** Names of the functions the line defines. */
  functions: string[];
  /**
   * What later uses of an alias or `hash -p` name run, with run-time arguments: judged against
   * the denylist only (their words are not the line's paths).
   */
  probes: FoundCommand[];
}

/** A scan that has found nothing yet. */
export function emptyScan(): Scan {
  return {
    commands: [],
    redirects: [],
    assignments: [],
    parseErrors: [],
    hazards: [],
    background: [],
    cds: [],
    hooks: [],
    unsure: [],
    functions: [],
    probes: [],
  };
}

/**
 * What the walk's helpers (expansions.ts, invocations.ts) call back into: the findings, the text
 * being walked, and the walk itself, so that code they find is judged like the line's own.
 */
export interface ScanHost {
  readonly scan: Scan;
  /** The text being walked (nested command strings are walked with their own). */
  text(): string;
  /** Parses and walks a command string; see Scanner.source. */
  source(text: string, via: WrapperUse[], depth: number, carrier?: boolean): void;
  /** Walks one node of the tree being walked. */
  visit(node: Node, via: WrapperUse[], depth: number): void;
  /** True inside a function body, alias or trap: code that runs later, maybe in another directory. */
  deferred(): boolean;
  /** Walks `walk` as code that runs later (see {@link deferred}). */
  later(walk: () => void): void;
}

/** The non-null nodes of a tree-sitter node list. */
export function present(nodes: (Node | null)[]): Node[] {
  return nodes.filter((n): n is Node => n !== null);
}
