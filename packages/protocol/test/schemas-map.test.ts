// The method map lists exactly the methods of the architecture doc, and its lookups see only
// its own names.
import { describe, expect, it } from 'vitest';
import {
  getMethodSchemas,
  getNotificationSchema,
  isMethodName,
  isNotificationName,
  Methods,
  Notifications,
} from '../src/schemas/method-map';

// Copied from ARCHITECTURE.md ("Wire protocol"): `initialize` plus the method list. Keep in sync.
const ARCHITECTURE_METHODS = [
  'initialize',
  'terminal.spawn',
  'terminal.execute',
  'terminal.write',
  'terminal.resize',
  'terminal.kill',
  'terminal.list',
  'terminal.snapshot',
  'terminal.read',
  'terminal.subscribe',
  'terminal.unsubscribe',
  'terminal.batchExecute',
  'tx.begin',
  'tx.commit',
  'tx.rollback',
  'orchestrator.pauseAll',
  'orchestrator.resumeAll',
  'orchestrator.killAll',
  'orchestrator.metrics',
  '$/cancelRequest',
  '$/ping',
  // Not in ARCHITECTURE.md yet: the clean end of a connection (docs/protocol.md, issue #12).
  '$/shutdown',
  // Not in ARCHITECTURE.md yet: what a terminal is doing (issues #14, #15; docs/protocol.md).
  'terminal.activity',
  // Not in ARCHITECTURE.md yet: a terminal's command history (issue #15; docs/protocol.md).
  'terminal.history',
  // Floor control (issue #15; docs/protocol.md).
  'terminal.floor.take',
  'terminal.floor.release',
];
// `$/cancelRequest` is listed among methods there but is sent as a notification, as in LSP.
const METHODS_SENT_AS_NOTIFICATIONS = ['$/cancelRequest'];
// An execute's live output ("execute progress") is the value of `$/progress`, the one progress
// mechanism (RpcPeer's onProgress); there is no separate `execute.progress` notification.
const ARCHITECTURE_NOTIFICATIONS = [
  'terminal.output',
  'terminal.exit',
  'terminal.metrics',
  'terminal.floor',
  'security.alert',
];
// One name on purpose for both: the request asks for a terminal's activity, the notification
// pushes the same shape when it changes (JSON-RPC tells them apart by the request id).
const SHARED_NAMES = ['terminal.activity'];

describe('method map', () => {
  it('lists exactly the methods of the architecture doc', () => {
    const expected = ARCHITECTURE_METHODS.filter((m) => !METHODS_SENT_AS_NOTIFICATIONS.includes(m));
    expect(Object.keys(Methods).sort()).toEqual(expected.sort());
    for (const name of METHODS_SENT_AS_NOTIFICATIONS) expect(isNotificationName(name)).toBe(true);
  });

  it('lists exactly the notifications of the architecture doc plus gap notices and the $/ ones', () => {
    const expected = [
      ...ARCHITECTURE_NOTIFICATIONS,
      'terminal.gap',
      '$/progress',
      ...SHARED_NAMES,
      ...METHODS_SENT_AS_NOTIFICATIONS,
    ];
    expect(Object.keys(Notifications).sort()).toEqual(expected.sort());
  });

  it('keeps method and notification names apart', () => {
    const overlap = Object.keys(Methods).filter((name) => isNotificationName(name));
    expect(overlap).toEqual(SHARED_NAMES);
  });

  it('looks up only own names, never prototype members', () => {
    expect(isMethodName('terminal.execute')).toBe(true);
    expect(isMethodName('toString')).toBe(false);
    expect(isMethodName('terminal.output')).toBe(false);
    expect(isNotificationName('constructor')).toBe(false);
    expect(getMethodSchemas('terminal.nope')).toBeUndefined();
    expect(getNotificationSchema('__proto__')).toBeUndefined();
    expect(getMethodSchemas('tx.begin')).toBe(Methods['tx.begin']);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(Methods)).toBe(true);
    expect(Object.isFrozen(Notifications)).toBe(true);
  });
});
