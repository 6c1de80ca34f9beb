// The public shapes of a command-policy verdict: what was found in a command line and what was
// decided about it. Plugins (`onCommandExecute`) and the audit log consume these.

/** A wrapper a command runs under (`sudo -u x`, `env FOO=1`, `bash -c`, `find -exec`). */
export interface WrapperUse {
  /** The wrapper's resolved program name (`sudo` for `/usr/bin/sudo`). */
  program: string;
  /** The wrapper's own arguments, up to the wrapped command. */
  argv: string[];
  /** The wrapper as written when given by path (`./timeout`), for the allowlist's path check. */
  programPath?: string;
}

/** A `NAME=value` assignment in front of (or given to) a command. */
export interface Assignment {
  name: string;
  /** The value as written when not a literal (`$(id)`), else its literal value. */
  value: string;
  /** True when the name is in the policy's `dangerousVariables`. */
  dangerous: boolean;
}

/** One simple command found anywhere in a command line. */
export interface ParsedCommand {
  /** Resolved program name: quotes and escapes removed, directory stripped (`/bin/rm` → `rm`). */
  program: string;
  /** The program as written after quote removal (`/bin/rm`), or its source when not a literal. */
  programPath: string;
  /** Arguments after quote removal; arguments that are not literals appear as written (`$HOME/x`). */
  argv: string[];
  /** The command's source text. */
  text: string;
  /** Wrappers the command runs under, outermost first. */
  via?: WrapperUse[];
  /** Leading assignments (and those given to `env`). */
  assignments: Assignment[];
}

/** The verdict on one command line. */
export interface PolicyDecision {
  allowed: boolean;
  /** Why, in words a person or an agent can act on; names the part of the command. */
  reason: string;
  /**
   * The rule that decided: `deniedCommands[2]: rm -rf /`, `allowedCommands: no match`,
   * `allowedCommands[0]: git status`, `parse-error`, `non-literal-command`, `eval`,
   * `unsupported-wrapper:<name>`, `dangerous-assignment:<NAME>`, `forbidden-path:<path>`,
   * `capability:<name>`, `too-large` (over `MAX_COMMAND_BYTES`), `too-complex` (could not be
   * judged), or `default-allow`.
   */
  rule: string;
  /** Every simple command found, in source order. */
  commands: ParsedCommand[];
}

/** Options of {@link CommandPolicy.check}. */
export interface CheckOptions {
  /** Directory the command line starts in; relative paths resolve against it. Default `process.cwd()`. */
  cwd?: string;
  /** Home directory for `~` and `$HOME`. Default `os.homedir()`. */
  home?: string;
}
