// `runConformance`: the whole `OrchflowClient` API, with the same assertions, over each given
// transport. Our own transports run it in test/conformance-*.test.ts; a custom transport runs it
// by passing its own `TransportCase` (see `channelTransport` and docs/transports.md).
import { describe } from 'vitest';
import { batchTests } from './batch';
import { errorTests } from './errors';
import { executeTests } from './execute';
import type { TransportCase } from './harness';
import { lifecycleTests } from './lifecycle';
import { scopingTests } from './scoping';
import { sessionTests } from './sessions';
import { streamTests } from './streams';
import { terminalTests } from './terminals';

/** The areas of the suite, each a set of tests registered per transport. */
export const CONFORMANCE_AREAS = {
  terminals: terminalTests,
  execute: executeTests,
  batch: batchTests,
  streams: streamTests,
  sessions: sessionTests,
  scoping: scopingTests,
  errors: errorTests,
  lifecycle: lifecycleTests,
} as const;

/** The name of one area of the suite. */
export type ConformanceArea = keyof typeof CONFORMANCE_AREAS;

/** Options of {@link runConformance}. */
export interface RunConformanceOptions {
  /** Only these areas (default: all), e.g. to split the suite over several test files. */
  areas?: readonly ConformanceArea[];
}

/** Registers the conformance suite for every transport in `transports` (call at a test file's top level). */
export function runConformance(
  transports: readonly TransportCase[],
  options: RunConformanceOptions = {},
): void {
  const areas = options.areas ?? (Object.keys(CONFORMANCE_AREAS) as ConformanceArea[]);
  describe.each(transports)('conformance over $name', (transport) => {
    for (const area of areas) describe(area, () => CONFORMANCE_AREAS[area](transport));
  });
}

export {
  type ChannelPair,
  type Connect,
  type Connected,
  channelTransport,
  RECONNECT,
  reconnecting,
  SUITE_TOKENS,
  type SuiteAuth,
  suiteAuth,
  TOKENS,
  type TransportCase,
} from './harness';
