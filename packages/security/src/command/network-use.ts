// Which invocations use the network, beyond programs whose purpose is the network
// (capabilities.ts NETWORK_PROGRAMS): a git subcommand that talks to a remote, found the way git
// parses its global options (`git -C . fetch`, `git --no-pager fetch`; programs.ts), a python
// module run with `-m` that serves or fetches (`http.server`, `pip`), and node's inspector bound
// beyond the loopback interface (`--inspect=0.0.0.0:9229`; the default 127.0.0.1 stays allowed). Like the other capability lists this is an early,
// explainable refusal; the terminal's isolation is what really cuts the network.
import { parseArgs } from './programs';
import type { Invocation } from './rules';

/** git subcommands that contact a remote repository or a mail server. */
const NETWORK_GIT: ReadonlySet<string> = new Set([
  'clone',
  'fetch',
  'pull',
  'push',
  'ls-remote',
  'submodule',
  'fetch-pack',
  'send-pack',
  'http-fetch',
  'http-push',
  'send-email',
  'request-pull',
  'remote-http',
  'remote-https',
  'remote-ftp',
  'remote-ftps',
  'svn',
  'p4',
  'imap-send',
]);

// `git remote update|show|prune` and `git remote set-head -a` contact the remotes.
const NETWORK_GIT_REMOTE: ReadonlySet<string> = new Set(['update', 'show', 'prune', 'set-head']);

/** Python modules whose `-m` entry point serves, fetches or sends over the network. */
const NETWORK_PYTHON_MODULES: ReadonlySet<string> = new Set([
  'http.server',
  'pip',
  'smtpd',
  'smtplib',
  'xmlrpc.server',
  'ftplib',
  'poplib',
  'imaplib',
  'nntplib',
  'telnetlib',
  'wsgiref.simple_server',
  'webbrowser',
  'aiosmtpd',
]);

// pip subcommands that contact a package index.
const PIP_NETWORK: ReadonlySet<string> = new Set(['install', 'download', 'wheel', 'search', 'index', 'lock']);

/** node options that open the inspector's port (`debug-port` is an alias of `inspect-port`). */
const NODE_INSPECT = /^(inspect(-brk|-wait|-port)?|debug(-brk|-port)?)$/;

function gitUsesNetwork(inv: Invocation): boolean {
  const parsed = parseArgs('git', inv.argv);
  const sub = parsed?.sub;
  if (!sub) return false;
  if (NETWORK_GIT.has(sub.name)) return true;
  const next = inv.argv.slice(sub.index + 1).find((a) => !a.startsWith('-'));
  // `git remote show -n` lists what is known locally.
  if (sub.name === 'remote')
    return (
      next !== undefined && NETWORK_GIT_REMOTE.has(next) && !(next === 'show' && inv.argv.includes('-n'))
    );
  // `git archive --remote=<repo>` fetches the archive from the remote.
  if (sub.name === 'archive') return inv.argv.some((a) => a === '--remote' || a.startsWith('--remote='));
  return false;
}

function pythonUsesNetwork(inv: Invocation): boolean {
  const parsed = parseArgs(inv.program, inv.argv);
  const module = parsed?.options.find((o) => o.name === 'm')?.value;
  if (module === undefined) return false;
  // `pydoc -p PORT` / `-b` serve documentation over HTTP.
  if (module === 'pydoc') return inv.argv.some((a) => /^-[pbn]/.test(a));
  // pip contacts an index to install, download or search; `pip list` or `pip --version` do not.
  if (module === 'pip' || module === 'pip3') return inv.argv.some((a) => PIP_NETWORK.has(a));
  return NETWORK_PYTHON_MODULES.has(module) || NETWORK_PYTHON_MODULES.has(module.split('.')[0] ?? '');
}

// An inspector address (`[host:]port`) that listens beyond this machine: the default host is
// 127.0.0.1, which other machines cannot reach.
function beyondLoopback(address: string | undefined): boolean {
  if (address === undefined || /^\d*$/.test(address)) return false;
  const colon = address.lastIndexOf(':');
  const host = (colon < 0 || address.endsWith(']') ? address : address.slice(0, colon)).replace(
    /^\[|\]$/g,
    '',
  );
  return !/^(127(\.\d+){3}|localhost|::1)$/i.test(host);
}

function nodeUsesNetwork(inv: Invocation): boolean {
  const parsed = parseArgs(inv.program, inv.argv);
  return parsed?.options.some((o) => NODE_INSPECT.test(o.name) && beyondLoopback(o.value)) ?? false;
}

/** Whether a git, python or node invocation uses the network (see the module header). */
export function usesNetworkByArgs(inv: Invocation): boolean {
  if (inv.program === 'git') return gitUsesNetwork(inv);
  const family = parseArgs(inv.program, [])?.family;
  if (family === 'python') return pythonUsesNetwork(inv);
  if (family === 'node') return nodeUsesNetwork(inv);
  return false;
}
