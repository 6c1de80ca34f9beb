// The conformance suite over orchflow's five transports, part 1: terminals, execute, batches and
// transactions, output streams. (Split over files so the parts run in parallel.)
import { runConformance } from '@orchflow/conformance';
import { TRANSPORTS } from './conformance/transports';

runConformance(TRANSPORTS, { areas: ['terminals', 'execute', 'batch', 'streams'] });
