// The `protectShellIntegration` rule's judgement of one builtin invocation (seen through
// `builtin`, `command` and the other wrappers): builtins that list every variable or function with
// its value (`set`, `declare -p`, `typeset -f`, `readonly`, zsh `functions`), remove functions
// (`unset -f`, `unfunction`), trace or hijack what the hooks run (`trap … DEBUG`, `enable`, `bind`,
// `zle`, aliases of builtins, `mapfile -C`), read the typed lines (`fc`, `history`), and names given
// at run time to builtins that read, print or assign by name (`declare -f "$x"`, `printf -v "$x"`,
// `eval "$x"`).
import { builtinAssignments } from './assignments';
import { type HookFinding, hookFinding } from './hook-findings';
import { isHookCallable, isHookVariable } from './hook-names';
import { historyOptionFinding } from './hook-options';
import type { WordValue } from './words';

const DECLARATIONS = new Set(['declare', 'typeset', 'local', 'readonly', 'export']);
/** Builtins that print a function's body or a variable's value for a name they are given. */
const BY_NAME = new Set(['type', 'whence', 'where', 'which', 'functions']);
/** Traps that run on every command (or return, or failure) of the hooks, seeing `$BASH_COMMAND`. */
const TRACING_TRAPS = new Set(['DEBUG', 'RETURN', 'ERR', 'ZERR']);
const STDIN_FILES = /^\/dev\/(stdin|fd\/\d+)$|^\/proc\/[^/]+\/fd\/\d+$/;

const dumps = (text: string, what: string) =>
  hookFinding(
    text,
    `${what}, orchflow's shell-integration hooks and their key among them; name what you need`,
    true,
  );
const unknown = (text: string, what: string) =>
  hookFinding(
    text,
    `${what} only known at run time, so it could be one of orchflow's hooks; write it literally`,
    false,
  );

// Options up to the first operand (`--` ends them); `local -` and `-$x` are operands.
function split(args: WordValue[]): { flags: Set<string>; names: WordValue[] } {
  const flags = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as WordValue;
    if (w.literal && w.value === '--') {
      i++;
      break;
    }
    if (!w.literal || !/^[-+][A-Za-z]+$/.test(w.value)) break;
    for (const c of w.value.slice(1)) flags.add(c);
  }
  return { flags, names: args.slice(i) };
}

const nameOf = (w: WordValue) => w.value.replace(/[+]?=.*$/s, '');
// The name part (before any `=`) is a literal: `PS1=$x` names PS1, `"$n"=1` names nothing known.
const literalName = (w: WordValue) =>
  w.value.includes('=') ? w.prefix.length >= w.value.indexOf('=') : w.literal;

function declaration(program: string, args: WordValue[], text: string): HookFinding | undefined {
  const { flags, names } = split(args);
  if (flags.has('m')) return dumps(text, 'selects variables or functions by pattern');
  if (names.length === 0 && (program === 'declare' || program === 'typeset' || program === 'readonly'))
    return dumps(text, 'lists every variable or function with its value');
  if (flags.has('n'))
    return hookFinding(text, 'declares a nameref, which a later command can point at any variable', false);
  // A traced command's TRACEPARENT is a prefix assignment of the line orchflow types (encode.ts),
  // which a readonly TRACEPARENT turns into an error (and under `set -e` the shell's exit).
  if ((program === 'readonly' || flags.has('r')) && !flags.has('f')) {
    // `declare -r 'TRACEPARENT[0]'` makes the whole variable readonly.
    const traced = names.find((w) => literalName(w) && nameOf(w).replace(/\[.*$/s, '') === 'TRACEPARENT');
    if (traced)
      return hookFinding(text, 'makes TRACEPARENT readonly, which orchflow sets for traced commands', true);
  }
  return byName(names, text);
}

// Literal names that are protected, then names only known at run time.
function byName(names: WordValue[], text: string): HookFinding | undefined {
  const hook = names.find((w) => literalName(w) && isHookVariable(nameOf(w)));
  if (hook) return hookFinding(text, `names ${nameOf(hook)}, which orchflow's shell integration uses`, true);
  const dynamic = names.find((w) => !literalName(w));
  return dynamic ? unknown(text, `the name '${dynamic.value}' is`) : undefined;
}

function trap(args: WordValue[], text: string): HookFinding | undefined {
  const rest = args[0]?.value === '--' ? args.slice(1) : args;
  if (rest.length < 2 || /^-[lpP]+$/.test(rest[0]?.value ?? '')) return undefined;
  if (rest[0]?.literal && rest[0].value === '-') return undefined;
  for (const sig of rest.slice(1)) {
    if (!sig.literal) return unknown(text, `the signal '${sig.value}' is`);
    const name = sig.value.toUpperCase().replace(/^SIG/, '');
    if (TRACING_TRAPS.has(name))
      return hookFinding(
        text,
        `sets a ${name} trap, which runs inside orchflow's hooks and sees their commands`,
        true,
      );
  }
  return undefined;
}

function simple(program: string, args: WordValue[], text: string): HookFinding | undefined {
  const operands = args.filter((w) => !w.value.startsWith('-'));
  switch (program) {
    case 'set':
      return args.length === 0 ? dumps(text, 'lists every variable and function with its value') : undefined;
    case 'unset': {
      const { flags, names } = split(args);
      if (flags.has('f') || flags.has('m'))
        return hookFinding(text, 'removes shell functions, such as the hooks orchflow installs', true);
      return byName(names, text);
    }
    case 'unfunction':
    case 'add-zsh-hook':
    case 'fc':
    case 'history':
      return hookFinding(
        text,
        `runs '${program}', which removes, replaces or reads what orchflow's hooks use`,
        true,
      );
    case 'functions':
      if (operands.length === 0 || split(args).flags.has('m'))
        return dumps(text, 'lists every function with its body');
      break;
    case 'compgen':
      if (args.some((w) => /^-[a-zA-Z]*[vAFC]/.test(w.value)))
        return hookFinding(text, 'lists shell functions or variables, or runs a function', true);
      return undefined;
    case 'trap':
      return trap(args, text);
    case 'enable':
    case 'disable':
      return operands.length > 0
        ? hookFinding(text, `switches shell builtins on or off, which the hooks call`, true)
        : undefined;
    case 'bind':
      return args.every((w) => /^-[lpPvVsS]+$/.test(w.value))
        ? undefined
        : hookFinding(text, 'changes key bindings, which can rewrite or read the lines orchflow types', true);
    case 'bindkey':
    case 'zle':
      return args.every((w) => /^-[lL]+$/.test(w.value))
        ? undefined
        : hookFinding(
            text,
            'changes line-editor widgets or keys, which can rewrite the lines orchflow types',
            true,
          );
    case 'alias':
      for (const w of args) {
        const eq = w.value.indexOf('=');
        if (eq < 0) continue;
        if (w.prefix.length < eq) return unknown(text, `the alias name in '${w.value}' is`);
        if (isHookCallable(w.value.slice(0, eq)))
          return hookFinding(
            text,
            `defines an alias '${w.value.slice(0, eq)}', replacing a command orchflow's hooks rely on`,
            true,
          );
      }
      return undefined;
    case 'eval': {
      const dynamic = args.find((w) => !w.literal);
      return dynamic ? unknown(text, `the code '${dynamic.value}' is`) : undefined;
    }
    case 'source':
    case '.': {
      const file = args[0]?.value === '--' ? args[1] : args[0];
      if (file && !file.literal) return unknown(text, `the file '${file.value}' is`);
      if (file && STDIN_FILES.test(file.value))
        return hookFinding(text, 'runs code from its input, which the policy cannot see', true);
      return undefined;
    }
    case 'let': {
      const name = args.flatMap((w) => w.value.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).find(isHookVariable);
      return name ? hookFinding(text, `reads or changes ${name}`, true) : undefined;
    }
    case 'mapfile':
    case 'readarray':
      return args.some((w) => /^-[a-zA-Z]*C/.test(w.value))
        ? hookFinding(text, 'runs a callback string as code, which the policy does not follow', true)
        : undefined;
    case 'print':
      if (args.some((w) => /^-[a-zA-Z]*P/.test(w.value)) && args.some((w) => !w.literal))
        return unknown(text, 'a prompt string expanded by print -P is');
      return undefined;
  }
  return BY_NAME.has(program) ? byName(operands, text) : undefined;
}

/** How the builtin `program` (words: program first) reaches the hooks, if it does. */
export function hookBuiltinFinding(
  program: string,
  words: WordValue[],
  text: string,
): HookFinding | undefined {
  const args = words.slice(1);
  const found =
    historyOptionFinding(program, args, text) ??
    (DECLARATIONS.has(program) ? declaration(program, args, text) : simple(program, args, text));
  if (found) return found;
  // Every other builtin that assigns by name: `printf -v "$x"`, `read "$x"`, `mapfile "$x"`.
  const target = builtinAssignments(program, words)?.targets.find((t) => t.written === undefined);
  return target ? unknown(text, `the variable name '${target.name}' is`) : undefined;
}

/** The finding for a command whose name is only known at run time (`$cmd`, `"${a}b"`). */
export function unknownCommandFinding(name: string, text: string): HookFinding {
  return unknown(text, `the command name '${name}' is`);
}
