// Bounds and fail-closed judging (issue 11 §4), line continuations, bash's /dev/tcp sockets and
// operations deny rules must see in every spelling (issue 11 §2).
import { describe, expect, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { joinContinuations } from '../src/command/continuations';
import { MAX_COMMAND_BYTES } from '../src/command/limits';
import { SecurityPresets } from '../src/policy/presets';
import type { SecurityPolicyInput } from '../src/policy/schema';

const cwd = '/work/project';
const home = '/home/agent';
const judge = (policy: CommandPolicy, command: string) => policy.check(command, { cwd, home });

const denyRm = new CommandPolicy({ deniedCommands: ['rm -rf'] });
const secretPaths = new CommandPolicy({ forbiddenPaths: ['/work/project/secret'] });
const gitLog = new CommandPolicy({
  allowedCommands: [{ command: 'git log', deniedOptions: ['--output'] }, 'npm run', 'npm test', 'echo'],
});
const noNetwork = new CommandPolicy({ networkPolicy: 'deny' } satisfies SecurityPolicyInput);
const network = new CommandPolicy({ networkPolicy: 'allow' } satisfies SecurityPolicyInput);
const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);

describe('bounded input and fail-closed judging', () => {
  it('exports the size limit', () => expect(MAX_COMMAND_BYTES).toBe(65536));

  it('denies a command over the size limit as too-large', async () => {
    const decision = await judge(denyRm, `echo ${'a'.repeat(70 * 1024)}`);
    expect(decision).toMatchObject({ allowed: false, rule: 'too-large' });
    expect(decision.reason).toContain(String(MAX_COMMAND_BYTES));
  });

  it('counts bytes, not characters', async () => {
    const decision = await judge(denyRm, `echo ${'é'.repeat(40 * 1024)}`);
    expect(decision.rule).toBe('too-large');
  });

  it('judges a command just under the limit', async () => {
    const decision = await judge(denyRm, `echo ${'a'.repeat(MAX_COMMAND_BYTES - 10)}`);
    expect(decision.allowed).toBe(true);
  });

  it.each([
    ['1000 nested $( around rm', `${'$('.repeat(1000)}rm -rf /${')'.repeat(1000)}`],
    ['150 nested $( around rm', `${'$('.repeat(150)}rm -rf /${')'.repeat(150)}`],
    ['500 nested subshells', `${'('.repeat(500)}rm -rf /${')'.repeat(500)}`],
  ])('denies %s as too-complex without throwing', async (_name, command) => {
    for (const policy of [denyRm, standard, locked]) {
      const decision = await judge(policy, command);
      expect(decision).toMatchObject({ allowed: false, rule: 'too-complex' });
      expect(decision.reason).toContain('too complex to judge');
    }
  });

  it("never throws for an unterminated '$(' × 1000 and denies it under an allowlist", async () => {
    const command = '$('.repeat(1000);
    for (const policy of [denyRm, standard, locked])
      await expect(judge(policy, command)).resolves.toBeDefined();
    expect(await judge(locked, command)).toMatchObject({ allowed: false });
  });

  it('still judges moderately nested substitutions', async () => {
    const command = `${'echo $('.repeat(40)}true${')'.repeat(40)}`;
    expect(await judge(denyRm, command)).toMatchObject({ allowed: true });
    const denied = `${'echo $('.repeat(40)}rm -rf /${')'.repeat(40)}`;
    expect(await judge(denyRm, denied)).toMatchObject({ allowed: false, rule: 'deniedCommands[0]: rm -rf' });
  });

  it('denies bash -c nested deeper than the policy follows, also under a denylist', async () => {
    let command = 'echo hi';
    for (let i = 0; i < 12; i++) command = `bash -c ${JSON.stringify(command)}`;
    for (const policy of [denyRm, secretPaths, standard]) {
      expect(await judge(policy, command)).toMatchObject({ allowed: false, rule: 'too-complex' });
    }
    expect((await judge(denyRm, 'bash -c "bash -c \\"echo hi\\""')).allowed).toBe(true);
  });
});

describe('line continuations', () => {
  it.each([
    { policy: denyRm, command: 'rm -r\\\nf /', rule: 'deniedCommands[0]: rm -rf' },
    { policy: denyRm, command: 'r\\\nm -rf /tmp/x', rule: 'deniedCommands[0]: rm -rf' },
    { policy: denyRm, command: 'echo $(rm -r\\\nf /)', rule: 'deniedCommands[0]: rm -rf' },
    { policy: denyRm, command: 'bash -c "rm -r\\\\\nf /"', rule: 'deniedCommands[0]: rm -rf' },
    { policy: secretPaths, command: 'cat secre\\\nt/key', rule: 'forbidden-path:' },
    { policy: secretPaths, command: 'cat "secre\\\nt/key"', rule: 'forbidden-path:' },
    { policy: secretPaths, command: 'cat /work/project/sec\\\nret/key', rule: 'forbidden-path:' },
    { policy: gitLog, command: 'git log --\\\noutput=x', rule: 'refused' },
    { policy: gitLog, command: 'git log --out\\\nput=x', rule: 'refused' },
  ])('joins $command as bash does', async ({ policy, command, rule }) => {
    const decision = await judge(policy, command);
    expect(decision.allowed).toBe(false);
    expect(decision.rule).toContain(rule);
  });

  it.each([
    'npm run build && \\\n  npm test',
    'echo one \\\n  two \\\n  three',
    'git log \\\n  --oneline',
    "echo 'kept\\\nliteral'",
    "echo $'kept\\\nliteral'",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    'echo "${HOME}/x" <<<"$PWD" \\\n  "done"',
  ])('allows the everyday %j', async (command) => {
    expect(await judge(gitLog, command)).toMatchObject({ allowed: true });
  });

  it('keeps continuations where bash keeps them', () => {
    expect(joinContinuations('a \'b\\\nc\' "d\\\ne"')).toBe('a \'b\\\nc\' "de"');
    expect(joinContinuations("$'x\\\ny' z\\\nw")).toBe("$'x\\\ny' zw");
    expect(joinContinuations('a # c \\\nb')).toBe('a # c \\\nb');
    expect(joinContinuations('a \\\\\nb')).toBe('a \\\\\nb');
    expect(joinContinuations("a\\\n#b '\\\nc'")).toBe("a#b '\\\nc'");
    expect(joinContinuations('a <<<"$x" \\\nb')).toBe('a <<<"$x" b');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    const spans = 'cp "${SRC}/$(basename x)" \\\n  "`pwd`"';
    expect(joinContinuations(spans)).toBe(spans.replace('\\\n', ''));
  });

  it.each([
    'cat <<E\nsecre\\\nt/key\nE',
    "cat <<'E'\nx\\\ny\nE",
    'echo "$(echo \'a\\\nb\')"',
    'echo "$(rm -r\\\nf /)"',
  ])('denies %j, where the context is not known exactly, as too-complex', async (command) => {
    expect(await judge(secretPaths, command)).toMatchObject({ allowed: false, rule: 'too-complex' });
  });
});

describe("bash's /dev/tcp and /dev/udp", () => {
  it.each([
    'exec 3<>/dev/tcp/1.2.3.4/80',
    'cat < /dev/udp/x/53',
    'echo hi > /dev/tcp/example.com/80',
    'cat </dev/tcp/$HOST/80',
    'exec 3<>"/dev/tcp/1.2.3.4/80"',
    'bash -c "cat </dev//tcp/h/1"',
    'cat /dev/tcp/h/80',
  ])('denies %j when the network is denied', async (command) => {
    const decision = await judge(noNetwork, command);
    expect(decision).toMatchObject({ allowed: false, rule: 'capability:canNetwork:dev-tcp' });
    expect(decision.reason).toContain('/dev/tcp');
  });

  it.each(['exec 3<>/dev/tcp/1.2.3.4/80', 'cat < /dev/udp/x/53'])(
    'allows %j when the network is allowed',
    async (command) => {
      expect(await judge(network, command)).toMatchObject({ allowed: true });
    },
  );

  it('leaves other /dev paths alone', async () => {
    expect(await judge(noNetwork, 'echo x > /dev/null; cat /dev/tcpdump.log')).toMatchObject({
      allowed: true,
    });
  });
});

describe('operations denied in every spelling', () => {
  it.each([
    'kill -9 -1',
    'kill -KILL -1',
    'kill -SIGKILL -1',
    'kill -s KILL -1',
    'kill -n 9 -1',
    'kill -- -1',
    'kill -9 -- -1',
    'kill -TERM 123 -1',
    '/bin/kill -HUP -01',
  ])('denies %j under standard and locked', async (command) => {
    for (const policy of [standard, locked]) {
      const decision = await judge(policy, command);
      expect(decision.allowed).toBe(false);
      expect(decision.rule).toContain('kill -9 -1');
    }
  });

  it.each([
    'dd if=x of=/dev/sda',
    'dd if=x of=/dev/disk/by-id/ata-1',
    'dd if=x of=//dev/./sda bs=1M',
    'dd if=x of=/tmp/../dev/nvme0n1',
  ])('denies %j under standard and locked', async (command) => {
    for (const policy of [standard, locked]) {
      const decision = await judge(policy, command);
      expect(decision.allowed).toBe(false);
      expect(decision.rule).toContain('dd of=/dev/*');
    }
  });

  it.each(['kill -9 1234', 'kill -15 1234', 'kill -1 1234', 'kill -l', 'dd if=a of=b'])(
    'allows %j under standard',
    async (command) => {
      expect(await judge(standard, command)).toMatchObject({ allowed: true });
    },
  );
});

// Issue 11 §4: every check has a work budget (budget.ts) and runs in a worker thread, so the
// review's pathological inputs are answered `too-complex` (or judged) in bounded time, and the
// caller's event loop keeps running meanwhile. Timings are asserted generously; the 50 ms figure
// is measured by bench/policy-worst-case.mjs.
// Checks here spend their whole budget (about a second each on a quiet machine, several under
// load): the timeout leaves room for a loaded CI machine; what is asserted is the verdict and that
// the event loop kept running, never how long a check took.
describe('work budget and the event loop', { timeout: 120_000 }, () => {
  const cds = (n: number) => Array.from({ length: n }, (_, i) => `cd d${i}`).join('; ');
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`).join(' ');
  const largest = (build: (n: number) => string) => {
    let n = 1;
    while (Buffer.byteLength(build(n * 2)) <= MAX_COMMAND_BYTES) n *= 2;
    for (let step = n / 2; step >= 1; step /= 2)
      if (Buffer.byteLength(build(n + step)) <= MAX_COMMAND_BYTES) n += step;
    return build(n);
  };
  const commas = largest((n) => `echo {${','.repeat(n)}`);
  const braces = largest((n) => `{a,b}${'{'.repeat(n)}`);
  const pipeline = largest((n) => Array.from({ length: n }, () => 'a').join('|'));

  it.each([16, 24, 40])('denies %i chained cds (2^n directories) as too-complex', async (n) => {
    for (const policy of [secretPaths, locked, denyRm]) {
      const decision = await judge(policy, `${cds(n)}; cat x`);
      expect(decision).toMatchObject({ allowed: false, rule: 'too-complex' });
      expect(decision.reason).toContain('too complex to judge');
    }
  });

  it('still judges a few cds and paths exactly', async () => {
    expect(await judge(secretPaths, `${cds(4)}; cat ${paths(10)}`)).toMatchObject({ allowed: true });
    expect(await judge(secretPaths, 'cd src; cd ..; cat secret/key')).toMatchObject({
      allowed: false,
      rule: 'forbidden-path:/work/project/secret',
    });
  });

  it('denies 100 cds with 100 paths as too-complex', async () => {
    const decision = await judge(secretPaths, `${cds(100)}; cat ${paths(100)}`);
    expect(decision).toMatchObject({ allowed: false, rule: 'too-complex' });
  });

  it.each([
    ['echo { and commas up to the size limit', commas],
    ['{a,b} and unclosed { up to the size limit', braces],
    ['a pipeline up to the size limit', pipeline],
  ])('answers %s, and never lets a denied command through after it', async (_name, command) => {
    expect(Buffer.byteLength(command)).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
    for (const policy of [denyRm, standard, locked]) {
      const decision = await judge(policy, command);
      expect(decision.rule).toMatch(/\S/);
    }
    const hidden = `${command.slice(0, MAX_COMMAND_BYTES - 20)}\nrm -rf /`;
    expect(await judge(denyRm, hidden)).toMatchObject({ allowed: false });
  });

  it('keeps the event loop running while pathological checks are judged', async () => {
    let last = performance.now();
    let worst = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      const slow = [commas, braces, pipeline, `${cds(40)}; cat x`].map((c) => judge(secretPaths, c));
      // Another agent's everyday check is answered meanwhile, not after the slow ones.
      const everyday = await judge(standard, 'echo hi');
      expect(everyday, everyday.reason).toMatchObject({ allowed: true });
      await Promise.all(slow);
    } finally {
      clearInterval(ticker);
    }
    expect(worst).toBeLessThan(1000);
  });
});
