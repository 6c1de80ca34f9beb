import { packageTestConfig } from '../../vitest.shared';

// node --test runs twice in the loop; a loaded 2-core machine needs generous timeouts.
export default packageTestConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
