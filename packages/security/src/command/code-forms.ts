// The forms in which an allowed interpreter or git runs code that is in no file the policy can see
// (issue 11): code on the command line (`python3 -c`, `node -e`, `node --import data:…`), code
// from standard input (`python3 -`, `node` with no script reading a pipe, heredoc or the terminal),
// modules whose arguments are code (`python3 -m timeit`), and options or configuration that make
// git run a command (`git grep -O<cmd>`, `-c core.pager=…`, `-c alias.x='!cmd'`, `rebase -x`).
// Under an allowlist each is refused unless an allow rule names the form (`python3 -c`,
// `node -e`, `git -c`, `git filter-branch`). git's own forms are in git-forms.ts.
import { gitCodeForms } from './git-forms';
import { type CodeForm, form, type ParsedArgs, parseArgsAlternatives } from './programs';
import { sedUse } from './sed-script';
import { setForms } from './set-options';
import { mayBeOption, type WordValue } from './words';

export type { CodeForm } from './programs';

// stdlib modules whose command line or standard input is code: timeit's statements, REPLs,
// debuggers (their commands include Python statements).
const PYTHON_CODE_MODULES = new Set([
  // Modules that run another module or script given on their own command line
  // (`python3 -m cProfile -m timeit -s CODE`): what they run is not judged, so they count as code.
  'cProfile',
  'profile',
  'trace',
  'runpy',
  'timeit',
  'code',
  'pdb',
  'asyncio',
  'idlelib',
  'idlelib.idle',
  'IPython',
  'bpython',
  'ptpython',
]);
const PYTHON_INFO = new Set(['h', '?', 'V', 'help', 'version', 'help-env', 'help-xoptions', 'help-all']);
const NODE_INFO = new Set([
  'h',
  'help',
  'v',
  'version',
  'v8-options',
  'completion-bash',
  'c',
  'check',
  'test',
  'prof-process',
  'run',
]);
// Options whose value is a module node loads; a URL value (`data:`, `http:`) is code in no file.
const NODE_MODULE_OPTIONS = ['import', 'require', 'r', 'experimental-loader', 'loader', 'test-reporter'];
const STDIN =
  'reads its program from standard input (a pipe, a heredoc or the terminal), which the policy cannot see';

// A script operand that names standard input or a pipe (`/dev/stdin`, `/dev/fd/0`,
// `/proc/self/fd/0`, `<(echo code)`): the code comes from stdin or a substitution, like `-`.
const STDIN_FILE = /^(\/dev\/stdin|\/dev\/fd\/\d+|\/proc\/[^/]+\/fd\/\d+|\/proc\/[^/]+\/fd\/?|\/dev\/fd\/?)$/;
function stdinScript(word: WordValue): boolean {
  if (word.value === '-' || STDIN_FILE.test(word.value.replace(/\/{2,}/g, '/'))) return true;
  if (word.alternatives?.some((a) => STDIN_FILE.test(a))) return true;
  return /^[<>]\(/.test(word.value) || (/^\/(dev|proc)\//.test(word.prefix) && !word.literal);
}

const dashed = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

const spellings = (p: ParsedArgs, name: string): string[][] => {
  const long = name.length > 1 ? name : p.aliases[name];
  const short = Object.entries(p.aliases).find(([, l]) => l === name)?.[0];
  const out = name.length === 1 ? [[`-${name}`]] : [[`--${name}`]];
  if (long && long !== name) out.push([`--${long}`]);
  if (short && short.length === 1 && short !== name) out.push([`-${short}`]);
  return out;
};

// A run-time word where the program still parses options could be any option, code ones included.
function dynamicOption(p: ParsedArgs, args: readonly WordValue[], program: string): CodeForm | undefined {
  const values = new Set(p.options.flatMap((o) => (o.valueAt ? [o.valueAt.index] : [])));
  const at = args.findIndex((w, i) => i < p.optionsEnd && !values.has(i) && mayBeOption(w));
  const word = args[at];
  if (!word) return undefined;
  const rule = p.family === 'git' ? 'runs-code' : 'inline-code';
  return form(
    rule,
    [],
    `'${word.value}' is only known at run time where ${program} still reads options, so it could be an option that runs code; write it literally (or after '--' or the script)`,
  );
}

const codeModule = (mod: string): boolean =>
  PYTHON_CODE_MODULES.has(mod) || PYTHON_CODE_MODULES.has(mod.split('.')[0] ?? '');

// Profilers whose command line is `[-o FILE] [-s SORT] (-m MODULE | SCRIPT) ARGS…` (optparse, which
// stops at the first operand): a script file is judged like `python3 SCRIPT`, a module like `-m`.
const PROFILERS = new Set(['cProfile', 'profile']);
const PROFILER_VALUES = /^(-[os]|--(outfile|sort))$/;

function profilerForms(mod: string, rest: readonly WordValue[]): CodeForm[] {
  const code = (why: string) => [form('inline-code', [['-m', mod], [`-m${mod}`]], `'-m ${mod}' ${why}`)];
  let moduleMode = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as WordValue;
    if (!w.literal) return code(`runs '${w.value}', which is only known at run time`);
    if (PROFILER_VALUES.test(w.value)) i++;
    else if (/^(-[os].|--(outfile|sort)=)/.test(w.value)) continue;
    else if (w.value === '-m') moduleMode = true;
    else if (w.value === '--') continue;
    else if (w.value.startsWith('-') && w.value !== '-')
      return code(`is given '${w.value}', an option the policy does not know`);
    else if (moduleMode)
      return codeModule(w.value)
        ? code(`runs the module '${w.value}', which runs code given on its command line`)
        : [];
    else return stdinScript(w) ? code(STDIN) : [];
  }
  return [];
}

function python(p: ParsedArgs, args: readonly WordValue[]): CodeForm[] {
  const forms: CodeForm[] = [];
  let runs = false;
  for (const o of p.options) {
    if (o.name === 'c') {
      runs = true;
      forms.push(form('inline-code', [['-c']], `'-c' runs code given on the command line`));
    } else if (o.name === 'i') {
      forms.push(form('inline-code', [['-i']], `'-i' reads more code from standard input after the script`));
    } else if (o.name === 'm') {
      runs = true;
      const word = o.valueAt && args[o.valueAt.index];
      const mod = o.value ?? '';
      const profiled = word?.literal && PROFILERS.has(mod) && o.valueAt;
      if (profiled) forms.push(...profilerForms(mod, args.slice(profiled.index + 1)));
      else if (!word?.literal || codeModule(mod))
        forms.push(
          form(
            'inline-code',
            [['-m', mod], [`-m${mod}`]],
            `'-m ${mod}' runs code given on its command line or standard input`,
          ),
        );
    }
  }
  const script = p.operands[0] === undefined ? undefined : args[p.operands[0]];
  const info = p.options.some((o) => PYTHON_INFO.has(o.name));
  if (!runs && !info && (script === undefined || stdinScript(script)))
    forms.push(form('inline-code', [['-']], STDIN));
  return forms;
}

function node(p: ParsedArgs, args: readonly WordValue[]): CodeForm[] {
  const forms: CodeForm[] = [];
  let runs = false;
  for (const o of p.options) {
    const name = p.aliases[o.name] ?? o.name;
    if (name === 'eval' || name === 'print') {
      runs = true;
      forms.push(
        form('inline-code', spellings(p, o.name), `'${dashed(o.name)}' runs code given on the command line`),
      );
    } else if (name === 'interactive') {
      forms.push(form('inline-code', spellings(p, o.name), `'--interactive' reads code from standard input`));
    } else if (NODE_MODULE_OPTIONS.includes(o.name)) {
      const word = o.valueAt && args[o.valueAt.index];
      if (o.value === undefined || !word?.literal || /^(data|https?):/i.test(o.value))
        forms.push(
          form(
            'inline-code',
            spellings(p, o.name),
            `'${dashed(o.name)}' loads the module '${o.value ?? ''}', which is code given on the command line or from the network`,
          ),
        );
    } else if (name === 'env-file' || name === 'env-file-if-exists') {
      forms.push(
        form(
          'runs-code',
          spellings(p, o.name),
          `'--${o.name}' loads environment variables from a file, NODE_OPTIONS among them, which the policy cannot see`,
        ),
      );
    } else if (name === 'run') {
      forms.push(
        form('runs-code', spellings(p, o.name), `'--run' runs a package.json script through a shell`),
      );
    }
  }
  const script = p.operands[0] === undefined ? undefined : args[p.operands[0]];
  const info = p.options.some((o) => NODE_INFO.has(p.aliases[o.name] ?? o.name) || NODE_INFO.has(o.name));
  if (!runs && !info && (script === undefined || stdinScript(script)))
    forms.push(form('inline-code', [['-']], STDIN));
  return forms;
}

const SANDBOX = "; GNU sed's --sandbox refuses 'e', 'r' and 'w' itself";

// sed's script runs shell commands with `e` and `s///e` (sed-script.ts).
function sedForms(args: readonly WordValue[]): CodeForm[] {
  const use = sedUse(args);
  if (use.stdin) return [form('inline-code', [], `'sed -f -' ${STDIN}`)];
  if (use.sandbox) return [];
  const why = use.effects.runs
    ? "runs shell commands ('e' or the 'e' flag of 's')"
    : use.runTime
      ? "is only known at run time, so it could run shell commands ('e')"
      : use.effects.unreadable !== undefined
        ? `cannot be read by the policy (${use.effects.unreadable}), so it could run shell commands ('e')`
        : undefined;
  return why === undefined ? [] : [form('runs-code', [], `the sed script ${why}${SANDBOX}`)];
}

/** The code-running forms of `program` with arguments `args` (the words after its name). */
export function codeForms(program: string, args: readonly WordValue[]): CodeForm[] {
  if (program === 'set') return setForms(args);
  if (program === 'sed') return sedForms(args);
  const forms: CodeForm[] = [];
  const readings = parseArgsAlternatives(program, args);
  for (const [n, p] of readings.entries()) {
    const found: CodeForm[] = [];
    if (p.family === 'python') found.push(...python(p, args));
    else if (p.family === 'node') found.push(...node(p, args));
    else if (p.family === 'git') found.push(...gitCodeForms(p, args));
    else continue;
    const dynamic = dynamicOption(p, args, program);
    if (dynamic) found.push(dynamic);
    // The second reading takes node options this policy does not know as taking the next word.
    const note =
      n === 0
        ? ''
        : ` (reading the options this policy does not know, ${p.options
            .filter((o) => o.name.length > 1 && o.valueAt?.offset === 0)
            .map((o) => dashed(o.name))
            .join(', ')}, as taking the next word; write their values with '=')`;
    forms.push(...found.map((f) => ({ ...f, what: f.what + note })));
  }
  return forms;
}
