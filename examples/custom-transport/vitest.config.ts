// The repository's shared test config: @orchflow/* imports resolve to the packages' sources, as
// in packages/server, so the conformance suite imported from there runs exactly as it does there.
import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({ testTimeout: 30_000 });
