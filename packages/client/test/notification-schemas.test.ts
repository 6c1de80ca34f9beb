// The client checks notifications with its own zod/mini schemas (src/notification-schemas.ts) so
// its browser bundle carries no classic zod. These tests keep them in step with the protocol's
// schemas: whatever the protocol accepts, the client accepts and reads the same fields; what the
// client could not use (a non-string `data`, a negative offset) it still rejects.
import {
  type ExecuteProgressParams,
  ExecuteProgressParamsSchema,
  type FloorState,
  FloorStateSchema,
  type SecurityAlertParams,
  SecurityAlertParamsSchema,
  type TerminalActivity,
  TerminalActivitySchema,
  type TerminalExitParams,
  TerminalExitParamsSchema,
  type TerminalGapParams,
  TerminalGapParamsSchema,
  type TerminalOutputParams,
  TerminalOutputParamsSchema,
} from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import type { z as classic } from 'zod';
import type * as z from 'zod/mini';
import {
  ActivityParams,
  AlertParams,
  ExitParams,
  FloorParams,
  GapParams,
  OutputParams,
  ProgressParams,
} from '../src/notification-schemas';

// Compile-time: every value the protocol's types allow is a valid input of the client's schema.
type Accepts<Client, Protocol extends Client> = Protocol;
type _Output = Accepts<z.input<typeof OutputParams>, TerminalOutputParams>;
type _Gap = Accepts<z.input<typeof GapParams>, TerminalGapParams>;
type _Exit = Accepts<z.input<typeof ExitParams>, TerminalExitParams & { subscriptionId?: string }>;
type _Progress = Accepts<z.input<typeof ProgressParams>, ExecuteProgressParams>;
type _Activity = Accepts<z.input<typeof ActivityParams>, TerminalActivity>;
type _Floor = Accepts<z.input<typeof FloorParams>, FloorState>;
type _Alert = Accepts<z.input<typeof AlertParams>, SecurityAlertParams>;

interface Case {
  name: string;
  protocol: classic.ZodType;
  client: z.ZodMiniType;
  valid: unknown[];
  invalid: unknown[];
}

const cases: Case[] = [
  {
    name: 'terminal.output',
    protocol: TerminalOutputParamsSchema,
    client: OutputParams,
    valid: [
      { terminalId: 't-1', data: 'hi\r\n', offset: 0 },
      { terminalId: 't-1', subscriptionId: 's-1', data: '', offset: 7, nextOffset: 7, encoding: 'utf8' },
    ],
    invalid: [
      { terminalId: 't-1', data: 42, offset: 0 },
      { terminalId: 't-1', data: 'x', offset: -1 },
      { terminalId: 't-1', data: 'x', offset: 1.5 },
    ],
  },
  {
    name: 'terminal.gap',
    protocol: TerminalGapParamsSchema,
    client: GapParams,
    valid: [{ terminalId: 't-1', subscriptionId: 's-1', from: 0, to: 4096 }],
    invalid: [{ terminalId: 't-1', from: 'a', to: 1 }],
  },
  {
    name: 'terminal.exit',
    // As the router reads it: the exit names the subscription it ends.
    protocol: TerminalExitParamsSchema.extend({
      subscriptionId: TerminalOutputParamsSchema.shape.subscriptionId,
    }),
    client: ExitParams,
    valid: [
      { terminalId: 't-1', exitCode: 0, signal: null },
      { terminalId: 't-1', subscriptionId: 's-1', exitCode: null, signal: 'SIGKILL' },
    ],
    invalid: [{ terminalId: 't-1', exitCode: '0', signal: null }],
  },
  {
    name: 'terminal.activity',
    protocol: TerminalActivitySchema,
    client: ActivityParams,
    valid: [
      { terminalId: 't-1', activity: 'idle', since: '2026-01-01T00:00:00.000Z', foregroundPid: 42 },
      { terminalId: 't-1', activity: 'awaiting_input', command: 'read x', since: '2026-01-01T00:00:01.000Z' },
      { terminalId: 't-1', activity: 'exited', exitCode: null, signal: 'SIGHUP' },
    ],
    invalid: [{ terminalId: 't-1', activity: 'sleeping' }],
  },
  {
    name: 'terminal.floor',
    protocol: FloorStateSchema,
    client: FloorParams,
    valid: [
      { terminalId: 't-1', holder: { name: 'alice', kind: 'admin', since: '2026-01-01T00:00:00.000Z' } },
      { terminalId: 't-1', holder: null },
    ],
    invalid: [
      { terminalId: 't-1', holder: { name: 'vic', kind: 'viewer', since: 'x' } },
      { terminalId: 't-1' },
    ],
  },
  {
    name: 'security.alert',
    protocol: SecurityAlertParamsSchema,
    client: AlertParams,
    valid: [
      {
        severity: 'warning',
        reason: 'denied',
        rule: 'deniedCommands[0]: sudo',
        command: 'sudo x',
        agentId: 'a',
        terminalId: 't-1',
      },
      { severity: 'critical', reason: 'the audit log cannot be written' },
    ],
    invalid: [{ severity: 'loud', reason: 'x' }, { severity: 'info' }],
  },
  {
    name: 'execute.progress',
    protocol: ExecuteProgressParamsSchema,
    client: ProgressParams,
    valid: [
      { terminalId: 't-1', requestId: 7, data: 'done', offset: 109 },
      { terminalId: 't-1', data: '', offset: 113, started: true },
    ],
    invalid: [{ terminalId: 't-1', data: 'x', offset: 0, started: 'yes' }],
  },
];

for (const { name, protocol, client, valid, invalid } of cases) {
  describe(name, () => {
    for (const value of valid) {
      it(`accepts what the protocol accepts, with the same fields: ${JSON.stringify(value)}`, () => {
        const expected = protocol.parse(value) as Record<string, unknown>;
        const parsed = client.safeParse(value);
        expect(parsed.success).toBe(true);
        const fields = Object.entries((parsed.data ?? {}) as Record<string, unknown>);
        expect(fields.length).toBeGreaterThan(0);
        for (const [key, field] of fields) expect(field).toEqual(expected[key]);
      });
    }
    for (const value of invalid) {
      it(`rejects what the client could not use: ${JSON.stringify(value)}`, () => {
        expect(protocol.safeParse(value).success).toBe(false);
        expect(client.safeParse(value).success).toBe(false);
      });
    }
  });
}
