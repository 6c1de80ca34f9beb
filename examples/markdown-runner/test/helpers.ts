// Runs orchflow-md for real (an embedded orchestrator, a real shell in a PTY) on temp copies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { main } from '../src/main';

/** What one run printed and returned, and the file afterwards. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  text: string;
}

/**
 * Writes `text` to a fresh temp file and returns its path; its directory is removed when the
 * calling test finishes (call it inside a test).
 */
export function tempDoc(text: string, name = 'doc.md'): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-md-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs main() on `file` with extra flags. */
export async function runMd(file: string, ...flags: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main([...flags, file], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // the file need not exist (usage tests)
  }
  return { code, stdout, stderr, text };
}

/** Occurrences of `needle` in `text`. */
export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
