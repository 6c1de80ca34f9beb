// Property test of the command policy (issue 11 §4): random bash from a grammar of words, quotes,
// substitutions, redirections, heredocs, control operators and nesting, and random bytes. `check`
// must always resolve to a PolicyDecision naming a rule (never throw, never hang), and a denied
// command placed anywhere in well-formed bash must keep the line denied. Fixed seed: CI runs the
// same inputs every time; a failure prints the seed and the shrunk counterexample.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { MAX_COMMAND_BYTES } from '../src/command/limits';
import { SecurityPresets } from '../src/policy/presets';
import { developer, judge } from './developer-policy';

const SEED = 20_261_111;
const denyRm = new CommandPolicy({ deniedCommands: ['rm -rf'], forbiddenPaths: ['/work/project/secret'] });
const standard = new CommandPolicy(SecurityPresets.standard);
const policies = [developer, denyRm, standard];

const name = fc.constantFrom('echo', 'cat', 'ls', 'git', 'grep', 'x', 'node', 'true', 'printf', 'pwd', 'env');
// (`cd` is left out: its fan-out is the budget's worst case, tested in policy-bounds.test.ts.)
const plain = fc.constantFrom(
  'a',
  '-n',
  '-rf',
  '/',
  'src/*.js',
  '~',
  '..',
  'secret/key',
  '$HOME',
  '{a,b}',
  'x=1',
);

/** Words, substitutions and commands, nested up to a small depth. */
const bash = fc.letrec<{ word: string; command: string; list: string }>((tie) => ({
  word: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plain,
    name,
    tie('word').map((w) => `"${w.replace(/["\\]/g, '')}"`),
    fc.string({ maxLength: 6 }).map((s) => `'${s.replace(/'/g, '')}'`),
    fc.string({ maxLength: 4 }).map((s) => `$'${s.replace(/['\\]/g, '')}'`),
    tie('list').map((l) => `$(${l})`),
    tie('command').map((c) => `\`${c.replace(/[`\\]/g, '')}\``),
    tie('word').map((w) => `\${x:-${w.replace(/[{}]/g, '')}}`),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not templates.
    fc.constantFrom('$((1 + 2))', '${#x}', '$?', '$@', '${x[0]}', '*', '?(a)'),
    tie('list').map((l) => `<(${l})`),
  ),
  command: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        name,
        fc.array(tie('word'), { maxLength: 3 }),
        fc.constantFrom('', ' > out', ' 2>&1', ' < in', ' >> /tmp/x', ' <<< "$x"'),
      )
      .map(([n, ws, r]) => [n, ...ws].join(' ') + r),
    tie('list').map((l) => `( ${l} )`),
    tie('list').map((l) => `{ ${l}; }`),
    fc.tuple(tie('list'), tie('list')).map(([a, b]) => `if ${a}; then ${b}; fi`),
    fc.tuple(tie('word'), tie('list')).map(([w, l]) => `for f in ${w}; do ${l}; done`),
    fc
      .tuple(tie('list'), fc.string({ maxLength: 8 }))
      .map(([l, body]) => `${l} <<'EOF'\n${body.replace(/\n|EOF/g, '')}\nEOF\n`),
    tie('word').map((w) => `cat <<E\n${w}\nE\n`),
    tie('list').map((l) => `bash -c '${l.replace(/'/g, '')}'`),
    tie('word').map((w) => `f() { echo ${w}; }`),
  ),
  list: fc
    .tuple(
      tie('command'),
      fc.array(fc.tuple(fc.constantFrom('; ', ' && ', ' || ', ' | ', ' & ', '\n'), tie('command')), {
        maxLength: 3,
      }),
    )
    .map(([first, rest]) => first + rest.map(([op, c]) => op + c).join('')),
}));

// Places a denied command inside a construct that runs it.
const dangerous = fc.constantFrom(
  (c: string) => c,
  (c: string) => `$(${c})`,
  (c: string) => `echo "$(${c})"`,
  (c: string) => `( ${c} )`,
  (c: string) => `{ ${c}; }`,
  (c: string) => `true | ${c}`,
  (c: string) => `bash -c '${c}'`,
  (c: string) => `if true; then ${c}; fi`,
  (c: string) => `echo \`${c}\``,
);

function expectDecision(decision: unknown): void {
  expect(decision).toMatchObject({
    allowed: expect.any(Boolean),
    rule: expect.stringMatching(/\S/),
    reason: expect.any(String),
    commands: expect.any(Array),
  });
}

// Enough runs to cover the grammar's shapes while the file stays within a few seconds of checks.
const params = { seed: SEED, numRuns: 60, endOnFailure: true };
const TIMEOUT_MS = 120_000;

describe('the policy on random bash', () => {
  it(
    'always resolves to a decision with a rule, for random bash',
    async () => {
      await fc.assert(
        fc.asyncProperty(bash.list, async (command) => {
          for (const policy of policies) expectDecision(await judge(policy, command));
        }),
        params,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'always resolves to a decision with a rule, for random bytes and text',
    async () => {
      const text = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({
          unit: fc.constantFrom(
            '$',
            '(',
            ')',
            '{',
            '}',
            '`',
            '"',
            "'",
            '\\',
            '<',
            '>',
            '|',
            '&',
            ';',
            '\n',
            ' ',
            'a',
            ',',
            '*',
            '[',
            ']',
            '#',
            '!',
            '=',
          ),
          maxLength: 400,
        }),
      );
      await fc.assert(
        fc.asyncProperty(text, async (command) => {
          for (const policy of policies) expectDecision(await judge(policy, command));
        }),
        params,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'keeps a denied command denied wherever it is placed in well-formed bash',
    async () => {
      await fc.assert(
        fc.asyncProperty(bash.list, dangerous, bash.list, async (before, wrap, after) => {
          const command = `${before}\n${wrap('rm -rf /')}\n${after}`;
          for (const policy of [denyRm, standard, developer]) {
            const decision = await judge(policy, command);
            expectDecision(decision);
            expect(decision.allowed, command).toBe(false);
          }
        }),
        { ...params, numRuns: 40 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'keeps a denied command denied after pathological but well-formed prefixes',
    async () => {
      const blowUp = fc.constantFrom(
        () => Array.from({ length: 20 }, (_, i) => `cd d${i}`).join('; '),
        () => `echo {${','.repeat(20_000)}}`,
        () => `echo {a,b}${'{'.repeat(20_000)}`,
        () => Array.from({ length: 8_000 }, () => 'true').join(' | '),
        () => `${'$('.repeat(300)}true${')'.repeat(300)}`,
      );
      await fc.assert(
        fc.asyncProperty(blowUp, dangerous, async (prefix, wrap) => {
          const command = `${prefix()}\n${wrap('rm -rf /')}`;
          expect(Buffer.byteLength(command)).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
          const decision = await judge(denyRm, command);
          expectDecision(decision);
          expect(decision.allowed).toBe(false);
        }),
        { ...params, numRuns: 5 },
      );
    },
    TIMEOUT_MS,
  );
});
