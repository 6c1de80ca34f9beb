// `@orchflow/core` alone is enough for a core user under a strict node_modules (pnpm): what the
// README and the guides use from the packages below it is re-exported — the very same values —
// and their snippets for core import from `@orchflow/core` only.
import { readFileSync } from 'node:fs';
import * as mux from '@orchflow/mux';
import * as protocol from '@orchflow/protocol';
import * as security from '@orchflow/security';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index';

describe('@orchflow/core re-exports', () => {
  it('re-exports the errors, policies and backends a core user needs, identical to the originals', () => {
    const pairs: [string, unknown, unknown][] = [
      ['ErrorCode', core.ErrorCode, protocol.ErrorCode],
      ['OrchflowError', core.OrchflowError, protocol.OrchflowError],
      ['isOrchflowError', core.isOrchflowError, protocol.isOrchflowError],
      ['errorCodeName', core.errorCodeName, protocol.errorCodeName],
      ['policyDenial', core.policyDenial, protocol.policyDenial],
      ['isPolicyDenied', core.isPolicyDenied, protocol.isPolicyDenied],
      ['floorHeld', core.floorHeld, protocol.floorHeld],
      ['isFloorHeld', core.isFloorHeld, protocol.isFloorHeld],
      ['DirectChannel', core.DirectChannel, protocol.DirectChannel],
      ['SecurityPresets', core.SecurityPresets, security.SecurityPresets],
      ['AuditLog', core.AuditLog, security.AuditLog],
      ['verifyAuditLog', core.verifyAuditLog, security.verifyAuditLog],
      ['parseSecurityPolicy', core.parseSecurityPolicy, security.parseSecurityPolicy],
      ['DirectBackend', core.DirectBackend, mux.DirectBackend],
      ['TmuxBackend', core.TmuxBackend, mux.TmuxBackend],
    ];
    for (const [name, ours, original] of pairs) {
      expect(ours, name).toBeDefined();
      expect(ours, name).toBe(original);
    }
  });

  it('types the README names come from core too', () => {
    // A compile-time check (the typecheck covers test/): these names resolve from core.
    const result: core.ExecResult | undefined = undefined;
    const info: core.TerminalInfo | undefined = undefined;
    const denial: core.PolicyDeniedData | undefined = core.policyDenial(new Error('x'));
    const preset: core.SecurityPresetName = 'standard';
    expect([result, info, denial, preset]).toEqual([undefined, undefined, undefined, 'standard']);
  });

  it("the README's and getting-started's core snippets import from @orchflow/core only", () => {
    const docs = {
      'packages/core/README.md': readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
      // Its sections 1 and 2: what `npm install @orchflow/core` is enough for.
      'docs/getting-started.md': readFileSync(
        new URL('../../../docs/getting-started.md', import.meta.url),
        'utf8',
      ).split('## 3.')[0] as string,
    };
    for (const [file, text] of Object.entries(docs)) {
      const imports = [...text.matchAll(/from '(@orchflow\/[^']+)'/g)].map((m) => m[1]);
      expect(imports.length, file).toBeGreaterThan(0);
      expect(
        imports.filter((name) => name !== '@orchflow/core'),
        file,
      ).toEqual([]);
    }
  });
});
