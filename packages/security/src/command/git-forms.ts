// The ways git runs a command given on its command line or stored in its configuration: options
// that name a program (`grep -O<cmd>`, `rebase -x`, `difftool -x`, `--upload-pack`, `--ext-diff`),
// subcommands that exist to run commands (`filter-branch`, `bisect run`, `submodule foreach`),
// aliases and external `git-<name>` programs, and configuration keys that hold a command, whether
// set for one run (`-c`, `--config-env`) or stored (`git config`). Only configuration keys known
// to hold no command may be set under an allowlist: git has too many command-bearing keys
// (`core.pager`, `core.fsmonitor`, `alias.*`, `diff.*.textconv`, `filter.*.smudge` …) to list them.
import type { Option } from './option-walk';
import { type CodeForm, form, isGitBuiltin, type ParsedArgs } from './programs';
import type { WordValue } from './words';

// Keys (lower case; `*` one or more name parts) that hold no command, path to a program or include.
const SAFE_KEYS = [
  'user.*',
  'color.*',
  'advice.*',
  'i18n.*',
  'init.defaultbranch',
  'core.quotepath',
  'core.autocrlf',
  'core.eol',
  'core.safecrlf',
  'core.filemode',
  'core.ignorecase',
  'core.abbrev',
  'core.whitespace',
  'core.commentchar',
  'core.longpaths',
  'core.untrackedcache',
  'core.preloadindex',
  'diff.renames',
  'diff.renamelimit',
  'diff.algorithm',
  'diff.colormoved',
  'diff.context',
  'diff.noprefix',
  'diff.mnemonicprefix',
  'diff.relative',
  'diff.statgraphwidth',
  'diff.indentheuristic',
  'log.date',
  'log.decorate',
  'log.abbrevcommit',
  'log.follow',
  'log.showroot',
  'format.pretty',
  'grep.*',
  'status.*',
  'pull.rebase',
  'pull.ff',
  'push.default',
  'push.autosetupremote',
  'merge.ff',
  'merge.conflictstyle',
  'rebase.autosquash',
  'rebase.autostash',
  'rerere.enabled',
  'fetch.prune',
  'commit.verbose',
  'commit.cleanup',
  'tag.sort',
  'branch.sort',
  'column.ui',
  'blame.date',
  'gc.auto',
].map((k) => new RegExp(`^${k.replace(/\./g, '\\.').replace(/\*/g, '.+')}$`));

/** Whether setting git configuration `key` could make git run a command. */
export function codeBearingKey(key: string): boolean {
  return !SAFE_KEYS.some((re) => re.test(key.toLowerCase()));
}

// Subcommands whose purpose is to run commands, serve, or hand work to other programs.
const RUNS_COMMANDS = new Set([
  'filter-branch',
  'difftool',
  'mergetool',
  'instaweb',
  'daemon',
  'shell',
  'remote-ext',
  'remote-fd',
  'for-each-repo',
  'upload-pack',
  'receive-pack',
  'upload-archive',
  'http-backend',
  'maintenance',
  'quiltimport',
  'subtree',
  'credential',
  'imap-send',
]);
// Per subcommand, options whose value is a command (or a remote git program) to run.
const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  grep: ['O', 'open-files-in-pager'],
  rebase: ['x', 'exec'],
  clone: ['u', 'upload-pack'],
  fetch: ['upload-pack'],
  pull: ['upload-pack'],
  'ls-remote': ['upload-pack', 'exec'],
  'fetch-pack': ['upload-pack', 'exec'],
  push: ['receive-pack', 'exec'],
  'send-pack': ['receive-pack', 'exec'],
  archive: ['remote', 'exec'],
  log: ['ext-diff'],
  show: ['ext-diff'],
  diff: ['ext-diff'],
  whatchanged: ['ext-diff'],
  'format-patch': ['ext-diff'],
  'range-diff': ['ext-diff'],
  'diff-tree': ['ext-diff'],
  'diff-files': ['ext-diff'],
  'diff-index': ['ext-diff'],
};

// `--exe` abbreviates `--exec`; git takes any unique prefix of a long option.
const isOption = (
  o: Option,
  names: readonly string[],
  aliases: Readonly<Record<string, string>>,
): string | undefined => {
  const name = aliases[o.name] ?? o.name;
  return names.find(
    (n) => n === o.name || n === name || (n.length > 1 && o.name.length > 2 && n.startsWith(o.name)),
  );
};

function configForm(key: string, how: string, names: string[][]): CodeForm | undefined {
  if (!codeBearingKey(key)) return undefined;
  return form(
    'runs-code',
    names,
    `${how} git configuration '${key}', which can make git run a command; under an allowlist only keys known to hold no command may be set`,
  );
}

/** git's code-running forms in `p` (parsed from `args`). */
export function gitCodeForms(p: ParsedArgs, args: readonly WordValue[]): CodeForm[] {
  const forms: CodeForm[] = [];
  const sub = p.sub;
  for (const o of p.options) {
    const global = sub === undefined || (o.index ?? 0) < sub.index;
    if (!global) continue;
    const word = o.valueAt && args[o.valueAt.index];
    if (o.name === 'c' || o.name === 'config-env') {
      const key = (o.value ?? '').split('=')[0] ?? '';
      const spelled = o.name === 'c' ? [['-c']] : [['--config-env']];
      const f = word?.literal
        ? configForm(key, `'${o.value}' sets`, spelled)
        : form('runs-code', spelled, `'${o.value ?? ''}' sets git configuration only known at run time`);
      if (f) forms.push(f);
    } else if (o.name === 'exec-path' && o.value !== undefined) {
      forms.push(
        form('runs-code', [['--exec-path']], `'--exec-path' makes git run its subcommands from '${o.value}'`),
      );
    }
  }
  if (!sub) return forms;
  if (!isGitBuiltin(sub.name)) {
    forms.push(
      form(
        'runs-code',
        [[sub.name]],
        `'${sub.name}' is not one of git's own subcommands: it may be an alias (which can run any command) or an external git-${sub.name} program`,
      ),
    );
    return forms;
  }
  if (RUNS_COMMANDS.has(sub.name))
    forms.push(form('runs-code', [[sub.name]], `'git ${sub.name}' runs other programs or commands`));
  const operand = (n: number) => {
    const at = p.operands[n];
    return at === undefined ? undefined : args[at];
  };
  if (
    (sub.name === 'bisect' && operand(1)?.value === 'run') ||
    (sub.name === 'submodule' && operand(1)?.value === 'foreach')
  )
    forms.push(
      form(
        'runs-code',
        [[sub.name, operand(1)?.value ?? '']],
        `'git ${sub.name} ${operand(1)?.value}' runs a command`,
      ),
    );
  const own = p.options.filter((o) => (o.index ?? 0) > sub.index);
  for (const o of own) {
    const named = isOption(o, COMMAND_OPTIONS[sub.name] ?? [], p.aliases);
    if (named) {
      const spelled = named.length === 1 ? `-${named}` : `--${named}`;
      forms.push(
        form(
          'runs-code',
          [[spelled], ...(p.aliases[named] ? [[`--${p.aliases[named]}`]] : [])],
          `'${spelled}' of git ${sub.name} runs a command`,
        ),
      );
    }
    if (sub.name === 'clone' && (o.name === 'c' || o.name === 'config'))
      forms.push(
        ...[
          configForm((o.value ?? '').split('=')[0] ?? '', `'${o.value}' stores`, [['-c'], ['--config']]),
        ].filter((f) => f !== undefined),
      );
    if (sub.name === 'config' && (o.name === 'e' || o.name === 'edit'))
      forms.push(
        form('runs-code', [['config', '--edit']], `'git config --edit' opens an editor on the configuration`),
      );
  }
  if (sub.name === 'config') {
    // `git config KEY VALUE`, `git config set KEY VALUE`, `--add KEY VALUE`: a write of KEY.
    const rest = p.operands.slice(1).map((i) => args[i] as WordValue);
    const [first, second] = rest[0]?.value === 'set' ? rest.slice(1) : rest;
    const reads = own.some((o) => /^(get|unset|list|l$|remove-section|rename-section)/.test(o.name));
    const writes = !reads && (second !== undefined || (rest[0]?.value === 'set' && first !== undefined));
    if (first && writes) {
      const f = first.literal
        ? configForm(first.value, `'git config' stores`, [['config']])
        : form('runs-code', [['config']], `'git config' stores a key only known at run time`);
      if (f) forms.push(f);
    }
  }
  return forms;
}
