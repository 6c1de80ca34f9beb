// The scenario the stub model plays: run the tests, read the failure, fix the code, re-run,
// release (answering the release script's question), and smoke-check the dev server with a
// timeout. Each move checks the previous result first, like a careful agent would.
import type { Move, Script, SeenResult } from './scripted-model';

const giveUp = (why: string, result: SeenResult | undefined): Move => ({
  done: `Stopping: ${why}. Last result: ${JSON.stringify(result?.output ?? null).slice(0, 400)}`,
});

/** How long the smoke check lets the never-ending dev server run before stopping it, ms. */
export const SERVER_TIMEOUT_MS = 10_000;

/** The fix-the-failing-test scenario, step by step. */
export const fixTheTests: Script = (results) => {
  const last = results.at(-1);
  const out = (last?.output ?? {}) as {
    status?: string;
    exit_code?: number | null;
    output?: string;
    content?: string;
  };
  switch (results.length) {
    case 0:
      return { say: 'Running the test suite first.', tool: 'run_command', input: { command: 'node --test' } };
    case 1: {
      if (out.status !== 'exited' || out.exit_code === 0) return giveUp('expected the tests to fail', last);
      // The assertion says what came out: 'hello-big world' — only the first space was replaced.
      if (!out.output?.includes("'hello-big world'")) return giveUp('cannot read the failure', last);
      return {
        say: 'Only the first space becomes a dash. Reading slugify.',
        tool: 'read_file',
        input: { path: 'slug.mjs' },
      };
    }
    case 2: {
      const source = out.content ?? '';
      if (!source.includes(".replace(' ', '-')"))
        return giveUp('the faulty replace() is not where expected', last);
      const fixed = source.replace(".replace(' ', '-')", ".replace(/\\s+/g, '-')");
      return {
        say: 'Replacing every run of whitespace.',
        tool: 'write_file',
        input: { path: 'slug.mjs', content: fixed },
      };
    }
    case 3:
      return { tool: 'run_command', input: { command: 'node --test' } };
    case 4:
      if (out.status !== 'exited' || out.exit_code !== 0)
        return giveUp('the fix did not make the tests pass', last);
      return {
        say: 'Green. Publishing the release.',
        tool: 'run_command',
        input: { command: 'node release.mjs' },
      };
    case 5:
      if (out.status !== 'awaiting_input' || !out.output?.includes('[y/N]'))
        return giveUp('expected a confirmation prompt', last);
      return { say: 'The release script asks for confirmation.', tool: 'send_input', input: { text: 'y' } };
    case 6:
      if (out.status !== 'exited' || out.exit_code !== 0)
        return giveUp('the release did not go through', last);
      return {
        say: 'Smoke-checking that the dev server starts (it never exits, so with a timeout).',
        tool: 'run_command',
        // Long enough for node to start on a loaded machine; the server still never ends by itself.
        input: { command: 'node server.mjs', timeout_ms: SERVER_TIMEOUT_MS },
      };
    case 7:
      if (out.status !== 'timed_out' || !out.output?.includes('listening on'))
        return giveUp('the server did not start', last);
      return {
        done: 'Fixed slugify (it replaced only the first space; now every run of whitespace becomes a dash). Tests pass, slugs@1.0.1 is released, and the dev server starts.',
      };
    default:
      return giveUp('the script has no more moves', last);
  }
};
