// SecurityPolicy schema, presets and the raw-input rule.
import { ErrorCode, isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { canWriteRawInput, SecurityPresets, trustsRawInput } from '../src/policy/presets';
import { parseSecurityPolicy, SecurityPolicySchema } from '../src/policy/schema';

function loadError(input: unknown): OrchflowError {
  try {
    parseSecurityPolicy(input);
  } catch (error) {
    if (isOrchflowError(error)) return error;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseSecurityPolicy', () => {
  it('applies defaults to an empty policy', () => {
    const policy = parseSecurityPolicy({});
    expect(policy.allowedCommands).toBeUndefined();
    expect(policy).toMatchObject({
      deniedCommands: [],
      forbiddenPaths: [],
      networkPolicy: 'allow',
      isolationLevel: 'none',
    });
    expect(policy.capabilities).toMatchObject({
      canReadFiles: true,
      canWriteFiles: true,
      canNetwork: true,
      canSpawnSubprocesses: true,
    });
    expect(policy.dangerousVariables).toContain('LD_*');
  });

  it('accepts every field of the plan', () => {
    const policy = parseSecurityPolicy({
      maxTerminalsPerAgent: 3,
      allowedCommands: ['git status', 'npm run test:*'],
      deniedCommands: ['rm -rf'],
      forbiddenPaths: ['~/.ssh', '/etc/shadow'],
      resourceLimits: {
        maxCpuSeconds: 10,
        maxMemoryMb: 512,
        executionTimeoutMs: 30_000,
        maxFileSizeMb: 10,
        maxOpenFiles: 64,
        maxProcesses: 32,
      },
      networkPolicy: 'deny',
      isolationLevel: 'container',
      capabilities: {
        canReadFiles: true,
        canWriteFiles: false,
        canNetwork: false,
        canSpawnSubprocesses: false,
        canWriteRawInput: true,
      },
    });
    expect(policy.resourceLimits.maxMemoryMb).toBe(512);
    expect(policy.isolationLevel).toBe('container');
  });

  it('names every bad field in one InvalidParams error', () => {
    const error = loadError({
      maxTerminalsPerAgent: 0,
      resourceLimits: { maxMemoryMb: -1, maxCpuSecs: 5 },
      isolationLevel: 'vm',
      allowedCommands: ['ls; rm -rf /'],
      forbiddenPaths: ['relative/path'],
      capabilities: { canNetwork: 'no' },
      extra: true,
    });
    expect(error.code).toBe(ErrorCode.InvalidParams);
    for (const field of [
      'maxTerminalsPerAgent',
      'resourceLimits.maxMemoryMb',
      'maxCpuSecs',
      'isolationLevel',
      'allowedCommands[0]',
      'forbiddenPaths[0]',
      'capabilities.canNetwork',
      'extra',
    ]) {
      expect(error.message).toContain(field);
    }
    expect((error.data as { issues: unknown[] }).issues.length).toBeGreaterThanOrEqual(7);
  });

  it('accepts allow entries with denied options or exact arguments, and names a bad one', () => {
    const policy = parseSecurityPolicy({
      allowedCommands: [
        'ls',
        { command: 'sort', deniedOptions: ['-o', '--output'] },
        { command: 'make test', exact: true },
      ],
    });
    expect(policy.allowedCommands?.[1]).toEqual({
      command: 'sort',
      deniedOptions: ['-o', '--output'],
      exact: false,
    });
    const error = loadError({ allowedCommands: [{ command: 'sort', deniedOptions: ['o; rm'] }] });
    expect(error.message).toContain('allowedCommands[0]');
  });

  it('rejects a non-object', () => {
    expect(loadError('standard').message).toContain('(policy)');
  });
});

describe('SecurityPresets', () => {
  it('are valid, frozen policies of increasing strictness', () => {
    for (const preset of Object.values(SecurityPresets))
      expect(SecurityPolicySchema.parse(preset)).toEqual(preset);
    const { trusted, standard, locked, aiSafe } = SecurityPresets;
    expect(aiSafe).toBe(locked);
    expect(trusted).toMatchObject({ isolationLevel: 'none', dangerousVariables: [] });
    expect(standard).toMatchObject({ isolationLevel: 'process' });
    expect(trusted.allowedCommands ?? standard.allowedCommands).toBeUndefined();
    expect(standard.forbiddenPaths).toEqual(expect.arrayContaining(['~/.ssh', '/etc/shadow']));
    expect(locked).toMatchObject({ isolationLevel: 'sandbox', networkPolicy: 'deny' });
    expect(locked.allowedCommands).toEqual(
      expect.arrayContaining([
        'git status',
        {
          command: 'npm run test:*',
          deniedOptions: expect.arrayContaining(['--script-shell']),
          exact: false,
        },
      ]),
    );
    expect(Object.isFrozen(standard.deniedCommands)).toBe(true);
    expect(() => (standard.deniedCommands as string[]).push('x')).toThrow();
  });
});

describe('canWriteRawInput', () => {
  it('refuses raw keystrokes under every policy not as open as trusted unless granted', () => {
    expect(canWriteRawInput(SecurityPresets.trusted)).toBe(true);
    expect(canWriteRawInput(SecurityPresets.standard)).toBe(false);
    expect(canWriteRawInput(SecurityPresets.locked)).toBe(false);
    expect(canWriteRawInput(parseSecurityPolicy({ allowedCommands: ['ls'] }))).toBe(false);
    // A denylist at isolation none still protects the shell integration, so typed keys are not trusted.
    expect(canWriteRawInput(parseSecurityPolicy({ deniedCommands: ['rm'] }))).toBe(false);
    expect(canWriteRawInput(parseSecurityPolicy({}))).toBe(false);
    expect(
      canWriteRawInput(parseSecurityPolicy({ deniedCommands: ['rm'], protectShellIntegration: false })),
    ).toBe(true);
    expect(canWriteRawInput(parseSecurityPolicy({ deniedCommands: ['rm'], isolationLevel: 'process' }))).toBe(
      false,
    );
    expect(
      canWriteRawInput(
        parseSecurityPolicy({ allowedCommands: ['ls'], capabilities: { canWriteRawInput: true } }),
      ),
    ).toBe(true);
    expect(canWriteRawInput(parseSecurityPolicy({ capabilities: { canWriteRawInput: false } }))).toBe(false);
  });

  it('trusts raw input (writes it unjudged) only under a policy as open as trusted', () => {
    expect(trustsRawInput(SecurityPresets.trusted)).toBe(true);
    expect(trustsRawInput(parseSecurityPolicy({ protectShellIntegration: false }))).toBe(true);
    for (const input of [
      { deniedCommands: ['rm'] },
      { deniedCommands: ['rm'], capabilities: { canWriteRawInput: true } },
      { protectShellIntegration: false, isolationLevel: 'process' },
      { protectShellIntegration: false, allowedCommands: ['ls'] },
    ])
      expect(trustsRawInput(parseSecurityPolicy(input)), JSON.stringify(input)).toBe(false);
    expect(trustsRawInput(SecurityPresets.standard)).toBe(false);
  });
});
