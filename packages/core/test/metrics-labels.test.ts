// Label values stay bounded whatever a caller sends: denial rules cut to the policy's rule name
// and capped in number, RPC methods and transports mapped onto fixed sets, exit classes exact.
import { describe, expect, it } from 'vitest';
import { exitClass, MAX_RULE_LABELS, methodLabel, RuleLabels, transportLabel } from '../src/metrics/labels';

describe('metric labels', () => {
  it('keeps policy rule names, cuts the command-derived part, and caps distinct values', () => {
    const rules = new RuleLabels();
    expect(rules.of('deniedCommands[0]: rm')).toBe('deniedCommands[0]: rm');
    expect(rules.of('unsupported-wrapper:/tmp/evil-9f2c')).toBe('unsupported-wrapper');
    expect(rules.of('connection:shell-option:extglob')).toBe('connection:shell-option');
    expect(rules.of('dangerous-assignment:AGENT_CHOSEN_NAME_1')).toBe('dangerous-assignment');
    expect(rules.of(undefined)).toBe('unknown');
    expect(rules.of('x'.repeat(500))).toHaveLength(80);
    for (let i = 0; i < 200; i++) rules.of(`rule-${i}`);
    const seen = new Set(Array.from({ length: 300 }, (_, i) => rules.of(`rule-${i}`)));
    expect(seen.size).toBeLessThanOrEqual(MAX_RULE_LABELS + 1);
    expect(seen.has('other')).toBe(true);
    // Rules seen before the cap keep their own label.
    expect(rules.of('deniedCommands[0]: rm')).toBe('deniedCommands[0]: rm');
  });

  it('maps unknown methods and odd transports onto `other`', () => {
    expect(methodLabel('terminal.execute')).toBe('terminal.execute');
    expect(methodLabel('rm -rf /')).toBe('other');
    expect(transportLabel('websocket')).toBe('websocket');
    expect(transportLabel('Web Socket!')).toBe('other');
  });

  it('classes a command end by timeout, signal, exit code or error', () => {
    const end = { timedOut: false, signal: null, exitCode: 0 };
    expect(exitClass(end)).toBe('ok');
    expect(exitClass({ ...end, exitCode: 2 })).toBe('error');
    expect(exitClass({ ...end, exitCode: null, error: { code: -32007, message: 'exited' } })).toBe('error');
    expect(exitClass({ ...end, timedOut: true, exitCode: 130 })).toBe('timeout');
    expect(exitClass({ ...end, exitCode: null, signal: 'SIGTERM' })).toBe('signal');
  });
});
