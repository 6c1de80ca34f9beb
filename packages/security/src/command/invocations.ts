// One program invocation as the scanner records it: judged as is, or seen through when it is a
// wrapper (`env`, `sudo`, `xargs`, `find -exec`, `bash -c` …; see wrappers.ts) so the wrapped
// command is judged like any other. Builtins that run or store code are followed too: `eval`'s
// words are a command string, `alias`/`trap` code runs later, `hash -p` rebinds a name; what later
// uses of such a name run is walked as a probe (judged against the denylist only). An unsupported
// wrapper's possible wrapped commands are guessed for the denylist.
import { aliasWords } from './alias-words';
import { CD_VARIABLES, cdTarget, judgeBuiltin } from './builtins';
import { findExecs } from './find-exec';
import { hookBuiltinFinding, unknownCommandFinding } from './hook-builtins';
import type { Construct, FoundCommand, ScanHost } from './scan';
import { argv0Change, shellStateChange } from './shell-state';
import { type CodeSources, readCode } from './stdin-code';
import type { ParsedCommand, WrapperUse } from './types';
import type { WordValue } from './words';
import { unwrap } from './wrappers';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || path;
}

/** Records the invocations of one scan; see the module header. */
export class Invocations {
  // Inside probe(): commands go to scan.probes.
  private probing = false;

  constructor(private readonly host: ScanHost) {}

  /** One program invocation: judged as is, or seen through when it is a wrapper. */
  run(
    words: WordValue[],
    text: string,
    via: WrapperUse[],
    assignments: string[],
    depth: number,
    sources?: () => CodeSources,
  ): void {
    const scan = this.host.scan;
    const program = words[0] as WordValue;
    const found = this.found(words, text, via, assignments);
    if (!program.literal) {
      found.construct = {
        rule: 'non-literal-command',
        reason: `the command name '${program.value}' is not a literal word (expansion, substitution, glob or brace expansion), so what runs cannot be known`,
      };
      scan.hooks.push(unknownCommandFinding(program.value, text));
      this.record(found);
      return;
    }
    const name = found.command.program;
    // A wrapper given by path keeps it, so the allowlist can judge where it runs from.
    const path = program.value.includes('/') ? { programPath: program.value } : {};
    const self: WrapperUse = { program: name, argv: words.slice(1).map((w) => w.value), ...path };
    const hazard = this.builtin(name, words, text);
    if (hazard) found.construct = hazard;
    if (name === 'eval') {
      this.evalBuiltin(found, words.slice(1), via, depth);
      return;
    }
    if (name === 'alias' || name === 'trap') {
      this.hook(found, words, [...via, self], depth);
      return;
    }
    if (name === 'enable' && words.length > 1) {
      found.construct = {
        rule: 'enable',
        reason: `'${text.slice(0, 80)}' loads or switches off shell builtins, which changes what later commands run`,
      };
      // A loaded builtin is any code at all, so a denylist cannot see what it runs either.
      if (words.some((w) => /^-[a-z]*f/.test(w.value))) scan.unsure.push(found.construct);
    }
    if (name === 'hash') this.rebinding(found, words, via, depth);
    if (name === 'cd' || name === 'pushd' || name === 'popd') {
      // After CDPATH or HOME is assigned in the line, only the shell knows where `cd` goes.
      const moved = [...scan.assignments.map((a) => a.name), ...assignments.map((a) => a.split('=')[0])];
      scan.cds.push(
        moved.some((n) => n !== undefined && CD_VARIABLES.has(n)) ? undefined : cdTarget(name, words),
      );
    }
    const stateChange = shellStateChange(name, words);
    if (stateChange) scan.unsure.push(stateChange);
    if (name === 'find') {
      this.record(found);
      for (const exec of findExecs(words)) {
        const wrapper: WrapperUse = {
          program: 'find',
          argv: words.slice(1, exec.start).map((w) => w.value),
          ...path,
        };
        if (exec.start >= exec.end) continue;
        // Judged once per path `{}` may stand for; without `{}` the variants are the same command.
        const variants = exec.words.some((w, k) => k > 0 && w.value === '{}') ? exec.variants : [exec.words];
        for (const command of variants) this.run(command, text, [...via, wrapper], [], depth);
      }
      return;
    }
    if (sources) readCode(this.host, found, words, [...via, self], depth, sources);
    const how = unwrap(name, words);
    if (!how) {
      this.record(found);
      return;
    }
    switch (how.kind) {
      case 'none':
        this.record(found);
        return;
      case 'exec': {
        const wrapper: WrapperUse = {
          program: name,
          argv: words.slice(1, how.start).map((w) => w.value),
          ...path,
        };
        const envAssignments = how.assignments.map((i) => (words[i] as WordValue).value);
        for (const a of envAssignments) {
          const match = ASSIGNMENT.exec(a);
          if (match?.[1]) scan.assignments.push({ name: match[1], text: a, exported: true });
        }
        if (how.chdir !== undefined) scan.cds.push(how.chdir);
        if (how.argv0) this.renamed(found, name, how.argv0, words[how.start] as WordValue);
        // A file the wrapper opens itself is judged like a redirection of the wrapped command.
        for (const f of how.files ?? [])
          scan.redirects.push({ op: f.write ? '>' : '<', target: f.word, text });
        this.run(
          how.words ?? words.slice(how.start),
          text,
          [...via, wrapper],
          [...assignments, ...envAssignments],
          depth,
          sources,
        );
        return;
      }
      case 'code': {
        const wrapper: WrapperUse = {
          program: name,
          argv: words.slice(1, how.end).map((w) => w.value),
          ...path,
        };
        if (!how.code.literal) {
          found.construct = {
            rule: 'non-literal-command',
            reason: `the command string given to '${name}' is not a literal, so what runs cannot be known`,
          };
        }
        // The wrapper itself is recorded only when its code string cannot be judged.
        if (found.construct) this.record(found);
        this.host.source(how.code.value, [...via, wrapper], depth + 1);
        return;
      }
      case 'unsupported':
        found.construct = {
          rule: `unsupported-wrapper:${name}`,
          reason: `the wrapper '${name}' is not understood by the policy: ${how.why}`,
        };
        found.guesses = this.guesses(words, via, self, depth);
        this.record(found);
        return;
    }
  }

  // `exec -a NAME PROGRAM`: programs that act on the name they run under (git's `git-…`, busybox's
  // applets, bash named `sh`) may run other than the program an allowlist judges, so the wrapper
  // fails closed there; bash named `sh` starts in posix mode, refused wherever commands are.
  private renamed(found: FoundCommand, wrapper: string, argv0: WordValue, program: WordValue): void {
    found.construct ??= {
      rule: `unsupported-wrapper:${wrapper}`,
      reason: `'${found.command.text.slice(0, 80)}' runs a program under another name ('${argv0.value}'), which programs such as git, busybox or bash act on; the policy judges a program by its own name`,
    };
    this.record(found);
    const posix = argv0Change(wrapper, argv0, program);
    if (posix) this.host.scan.unsure.push(posix);
  }

  /** Records what a builtin assigns; returns what fails closed under an allowlist. */
  builtin(program: string, words: WordValue[], text: string): Construct | undefined {
    const scan = this.host.scan;
    const { targets, construct } = judgeBuiltin(program, words, text);
    const hook = hookBuiltinFinding(program, words, text);
    if (hook) scan.hooks.push(hook);
    for (const t of targets)
      scan.assignments.push({ name: t.name, text: text.slice(0, 120), exported: t.exported });
    return construct;
  }

  // `alias x='…'` and `trap '…' SIGNAL` store code that runs later, in later commands of the same
  // shell where the policy no longer sees it: the code is judged now (for denied commands) and,
  // under an allowlist, defining the hook at all is refused.
  private hook(found: FoundCommand, words: WordValue[], via: WrapperUse[], depth: number): void {
    const name = found.command.program;
    const args = words.slice(1).filter((w, i) => !(i === 0 && w.value === '--'));
    // Every definition counts, whatever its name (`alias s-x='sudo -i'`); see alias-words.ts.
    const aliases = name === 'alias' ? aliasWords(words.slice(1), found.command.text) : undefined;
    if (aliases?.hazard) this.host.scan.unsure.push(aliases.hazard);
    const code = aliases
      ? aliases.values
      : args.length > 1 && !/^-[pl]$/.test(args[0]?.value ?? '') && !['', '-'].includes(args[0]?.value ?? '')
        ? args.slice(0, 1)
        : [];
    if (code.length > 0) {
      found.construct = {
        rule: name,
        reason: `'${found.command.text.slice(0, 80)}' defines ${name === 'alias' ? 'an alias' : 'a trap'}, code that runs later where the policy cannot judge it`,
      };
    }
    this.record(found);
    // An alias's words are followed by those of each later use: judged as unknown arguments.
    this.host.later(() => {
      for (const c of code) {
        this.host.source(c.value, via, depth + 1);
        if (name === 'alias') this.probe(`${c.value} "$@"`, via, depth);
      }
    });
  }

  private record(found: FoundCommand): void {
    (this.probing ? this.host.scan.probes : this.host.scan.commands).push(found);
  }

  // Judges `text` for the denylist only (see Scan.probes).
  private probe(text: string, via: WrapperUse[], depth: number): void {
    const outer = this.probing;
    this.probing = true;
    try {
      this.host.source(text, via, depth + 1);
    } finally {
      this.probing = outer;
    }
  }

  // `hash -p PATH NAME` makes later uses of NAME run PATH with their arguments: refused under an
  // allowlist, and judged as `PATH <unknown arguments>` against the denylist.
  private rebinding(found: FoundCommand, words: WordValue[], via: WrapperUse[], depth: number): void {
    const at = words.findIndex((w, i) => i > 0 && /^-[a-z]*p$/.test(w.value));
    const path = words[at + 1];
    if (at < 0 || !path) return;
    found.construct = {
      rule: 'hash -p',
      reason: `'${found.command.text.slice(0, 80)}' makes a command name run another program in later commands`,
    };
    const program = path.literal ? `'${path.value.replace(/'/g, `'\\''`)}'` : path.value;
    this.probe(`${program} "$@"`, via, depth);
  }

  // `eval`'s words joined are a command string: judged inside, and `eval` itself fails closed.
  private evalBuiltin(found: FoundCommand, args: WordValue[], via: WrapperUse[], depth: number): void {
    const argv = args.map((w) => w.value);
    found.construct = {
      rule: 'eval',
      reason: `'eval' runs a string as a command; write the command directly instead`,
    };
    this.record(found);
    this.host.source(argv.join(' '), [...via, { program: 'eval', argv }], depth + 1);
  }

  // For a wrapper we cannot follow: every tail that starts at a non-option word might be the
  // wrapped command, and any argument with a space might be a command string.
  private guesses(words: WordValue[], via: WrapperUse[], self: WrapperUse, depth: number): ParsedCommand[] {
    const out: ParsedCommand[] = [];
    for (let i = 1; i < words.length; i++) {
      const word = words[i] as WordValue;
      if (word.value.startsWith('-')) continue;
      const stateChange = word.literal && shellStateChange(basename(word.value), words.slice(i));
      if (stateChange) this.host.scan.unsure.push(stateChange);
      out.push(this.found(words.slice(i), word.value, [...via, self], []).command);
      if (/\s/.test(word.value)) {
        const commands = this.host.scan.commands;
        const before = commands.length;
        this.host.source(word.value, [...via, self], depth + 1);
        out.push(...commands.splice(before).map((f) => f.command));
      }
    }
    return out;
  }

  private found(words: WordValue[], text: string, via: WrapperUse[], assignments: string[]): FoundCommand {
    const program = words[0] as WordValue;
    const command: ParsedCommand = {
      program: program.literal ? basename(program.value) : program.value,
      programPath: program.value,
      argv: words.slice(1).map((w) => w.value),
      text,
      assignments: assignments.map((a) => {
        const match = ASSIGNMENT.exec(a);
        return { name: match?.[1] ?? a, value: match?.[2] ?? '', dangerous: false };
      }),
    };
    if (via.length > 0) command.via = via;
    return { command, words, guesses: [], ...(this.host.deferred() ? { deferred: true } : {}) };
  }
}
