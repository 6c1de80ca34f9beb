import { packageTestConfig } from '../../vitest.shared';

// Many tests here start the CLI from source (node + tsx): ~2 s of wall time each on an idle
// 2-core machine, ~10 s with half a core. The default 20 s let a test with two or three starts
// time out on a loaded machine (the audit-log test did, 3 of 3 runs at half a core); the longer
// default is for load, not for anything that waits on a clock.
export default packageTestConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
