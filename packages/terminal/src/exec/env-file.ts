// The one file a terminal's bash or zsh reads a command's own variables from (`<dir>/env-1`, read
// by `__orchflow_arm <token> 1`; see shell-integration/command-env). Commands run one at a time,
// so one file rewritten in place serves them all: kept open, a rewrite is a few syscalls (~10 µs),
// where creating and removing a file per command cost ~80 µs here. The directory is the
// terminal's, so a command may have removed or replaced the file: then it is created afresh
// (exclusively, never through a link) rather than written where the shell no longer looks.
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** The number the arm is given; the file is `env-<ENV_FILE_ID>` in the private directory. */
const ENV_FILE_ID = 1;

/** The env file of one terminal; opened on first use, closed with the terminal. */
export class CommandEnvFile {
  private fd: number | undefined;
  /** True while the file holds a command's variables. */
  private holding = false;

  /** The file in `dir`, the terminal's private directory. */
  constructor(private readonly dir: string) {}

  /** Replaces the file's content with `text`; returns the arm's number and the path. */
  write(text: string): { id: number; path: string } {
    const path = join(this.dir, `env-${ENV_FILE_ID}`);
    if (this.fd === undefined || !this.stillAt(path, this.fd)) {
      this.close();
      rmSync(path, { force: true });
      const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
      this.fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    }
    // Not truncated: the text ends with a `.` line, where readers stop (a syscall less per command).
    writeSync(this.fd, text, 0, 'utf8');
    this.holding = true;
    return { id: ENV_FILE_ID, path };
  }

  /**
   * Empties the file once the shell has read it (its command started): the variables are that
   * command's, and the next command on the terminal, whoever runs it, must not find them there.
   */
  clear(): void {
    if (!this.holding || this.fd === undefined) return;
    this.holding = false;
    try {
      ftruncateSync(this.fd, 0);
    } catch {
      // Gone with its directory: nothing left to read.
    }
  }

  /** True when `path` is still the regular file open as `fd`. */
  private stillAt(path: string, fd: number): boolean {
    try {
      const there = lstatSync(path);
      const open = fstatSync(fd);
      return there.isFile() && there.ino === open.ino && there.dev === open.dev;
    } catch {
      return false;
    }
  }

  /** Closes the file (the directory, removed with the terminal, takes it away). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already gone with its directory; nothing to release.
    }
  }
}
