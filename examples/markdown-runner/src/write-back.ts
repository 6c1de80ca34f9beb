// Writing the outputs back without losing edits: the blocks can run for minutes, and the file may
// be edited meanwhile (an editor saving, a `git pull`). So the file is re-read just before
// writing and left alone if it is no longer the text the outputs were rendered into; the new text
// goes to a temp file beside it and is renamed over it, so a reader never sees half a file.
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** The file is no longer the text it was read as; nothing was written. */
export class FileChangedError extends OrchflowError {
  constructor(file: string) {
    super(
      ErrorCode.InvalidState,
      `${file} changed while its blocks ran; nothing written (your edits are kept): run orchflow-md again`,
    );
  }
}

/**
 * Replaces `file` with `updated` if it still holds `expected`, through a temp file and a rename
 * (keeping the file's mode); throws {@link FileChangedError} otherwise. What is left is the tiny
 * window between the re-read and the rename: an edit landing inside it is still lost.
 */
export function replaceIfUnchanged(file: string, expected: string, updated: string): void {
  if (readFileSync(file, 'utf8') !== expected) throw new FileChangedError(file);
  // Through a symlink, replace what it points to, not the link.
  const target = realpathSync(file);
  const temp = join(dirname(target), `.${basename(target)}.orchflow-md-${process.pid}.tmp`);
  try {
    writeFileSync(temp, updated, { mode: statSync(target).mode & 0o7777, flag: 'wx' });
    if (readFileSync(target, 'utf8') !== expected) throw new FileChangedError(file);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
