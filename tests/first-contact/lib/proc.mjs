// Child processes of the first-contact job: each runs in its own process group with a deadline,
// and every one still alive is killed (group and all) when the job ends, failed or not.
import { spawn } from 'node:child_process';

const live = new Set();

/** Starts `command args` in its own process group and remembers it for {@link killAll}. */
export function start(command, args, { cwd, env, stdin = 'pipe' } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  live.add(child);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.output = { stdout: '', stderr: '' };
  child.stdout.on('data', (text) => {
    child.output.stdout += text;
  });
  child.stderr.on('data', (text) => {
    child.output.stderr += text;
  });
  child.closed = new Promise((resolve) => {
    child.on('error', (error) => {
      child.output.stderr += `${error.message}\n`;
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return child;
}

/** Kills the process group of `child` (the command and anything it started). */
export function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs a command to completion: `{ code, signal, stdout, stderr, timedOut }`. A command that
 * outlives `timeoutMs` is killed with its group and reported as timed out, never waited on forever.
 */
export async function run(command, args, { input, timeoutMs = 60_000, ...options } = {}) {
  const child = start(command, args, options);
  if (input !== undefined) child.stdin.end(input);
  else child.stdin?.end();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  const { code, signal } = await child.closed;
  clearTimeout(timer);
  return { code, signal, timedOut, ...child.output };
}

/** Resolves with everything `child` wrote to stderr once it contains `needle`; rejects on exit or deadline. */
export function waitForStderr(child, needle, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no '${needle}' on stderr within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const check = () => {
      if (child.output.stderr.includes(needle)) done();
    };
    const exited = () => done(new Error(`exited before printing '${needle}'`));
    function done(error) {
      clearTimeout(timer);
      child.stderr.off('data', check);
      child.off('close', exited);
      if (error) reject(new Error(`${error.message}; stderr so far:\n${child.output.stderr}`));
      else resolve(child.output.stderr);
    }
    child.stderr.on('data', check);
    child.on('close', exited);
    check();
  });
}

/** Kills every child still running (SIGTERM, then SIGKILL for the stubborn ones after 2 s). */
export async function killAll() {
  const children = [...live];
  for (const child of children) killGroup(child, 'SIGTERM');
  const forced = setTimeout(() => {
    for (const child of children) killGroup(child, 'SIGKILL');
  }, 2_000);
  await Promise.all(children.map((child) => child.closed));
  clearTimeout(forced);
}

/** `fn` over `items`, at most `limit` at a time (two: the job shares a 2-core machine); results in order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
