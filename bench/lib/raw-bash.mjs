// The hand-written baseline: bash in a node-pty PTY whose PROMPT_COMMAND prints a "done" marker
// with `$?` and whose PS1 carries a "ready" marker — the least a program needs to run commands in
// a persistent shell and know when they finished. Written from scratch, independently of
// @orchflow/terminal, so the benchmarks compare orchflow against what a user would write by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node-pty';

/**
 * `--line-editing`: the raw bash keeps readline and orchflow's terminals get `lineEditing: true`
 * (as before orchflow turned the editor off by default). Without it neither side has an editor:
 * a program that types whole lines gains nothing from one, and readline reads them a character at
 * a time.
 */
export const LINE_EDITING = process.argv.includes('--line-editing');

const DONE = '\x1b]777;raw-done;';
const READY = '\x1b]777;raw-ready\x07';

let rcDir;

/** Path of the shared rc file (written once per process, removed at exit). */
function rcFile() {
  if (!rcDir) {
    rcDir = mkdtempSync(join(tmpdir(), 'orchflow-bench-raw-'));
    process.once('exit', () => rmSync(rcDir, { recursive: true, force: true }));
    writeFileSync(
      join(rcDir, 'bashrc'),
      [
        'set +o history',
        'PROMPT_COMMAND=\'printf "\\e]777;raw-done;%s\\a" $?\'',
        "PS1='\\[\\e]777;raw-ready\\a\\]$ '",
        '',
      ].join('\n'),
    );
  }
  return join(rcDir, 'bashrc');
}

/** One raw node-pty bash. */
export class RawBash {
  constructor(pty) {
    this.pty = pty;
    this.text = '';
    this.waiter = undefined;
    this.exited = new Promise((resolve) => pty.onExit(resolve));
    pty.onData((data) => {
      // Only the tail can hold a marker split across reads; older text is never needed again.
      this.text = (this.text.length > 256 ? this.text.slice(-256) : this.text) + data;
      this.waiter?.();
    });
  }

  /** Spawns bash with the marker rc; resolves at its first "ready" marker. */
  static async spawn({ cols = 80, rows = 24, cwd = process.cwd() } = {}) {
    const editing = LINE_EDITING ? [] : ['--noediting'];
    const pty = spawn('bash', ['--noprofile', ...editing, '--rcfile', rcFile(), '-i'], {
      name: 'xterm-256color',
      cols,
      rows,
      cwd,
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    const shell = new RawBash(pty);
    await shell.waitFor(READY);
    return shell;
  }

  /** Resolves with the text before `needle` once it has appeared; consumes both. */
  waitFor(needle) {
    return new Promise((resolve) => {
      const check = () => {
        const at = this.text.indexOf(needle);
        if (at < 0) return;
        const before = this.text.slice(0, at);
        this.text = this.text.slice(at + needle.length);
        this.waiter = undefined;
        resolve(before);
      };
      this.waiter = check;
      check();
    });
  }

  /** Types `command`, resolves with its exit status at the "done" marker. */
  async run(command) {
    this.pty.write(`${command}\r`);
    await this.waitFor(DONE);
    return Number(await this.waitFor('\x07'));
  }

  /** Waits for the prompt after a command (the shell is idle again). */
  idle() {
    return this.waitFor(READY);
  }

  /** Kills the shell and resolves once it has exited. */
  async kill() {
    // SIGKILL, not SIGHUP: a SIGHUP landing while readline sets up its prompt can be lost.
    this.pty.kill('SIGKILL');
    await this.exited;
  }
}
