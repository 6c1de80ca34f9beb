// Puts a terminal's shell integration on disk: a private 0700 directory (see base-dir) holding the
// generated rc for the shell kind, and the argv/env that make the shell read it. The rc holds no
// secret (the key reaches the shell through the terminal, see rc-snippets), so the rc's path in
// the shell's argv or environment gives nothing away. The directory also receives long command
// texts (see exec/encode) and is removed when the terminal exits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShellKind } from '../spawn-options';
import { SHELL_DIR_PREFIX } from './base-dir';
import { bashRcScript } from './bash';
import { shRcScript } from './sh';
import { USER_ZDOTDIR_VAR, zshRcScript } from './zsh';

/** What the shell must be started with, and the private directory to clean up afterwards. */
export interface ShellIntegration {
  /** Private directory (mode 0700) owned by this terminal. */
  readonly dir: string;
  /** Arguments for the shell, including `extraArgs` before the final `-i`. */
  readonly args: string[];
  /** Variables to add to the shell's environment. */
  readonly env: Record<string, string>;
  /** Removes the private directory; safe to call more than once. */
  dispose(): void;
}

/**
 * Writes the rc for `kind` into a fresh private directory under `base` (`shellDirBase`). Without
 * `lineEditor` (see `runsLineEditor`), bash starts without readline (`--noediting`, before
 * `extraArgs`, which may turn it on). zsh always keeps zle.
 */
export function installShellIntegration(
  kind: ShellKind,
  extraArgs: readonly string[],
  baseEnv: Readonly<Record<string, string>>,
  lineEditor: boolean,
  base: string,
): ShellIntegration {
  const dir = mkdtempSync(join(base, SHELL_DIR_PREFIX));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    try {
      writeFileSync(path, text, { mode: 0o600 });
    } catch (error) {
      // A full or read-only file system: nothing half-written is left behind.
      dispose();
      throw error;
    }
    return path;
  };
  switch (kind) {
    case 'bash': {
      const rc = write('bashrc', bashRcScript(dir));
      // readline reads ~/.inputrc even with --noprofile --rcfile: a macro written there by one
      // agent would rewrite every line orchflow types into later terminals.
      const env = { INPUTRC: '/dev/null' };
      const editing = lineEditor ? [] : ['--noediting'];
      return { dir, dispose, args: ['--noprofile', ...editing, '--rcfile', rc, ...extraArgs, '-i'], env };
    }
    case 'zsh': {
      write('.zshrc', zshRcScript(dir));
      const env: Record<string, string> = { ZDOTDIR: dir };
      if (baseEnv.ZDOTDIR !== undefined) env[USER_ZDOTDIR_VAR] = baseEnv.ZDOTDIR;
      return { dir, dispose, args: ['-d', ...extraArgs, '-i'], env };
    }
    case 'sh': {
      const rc = write('shrc', shRcScript());
      return { dir, dispose, args: [...extraArgs, '-i'], env: { ENV: rc } };
    }
  }
}
