// The conformance suite over orchflow's five transports, part 2: interactive sessions, emergency
// controls, scoping between principals, error codes, close/drop and capabilities.
import { runConformance } from '@orchflow/conformance';
import { TRANSPORTS } from './conformance/transports';

runConformance(TRANSPORTS, { areas: ['sessions', 'scoping', 'errors', 'lifecycle'] });
