import { packageTestConfig } from '../../vitest.shared';

// Sandboxed terminals take a second or two to start on a loaded 2-core machine.
export default packageTestConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
