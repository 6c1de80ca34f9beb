// The names the `protectShellIntegration` rule guards, and how it spells a word the way the shell
// will see it. orchflow's shell integration defines functions and variables named `__orchflow_*`
// and drives its prompt through the prompt and hook variables below; a command that reads them
// can learn the terminal's key, one that calls or replaces them can forge "command done".

/** The prefix of every function and variable orchflow's shell integration defines. */
export const SHELL_INTEGRATION_PREFIX = '__orchflow';

/**
 * Variables orchflow's shell integration runs or prints through, and every other string the shell
 * runs as code on its own (prompt strings expand `$(…)`): bash's `PS0`–`PS4` and `PROMPT_COMMAND`,
 * zsh's prompt names, hook arrays and the special parameters that list function bodies and
 * history, mail-check messages, the start-up files `BASH_ENV`/`ENV`, and bash's `FUNCNEST`
 * (a low limit stops the hooks). Reading, assigning,
 * declaring or unsetting one is denied while the rule is on.
 */
export const SHELL_INTEGRATION_VARIABLES: readonly string[] = [
  'PROMPT_COMMAND',
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'PROMPT',
  'prompt',
  'PROMPT2',
  'PROMPT3',
  'PROMPT4',
  'RPROMPT',
  'RPROMPT2',
  'RPS1',
  'RPS2',
  'SPROMPT',
  'PROMPT_EOL_MARK',
  'POSTEDIT',
  'MAIL',
  'MAILPATH',
  'precmd_functions',
  'preexec_functions',
  'chpwd_functions',
  'periodic_functions',
  'zshaddhistory_functions',
  'zshexit_functions',
  'functions',
  'functions_source',
  'dis_functions',
  'history',
  'historywords',
  'BASH_ENV',
  'ENV',
  // The hooks call each other up to three levels deep: a FUNCNEST under that aborts the prompt
  // hook before its done marker, and the command's execute() never ends.
  'FUNCNEST',
];

const VARIABLES = new Set(SHELL_INTEGRATION_VARIABLES);

// Names a function or alias must not take: the hooks call builtins (`builtin printf`, `command
// printf`, `local`), and a function named `builtin` or `command` receives the marker format with
// the key. Reserved words are listed because an alias of `{` rewrites the line orchflow types.
const SHELL_WORDS = new Set(
  [
    '. : [ [[ ]] { } ! alias bg bind break builtin caller case cd command compgen complete compopt',
    'continue coproc declare dirs disown do done echo elif else enable esac eval exec exit export',
    'false fc fg fi for function getopts hash help history if in jobs kill let local logout mapfile',
    'popd printf pushd pwd read readarray readonly return select set shift shopt source suspend',
    'test then time times trap true type typeset ulimit umask unalias unset until wait while',
    'autoload disable emulate functions noglob print setopt unfunction unsetopt whence where',
    'zle zmodload add-zsh-hook precmd preexec chpwd periodic zshaddhistory zshexit',
  ]
    .join(' ')
    .split(' '),
);

/** Whether `name` is a protected variable (a subscript `PS1[0]` counts as its array). */
export function isHookVariable(name: string): boolean {
  const bare = name.replace(/\[.*$/s, '');
  return VARIABLES.has(bare) || bare.includes(SHELL_INTEGRATION_PREFIX);
}

/** Whether defining a function or alias called `name` could replace something the hooks run. */
export function isHookCallable(name: string): boolean {
  return SHELL_WORDS.has(name) || /^TRAP[A-Z]+$/.test(name) || name.includes(SHELL_INTEGRATION_PREFIX);
}

/** Whether `${!prefix*}` could list a protected variable. */
export function listsHookVariables(prefix: string): boolean {
  return [SHELL_INTEGRATION_PREFIX, ...VARIABLES].some((name) => name.startsWith(prefix));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** The value of the body of a `$'…'` string, as bash decodes it. */
export function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const next = body[i + 1] as string;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const code =
      /^[0-7]{1,3}/.exec(body.slice(i + 1)) ??
      /^x[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1)) ??
      /^u[0-9a-fA-F]{1,4}/.exec(body.slice(i + 1)) ??
      /^U[0-9a-fA-F]{1,8}/.exec(body.slice(i + 1));
    if (code) {
      const digits = code[0];
      const radix = /^[0-7]/.test(digits) ? 8 : 16;
      const value = Number.parseInt(radix === 8 ? digits : digits.slice(1), radix);
      out += value <= 0x10ffff ? String.fromCodePoint(value) : '';
      i += digits.length;
      continue;
    }
    if (next === 'c' && i + 2 < body.length) {
      out += String.fromCharCode((body.charCodeAt(i + 2) & 0x1f) >>> 0);
      i += 2;
      continue;
    }
    out += ch;
  }
  return out;
}
